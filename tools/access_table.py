"""Rewrite the role-by-route tables of docs/security.md from the code (one per service).

    python3 -m uv run python tools/access_table.py          # rewrite
    python3 -m uv run python tools/access_table.py --check  # exit 1 if the doc is stale

The tables are what ``asn_platform.auth.access.access_table`` reads off each service's routes;
tests/unit/auth/test_security_doc.py fails when the doc and the code differ.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "security.md"
SERVICES = ("surveys", "enrollment", "recommendations", "notifications", "webhooks")
HEADER = ["| method | route | roles |", "|---|---|---|"]


def table(service: str) -> list[str]:
    from asn_platform.auth.access import access_table
    from asn_platform.service import create_app

    definition = importlib.import_module(f"asn_{service}.bootstrap").DEFINITION
    return HEADER + access_table(create_app(definition).routes)


def documented(text: str, service: str) -> list[str] | None:
    marker = f"### {service}\n\n"
    if marker not in text:
        return None
    return text.split(marker, 1)[1].split("\n\n", 1)[0].splitlines()


def rewrite(text: str) -> str:
    for service in SERVICES:
        rows = "\n".join(table(service))
        old = documented(text, service)
        if old is None:
            text = text.rstrip("\n") + f"\n\n### {service}\n\n{rows}\n"
        else:
            text = text.replace(
                f"### {service}\n\n" + "\n".join(old), f"### {service}\n\n{rows}", 1
            )
    return text


def main(argv: list[str]) -> int:
    text = DOC.read_text()
    new = rewrite(text)
    if argv[:1] == ["--check"]:
        if new != text:
            print("docs/security.md is stale: run python3 -m uv run python tools/access_table.py")
            return 1
        return 0
    DOC.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
