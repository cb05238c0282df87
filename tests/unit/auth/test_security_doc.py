"""docs/security.md shows the role-by-route table as the code declares it."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from asn_platform.auth.access import access_table
from asn_platform.service import create_app

DOC = Path(__file__).resolve().parents[3] / "docs" / "security.md"


@pytest.mark.parametrize("service", ["surveys", "enrollment", "recommendations"])
def test_the_documented_table_is_the_declared_one(service: str) -> None:
    definition = importlib.import_module(f"asn_{service}.main").DEFINITION
    text = DOC.read_text()
    table = text.split(f"### {service}\n\n", 1)[1].split("\n\n", 1)[0]
    documented = table.splitlines()[2:]
    assert documented == access_table(create_app(definition).routes)
