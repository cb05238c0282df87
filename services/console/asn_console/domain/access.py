"""What each role may open in the console. The services enforce the same rules; the console
applies them first so that it hides what would be refused and refuses a page without a call."""

from __future__ import annotations

import re

from asn_platform.auth.principal import Principal

NIP = re.compile(r"^[0-9]{18}$")
UNIT_ID = re.compile(r"^[a-z0-9-]{1,64}$")


def start_page(p: Principal) -> str | None:
    """Where a signed-in user lands; None for a user with no console role."""
    if p.has("admin", "auditor"):
        return "/dashboard"
    if p.has("unit-operator") and p.units:
        return f"/units/{sorted(p.units)[0]}"
    if p.has("organizer"):
        return "/sessions"
    if p.has("asn"):
        return "/me"
    return None


def nav(p: Principal | None) -> list[tuple[str, str, str]]:
    """The menu: (path, Indonesian label, English label)."""
    if p is None:
        return []
    items: list[tuple[str, str, str]] = []
    if p.has("admin", "auditor"):
        items.append(("/dashboard", "Dasbor kota", "City dashboard"))
        items.append(("/units", "Unit layanan", "Service units"))
    if p.has("unit-operator"):
        items.extend((f"/units/{u}", f"Unit {u}", f"Unit {u}") for u in sorted(p.units))
    if p.has("admin", "auditor", "organizer"):
        items.append(("/sessions", "Program & sesi", "Programmes & sessions"))
    if p.has("admin", "auditor", "organizer", "unit-operator"):
        items.append(("/people", "Pegawai", "People"))
        items.append(("/recommendations", "Rekomendasi", "Recommendations"))
    if p.has("admin"):
        items.append(("/webhooks", "Webhook instansi", "Agency webhooks"))
        items.append(("/dead-letters", "Surat mati", "Dead letters"))
    if p.has("asn"):
        items.append(("/me", "Beranda saya", "My page"))
    return items


def may_open_unit(p: Principal, unit_id: str) -> bool:
    return p.has("admin", "auditor") or (p.has("unit-operator") and unit_id in p.units)


def city_wide(p: Principal) -> bool:
    """Sees every unit (not only the units in their token)."""
    return p.has("admin", "auditor", "organizer")


def unit_scope(p: Principal, unit_id: str | None) -> str | None:
    """The unit a people/recommendations page is about: any for city-wide roles, else one of
    the user's own units."""
    if city_wide(p):
        return unit_id or None
    if unit_id and unit_id in p.units:
        return unit_id
    return sorted(p.units)[0] if p.units else None


def allowed_transitions(p: Principal) -> set[str]:
    """The enrollment transitions the console offers: organisers mark attendance and
    completion, civil servants answer their invitations."""
    allowed = {"attended", "no_show", "completed"} if p.has("admin", "organizer") else set()
    if p.has("asn", "admin"):
        allowed |= {"enrolled", "declined"}
    return allowed
