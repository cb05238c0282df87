"""The partner login, as ``asn-partners add NAME`` printed it (Java-style properties)::

    bootstrap.servers=kafka.bkpsdm.example:9094
    security.protocol=SASL_SSL
    sasl.mechanism=SCRAM-SHA-512
    sasl.username=partner-bappeda
    sasl.password=...
    group.id=partner-bappeda.<any-suffix>

Save it as a file readable by your service account only; it is a password.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class PartnerLogin:
    bootstrap_servers: str
    username: str
    password: str
    group_prefix: str  # every consumer group must start with it (the ACL says so)
    security_protocol: str = "SASL_PLAINTEXT"
    mechanism: str = "SCRAM-SHA-512"

    def group(self, suffix: str) -> str:
        return f"{self.group_prefix}{suffix}"

    def aiokafka_options(self) -> dict[str, Any]:
        return {
            "bootstrap_servers": self.bootstrap_servers,
            "security_protocol": self.security_protocol,
            "sasl_mechanism": self.mechanism,
            "sasl_plain_username": self.username,
            "sasl_plain_password": self.password,
        }


def parse_properties(text: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "!")) or "=" not in line:
            continue
        name, value = line.split("=", 1)
        values[name.strip()] = value.strip()
    return values


def load_login(path: str | Path) -> PartnerLogin:
    values = parse_properties(Path(path).read_text("utf-8"))
    missing = [
        k
        for k in ("bootstrap.servers", "sasl.username", "sasl.password", "group.id")
        if not values.get(k)
    ]
    if missing:
        raise ValueError(f"{path}: missing {', '.join(missing)}")
    return PartnerLogin(
        bootstrap_servers=values["bootstrap.servers"],
        username=values["sasl.username"],
        password=values["sasl.password"],
        group_prefix=values["group.id"].replace("<any-suffix>", ""),
        security_protocol=values.get("security.protocol", "SASL_PLAINTEXT"),
        mechanism=values.get("sasl.mechanism", "SCRAM-SHA-512"),
    )
