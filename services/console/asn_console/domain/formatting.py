"""Numbers and times as people in Indonesia read them: decimal comma ("80,56"), thousands
dot ("50.895"), times in WIB. English pages get "80.56", "50,895"."""

from __future__ import annotations

from datetime import date, datetime

from asn_platform.timezone import to_jakarta

MONTHS_ID = (
    "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
    "Oktober", "November", "Desember",
)  # fmt: skip
MONTHS_EN = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


def number(value: float | int | None, digits: int = 2, lang: str = "id") -> str:
    """`digits` decimals (rounded half away from zero is not needed: the services round)."""
    if value is None:
        return "-"
    text = f"{float(value):,.{digits}f}" if digits else f"{round(float(value)):,}"
    if lang == "en":
        return text
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def percent(value: float | None, digits: int = 1, lang: str = "id") -> str:
    return "-" if value is None else f"{number(value, digits, lang)}%"


def _parse(moment: datetime | str | None) -> datetime | None:
    if moment is None or moment == "":
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return to_jakarta(moment)


def day(value: date | datetime | str | None, lang: str = "id") -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        value = to_jakarta(value).date()
    months = MONTHS_EN if lang == "en" else MONTHS_ID
    return f"{value.day} {months[value.month - 1]} {value.year}"


def wib(moment: datetime | str | None, lang: str = "id") -> str:
    """'16 Desember 2026, 08.00 WIB' (Indonesian uses a dot between hours and minutes)."""
    parsed = _parse(moment)
    if parsed is None:
        return "-"
    sep = ":" if lang == "en" else "."
    return f"{day(parsed, lang)}, {parsed.hour:02d}{sep}{parsed.minute:02d} WIB"


def wib_input(moment: datetime | str | None) -> str:
    """The moment in WIB as a datetime-local input's value ('2026-12-16T08:00')."""
    parsed = _parse(moment)
    return parsed.strftime("%Y-%m-%dT%H:%M") if parsed else ""
