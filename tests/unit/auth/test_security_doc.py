"""docs/security.md shows the role-by-route table as the code declares it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
spec = importlib.util.spec_from_file_location("access_table", ROOT / "tools" / "access_table.py")
assert spec and spec.loader
tables = importlib.util.module_from_spec(spec)
spec.loader.exec_module(tables)


@pytest.mark.parametrize("service", tables.SERVICES)
def test_the_documented_table_is_the_declared_one(service: str) -> None:
    documented = tables.documented(tables.DOC.read_text(), service)
    assert documented == tables.table(service), "run python3 -m uv run python tools/access_table.py"
