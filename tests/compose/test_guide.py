"""The operators' guide (deploy/README.md) holds only commands the rehearsal runs: every shell
block is tagged with a step, every step is one the rehearsal calls, and the guide parser refuses
an untagged block. Runs everywhere (no containers needed)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

REHEARSAL = Path(__file__).resolve().parents[2] / "deploy" / "rehearsal"
sys.path.insert(0, str(REHEARSAL))
import guide  # noqa: E402


def steps_called_in(path: Path) -> set[str]:
    """Step names passed as the first argument of `.run(...)` / `.up(...)` on the operator or
    the scenario (string literals only)."""
    called: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("run", "up")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            called.add(node.args[0].value)
    return called


def test_every_block_of_the_guide_is_a_step_and_every_step_has_a_block() -> None:
    blocks = guide.blocks()
    assert set(blocks) == set(guide.STEPS)
    assert all(body.strip() for body in blocks.values())


def test_every_step_is_run_by_the_rehearsal() -> None:
    called = steps_called_in(REHEARSAL / "rehearse.py") | steps_called_in(REHEARSAL / "scenario.py")
    assert set(guide.STEPS) <= called, set(guide.STEPS) - called


def test_an_untagged_shell_block_is_refused() -> None:
    text = "# Guide\n```bash\ndocker compose up -d\n```\n"
    with pytest.raises(guide.GuideError, match="not tagged"):
        guide.blocks(text)


def test_a_step_tagged_twice_is_refused() -> None:
    text = "```bash rehearsed:demo\nfalse\n```\n\n```bash rehearsed:demo\ntrue\n```\n"
    with pytest.raises(guide.GuideError, match="two blocks"):
        guide.blocks(text)


def test_non_shell_blocks_are_prose() -> None:
    text = "```yaml\nservices: {}\n```\n```bash rehearsed:remove\ndocker compose down -v\n```\n"
    assert guide.blocks(text) == {"remove": "docker compose down -v\n"}
