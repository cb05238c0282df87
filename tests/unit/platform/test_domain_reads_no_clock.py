"""Every service's domain/ is pure: it reads no clock; the time is passed in (architecture.md).

The scan reads the sources (no import), so it also sees a clock read hidden as a default, e.g.
``Field(default_factory=now_jakarta)``.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DOMAIN_SOURCES = sorted(ROOT.glob("services/*/asn_*/domain/**/*.py"))

# Read through any receiver: datetime.now, date.today, datetime.utcnow, pendulum.now, ...
CLOCK_ATTRIBUTES = {"now", "today", "utcnow"}
# Read through the time module: time.time(), time.monotonic(), ...
TIME_FUNCTIONS = {"time", "time_ns", "monotonic", "monotonic_ns", "perf_counter", "perf_counter_ns"}
# The platform's own clock helper, by name.
CLOCK_NAMES = {"now_jakarta"}


def clock_reads(source: str) -> list[str]:
    """'line: what' for each clock read in ``source``."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        what = None
        if isinstance(node, ast.Attribute):
            receiver = node.value
            if node.attr in CLOCK_ATTRIBUTES | CLOCK_NAMES:
                what = f".{node.attr}"
            elif node.attr in TIME_FUNCTIONS and isinstance(receiver, ast.Name):
                what = f"{receiver.id}.{node.attr}" if receiver.id == "time" else None
        elif isinstance(node, ast.Name) and node.id in CLOCK_NAMES:
            what = node.id
        elif isinstance(node, ast.ImportFrom):
            names = {a.name for a in node.names}
            clock = names & (TIME_FUNCTIONS if node.module == "time" else CLOCK_NAMES)
            what = f"import {', '.join(sorted(clock))}" if clock else None
        if what:
            found.append(f"{getattr(node, 'lineno', '?')}: {what}")
    return found


def test_there_are_domain_modules_to_scan() -> None:
    services = {p.relative_to(ROOT).parts[1] for p in DOMAIN_SOURCES}
    assert {"surveys", "enrollment", "recommendations", "notifications", "webhooks"} <= services


@pytest.mark.parametrize("path", DOMAIN_SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_domain_module_reads_no_clock(path: Path) -> None:
    assert clock_reads(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source",
    [
        "from asn_platform.timezone import now_jakarta",
        "x = Field(default_factory=now_jakarta)",
        "import asn_platform.timezone as tz\ntz.now_jakarta()",
        "d = date.today()",
        "t = datetime.now(JAKARTA)",
        "f = datetime.now",
        "t = datetime.utcnow()",
        "import time\nt = time.time()",
        "import time\nt = time.monotonic()",
        "from time import perf_counter",
    ],
)
def test_the_scan_catches_clock_reads(source: str) -> None:
    assert clock_reads(source)


@pytest.mark.parametrize(
    "source",
    [
        "from asn_platform.timezone import to_jakarta",
        "def f(now: datetime) -> date:\n    return now.date()",
        "t = moment.time()",  # the time-of-day part of a given datetime
        "from datetime import datetime, time, timedelta",
    ],
)
def test_the_scan_leaves_pure_time_arithmetic_alone(source: str) -> None:
    assert clock_reads(source) == []
