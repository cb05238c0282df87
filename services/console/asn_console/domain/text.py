"""Indonesian first, English on request: the words the pages show for the services' codes."""

from __future__ import annotations

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
    # dead-letter re-drives (asn_platform.redrive)
    "applied": ("Diproses", "Applied"),
    "duplicate": ("Sudah diproses sebelumnya", "Applied before"),
    "dead_lettered": ("Gagal lagi", "Failed again"),
}


def pick(pair: tuple[str, str] | None, lang: str, fallback: str = "") -> str:
    if pair is None:
        return fallback
    return pair[1] if lang == "en" else pair[0]


def word(value: str | None, lang: str) -> str:
    """A service's code word (e.g. a decision outcome) in the reader's language."""
    if not value:
        return "-"
    return pick(WORDS.get(value), lang, value)
