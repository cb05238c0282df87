"""Month grids for the sessions' calendar view."""

from __future__ import annotations

import calendar as cal
from datetime import date, datetime
from typing import Any

from asn_console.domain.formatting import MONTHS_EN, MONTHS_ID
from asn_platform.timezone import JAKARTA


def month_calendar(
    sessions: list[dict[str, Any]], lang: str, *, today: date, months: int = 3
) -> list[dict[str, Any]]:
    """Month grids (Monday first) from today's month on, each day with the sessions running on
    it (WIB dates); at most `months` months."""
    spans = []
    for s in sessions:
        first = datetime.fromisoformat(s["starts_at"]).astimezone(JAKARTA).date()
        last = datetime.fromisoformat(s["ends_at"]).astimezone(JAKARTA).date()
        spans.append((first, last, s))
    out = []
    year, month = today.year, today.month
    names = MONTHS_EN if lang == "en" else MONTHS_ID
    for _ in range(months):
        weeks = []
        for week in cal.Calendar(firstweekday=0).monthdatescalendar(year, month):
            weeks.append([
                {"day": d, "in_month": d.month == month, "today": d == today,
                 "sessions": [s for first, last, s in spans if first <= d <= last]}
                for d in week
            ])  # fmt: skip
        out.append({"label": f"{names[month - 1]} {year}", "weeks": weeks})
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out
