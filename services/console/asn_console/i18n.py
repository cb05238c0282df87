"""Indonesian first, English on request (?lang=en, kept in a cookie)."""

from __future__ import annotations

from fastapi import Request

LANG_COOKIE = "asn_console_lang"

STATUS = {
    "invited": ("Diundang", "Invited"),
    "enrolled": ("Terdaftar", "Enrolled"),
    "waitlisted": ("Daftar tunggu", "Waitlisted"),
    "declined": ("Menolak", "Declined"),
    "cancelled": ("Dibatalkan", "Cancelled"),
    "attended": ("Hadir", "Attended"),
    "no_show": ("Tidak hadir", "No show"),
    "completed": ("Selesai", "Completed"),
}
ROLE = {
    "admin": ("Admin BKPSDM", "BKPSDM admin"),
    "unit-operator": ("Operator unit", "Unit operator"),
    "organizer": ("Penyelenggara pelatihan", "Training organiser"),
    "asn": ("ASN", "Civil servant"),
    "auditor": ("Auditor", "Auditor"),
}


def lang_of(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return "en" if chosen == "en" else "id"


def pick(pair: tuple[str, str] | None, lang: str, fallback: str = "") -> str:
    if pair is None:
        return fallback
    return pair[1] if lang == "en" else pair[0]


WORDS = {
    # gap decisions (recommendations)
    "scheduled": ("Dijadwalkan pelatihan", "Training scheduled"),
    "flagged": ("Diteruskan ke pimpinan", "Flagged to management"),
    "skipped": ("Tidak dijadwalkan", "Not scheduled"),
    "retry": ("Dicoba lagi nanti", "Retried later"),
    # gap states
    "opened": ("Terbuka", "Open"),
    "open": ("Terbuka", "Open"),
    "reopened": ("Terbuka lagi", "Reopened"),
    "recovered": ("Pulih", "Recovered"),
    "closed": ("Ditutup", "Closed"),
}


def word(value: str | None, lang: str) -> str:
    """A service's code word (e.g. a decision outcome) in the reader's language."""
    if not value:
        return "-"
    return pick(WORDS.get(value), lang, value)
