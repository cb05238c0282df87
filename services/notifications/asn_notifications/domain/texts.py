"""How people read times, dates and numbers: Indonesian first (WIB, decimal comma)."""

from __future__ import annotations

from datetime import datetime

from asn_platform.timezone import to_jakarta

_DAYS = {
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS = {
    "id": (
        "Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
        "Oktober", "November", "Desember",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June", "July", "August", "September",
        "October", "November", "December",
    ),
}  # fmt: skip


def date_text(moment: datetime, lang: str) -> str:
    local = to_jakarta(moment)
    table = "en" if lang == "en" else "id"
    day = _DAYS[table][local.weekday()]
    month = _MONTHS[table][local.month - 1]
    return f"{day}, {local.day} {month} {local.year}"


def time_text(moment: datetime, lang: str) -> str:
    local = to_jakarta(moment)
    sep = ":" if lang == "en" else "."
    return f"{local.hour:02d}{sep}{local.minute:02d} WIB"


def moment_text(moment: datetime, lang: str) -> str:
    word = "at" if lang == "en" else "pukul"
    return f"{date_text(moment, lang)} {word} {time_text(moment, lang)}"


def number_text(value: float, lang: str) -> str:
    """24 -> "24"; 1.5 -> "1,5" in Indonesian and "1.5" in English."""
    text = f"{value:g}"
    return text if lang == "en" else text.replace(".", ",")
