"""The development realm's seeded users and clients (development only: their passwords are here)."""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass, field

REALM = "asn"
AUDIENCE = "asn-platform"
DEV_PASSWORD = "asn-dev"  # every seeded user's password (development only)


@dataclass
class User:
    username: str
    name: str
    roles: list[str]
    units: list[str] = field(default_factory=list)
    nip: str | None = None
    password: str = DEV_PASSWORD

    @property
    def sub(self) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"asn-dev-user:{self.username}"))


@dataclass
class Client:
    client_id: str
    secret: str | None  # None: a public client (authorisation code + PKCE)
    roles: list[str] = field(default_factory=list)  # service-account roles (client credentials)
    redirect_prefixes: list[str] = field(default_factory=list)


USERS: list[User] = [
    User("admin.bkpsdm", "Admin BKPSDM", ["admin"]),
    User("operator.disdukcapil", "Operator Disdukcapil", ["unit-operator"], ["disdukcapil"]),
    User("operator.dpmptsp", "Operator DPMPTSP", ["unit-operator"], ["dpmptsp"]),
    User("operator.dinkes", "Operator Dinkes", ["unit-operator"], ["dinkes"]),
    User("penyelenggara.bkpsdm", "Penyelenggara Pelatihan BKPSDM", ["organizer"]),
    User("auditor.inspektorat", "Auditor Inspektorat", ["auditor"]),
    # Civil servants of the seed roster (asn_enrollment.domain.seed_roster, seed 2026).
    User("ayu.hidayati", "Ayu Hidayati", ["asn"], nip="197701202002042001"),
    User("yuliana.purnamasari", "Yuliana Purnamasari", ["asn"], nip="197903102006122002"),
    User("ika.yuliani", "Ika Yuliani", ["asn"], nip="197506281998022015"),
    User("tanpa.peran", "Pengguna Tanpa Peran", []),  # a valid login with no platform role
]
LOCAL_REDIRECTS = ["http://127.0.0.1", "http://localhost"]
CLIENTS: list[Client] = [
    Client("asn-console", None, redirect_prefixes=LOCAL_REDIRECTS),  # the web console
    Client("asn-cli", None, redirect_prefixes=LOCAL_REDIRECTS),  # asn-platform token
    Client("asn-kiosk", "dev-kiosk-secret", ["kiosk"]),
    Client("asn-demo", "dev-demo-secret", ["admin"]),
    Client("asn-prometheus", "dev-prometheus-secret", ["metrics"]),
    Client("asn-norole", "dev-norole-secret", []),
]
ROLE_USERS = {
    "admin": "admin.bkpsdm",
    "unit-operator": "operator.disdukcapil",
    "organizer": "penyelenggara.bkpsdm",
    "auditor": "auditor.inspektorat",
    "asn": "ayu.hidayati",
    "none": "tanpa.peran",
}
ROLE_CLIENTS = {"kiosk": "asn-kiosk", "metrics": "asn-prometheus"}


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def s256(verifier: str) -> str:
    return _b64(hashlib.sha256(verifier.encode()).digest())
