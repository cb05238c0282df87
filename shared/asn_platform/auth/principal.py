"""Who is calling: the verified subject of an access token, its platform roles and scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"  # BKPSDM: everything
    UNIT_OPERATOR = "unit-operator"  # their units only (claim `units`)
    ORGANIZER = "organizer"  # training staff: catalogue, sessions, invitations, completion
    ASN = "asn"  # a civil servant: themselves only (claim `nip`)
    AUDITOR = "auditor"  # read-only on everything, the audit trail included
    KIOSK = "kiosk"  # survey response intake only (client credentials)
    METRICS = "metrics"  # Prometheus scraper: /metrics only (client credentials)


KNOWN_ROLES = frozenset(r.value for r in Role)


@dataclass(frozen=True)
class Principal:
    subject: str
    roles: frozenset[str] = frozenset()
    units: frozenset[str] = frozenset()
    nip: str | None = None
    username: str | None = None
    client_id: str | None = None
    claims: dict[str, object] = field(default_factory=dict, compare=False, repr=False)

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def display(self) -> str:
        return self.username or self.client_id or self.subject
