"""Survey period keys ("2026-Q4", "2026-M2", "2026-S1", "2026-Y")."""

from __future__ import annotations

import re

PERIOD = re.compile(r"^[0-9]{4}-(M[0-9]{1,2}|Q[1-4]|S[12]|Y)$")
_PER_YEAR = {"Q": 4, "M": 12, "S": 2}


def valid_period(key: str | None) -> str | None:
    """The key if it is one, else None (the services then use the current period)."""
    return key if key and PERIOD.match(key) else None


def previous_periods(key: str, count: int) -> list[str]:
    """The `count` periods ending with `key` (quarters, months, semesters or years)."""
    year_s, _, part = key.partition("-")
    year = int(year_s)
    letter = part[:1]
    if letter not in _PER_YEAR:
        return [f"{year - i}-Y" for i in reversed(range(count))]
    per_year = _PER_YEAR[letter]
    index = year * per_year + int(part[1:]) - 1
    out = []
    for i in reversed(range(count)):
        y, p = divmod(index - i, per_year)
        out.append(f"{y}-{letter}{p + 1}")
    return out
