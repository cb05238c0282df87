"""`asn-partners`: other agencies' read-only access to published topics on Kafka.

    asn-partners add NAME [--topic T ...] [--allow-personal-data]
    asn-partners list
    asn-partners grant NAME --topic T [--allow-personal-data]
    asn-partners revoke NAME [--topic T ...]      (no --topic: the partner is removed)
    asn-partners rotate NAME                       (a new password; the old one stops working)

A partner is the principal ``partner-NAME`` (SASL/SCRAM-SHA-512) with READ on the topics it is
granted, by literal name, and on consumer groups prefixed ``partner-NAME.``. Topics carrying a
person's NIP are refused unless ``--allow-personal-data`` is given with them by name. A topic
may be named in full or by its short name (``survey-submitted``).

The command connects as the admin principal: from ASN_KAFKA_* settings (ASN_KAFKA_SASL_USERNAME
and ASN_KAFKA_SASL_PASSWORD of the admin) when ASN_KAFKA_SASL_USERNAME is set, else from the
files `./dev run` keeps in ``<data-dir>/kafka`` (the embedded development broker).
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn_platform import access
from asn_platform.settings import PlatformSettings, fail, load_settings


def resolve_topic(name: str) -> str:
    if name in access.GRANTABLE_TOPICS:
        return name
    matches = [t for t in access.GRANTABLE_TOPICS if f".{name}." in t]
    if len(matches) == 1:
        return matches[0]
    raise access.AccessRefused(
        f"{name!r} is not a published topic a partner can be granted "
        f"(choose from: {', '.join(sorted(access.GRANTABLE_TOPICS))})"
    )


def admin_target(data_dir: Path) -> tuple[dict[str, str], str]:
    """(confluent-kafka admin settings, the bootstrap partners use)."""
    if os.environ.get("ASN_KAFKA_SASL_USERNAME"):
        settings = load_settings(PlatformSettings)
        return access.admin_config_from(settings), settings.kafka_bootstrap_servers
    dev = access.dev_admin_login(data_dir)
    if dev is None:
        fail(
            "no admin login: set ASN_KAFKA_BOOTSTRAP_SERVERS, ASN_KAFKA_SECURITY_PROTOCOL, "
            f"ASN_KAFKA_SASL_USERNAME/PASSWORD, or run `./dev run` (it keeps {data_dir / 'kafka'})"
        )
    bootstrap, user, password = dev
    return (
        {
            "bootstrap.servers": bootstrap,
            "security.protocol": "SASL_PLAINTEXT",
            "sasl.mechanism": access.SCRAM_MECHANISM,
            "sasl.username": user,
            "sasl.password": password,
        },
        bootstrap,
    )


def partner_topics(admin: Any, name: str) -> list[str]:
    rules = access.principal_rules(admin, access.partner_principal(name))
    return sorted(n for rtype, n, _pattern, op in rules if rtype == "TOPIC" and op == "READ")


def partners(admin: Any) -> list[str]:
    users = access.list_users(admin)
    prefix = access.PARTNER_PRINCIPAL_PREFIX
    return sorted(u.removeprefix(prefix) for u in users if u.startswith(prefix))


def connection_text(
    bootstrap: str, protocol: str, name: str, password: str, topics: list[str]
) -> str:
    user = access.partner_principal(name)
    group = access.partner_group_prefix(name)
    lines = [
        f"Partner {name}: give these settings to the agency (the password is shown only now).",
        "",
        "# Kafka client properties",
        f"bootstrap.servers={bootstrap}",
        f"security.protocol={protocol}",
        f"sasl.mechanism={access.SCRAM_MECHANISM}",
        f"sasl.username={user}",
        f"sasl.password={password}",
        f"group.id={group}<any-suffix>",
        "# Java clients: sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule"
        f' required username="{user}" password="{password}";',
        "",
        "Topics it may read:",
        *(f"  {t}" for t in topics),
        f"Consumer groups must start with {group}",
    ]
    return "\n".join(lines)


def _protocol(conf: dict[str, str]) -> str:
    return conf.get("security.protocol", "PLAINTEXT")


@dataclass(frozen=True)
class _Target:
    """The cluster and the partner one command works on."""

    admin: Any
    conf: dict[str, str]
    bootstrap: str
    name: str
    principal: str
    topics: list[str]
    allow_personal: bool


def _list(admin: Any) -> int:
    found = partners(admin)
    if not found:
        print("no partners")
    for name in found:
        topics = partner_topics(admin, name)
        print(f"{name}\t{access.partner_principal(name)}\t{', '.join(topics) or '(no topics)'}")
    return 0


def _add(t: _Target) -> int:
    if t.name in partners(t.admin):
        fail(f"partner {t.name} exists: use grant, revoke or rotate")
    topics = t.topics or list(access.PUBLIC_TOPICS)
    for topic in topics:
        access.check_partner_grant(topic, allow_personal=t.allow_personal)
    password = access.new_password()
    access.upsert_user(t.admin, t.principal, password)
    access.create_rules(t.admin, t.principal, access.partner_rules(t.name, topics))
    access.wait_for_login(t.conf, t.principal, password)
    print(connection_text(t.bootstrap, _protocol(t.conf), t.name, password, sorted(topics)))
    return 0


def _grant(t: _Target) -> int:
    for topic in t.topics:
        access.check_partner_grant(topic, allow_personal=t.allow_personal)
    access.create_rules(t.admin, t.principal, [("TOPIC", x, "LITERAL", "READ") for x in t.topics])
    print(f"{t.name} may read: {', '.join(partner_topics(t.admin, t.name))}")
    return 0


def _revoke(t: _Target) -> int:
    if t.topics:
        rules = [("TOPIC", x, "LITERAL", "READ") for x in t.topics]
        access.delete_rules(t.admin, t.principal, rules)
        left = partner_topics(t.admin, t.name)
        print(f"{t.name} may read: {', '.join(left) or '(nothing)'}")
    else:
        access.delete_rules(t.admin, t.principal)
        access.delete_user(t.admin, t.principal)
        print(f"partner {t.name} removed: its login and every ACL are gone")
    return 0


def _rotate(t: _Target) -> int:
    password = access.new_password()
    access.upsert_user(t.admin, t.principal, password)
    access.wait_for_login(t.conf, t.principal, password)
    topics = partner_topics(t.admin, t.name)
    print(connection_text(t.bootstrap, _protocol(t.conf), t.name, password, topics))
    return 0


_COMMANDS = {"grant": _grant, "revoke": _revoke, "rotate": _rotate}


def run(args: argparse.Namespace) -> int:
    conf, bootstrap = admin_target(Path(args.data_dir))
    admin = access.admin_client(conf)
    if args.command == "list":
        return _list(admin)
    name = args.name
    access.check_partner_name(name)
    target = _Target(
        admin,
        conf,
        bootstrap,
        name,
        access.partner_principal(name),
        [resolve_topic(t) for t in (getattr(args, "topic", None) or [])],
        getattr(args, "allow_personal_data", False),
    )
    if args.command == "add":
        return _add(target)
    if name not in partners(admin):
        fail(f"no partner {name} (asn-partners list)")
    return _COMMANDS[args.command](target)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="asn-partners", description=__doc__.split("\n")[0])
    p.add_argument(
        "--data-dir",
        default=os.environ.get("ASN_DATA_DIR", ".data"),
        help="where `./dev run` keeps its data (for the embedded broker's admin login)",
    )
    sub = p.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add", help="create a partner login and its ACLs; prints its settings")
    add.add_argument("name")
    add.add_argument("--topic", action="append", help="a topic it may read (repeatable)")
    add.add_argument("--allow-personal-data", action="store_true")
    sub.add_parser("list", help="partners and the topics each may read")
    grant = sub.add_parser("grant", help="let a partner read more topics")
    grant.add_argument("name")
    grant.add_argument("--topic", action="append", required=True)
    grant.add_argument("--allow-personal-data", action="store_true")
    revoke = sub.add_parser("revoke", help="take topics away, or (no --topic) the partner")
    revoke.add_argument("name")
    revoke.add_argument("--topic", action="append")
    rotate = sub.add_parser("rotate", help="a new password for a partner")
    rotate.add_argument("name")
    return p


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    try:
        code = run(args)
    except access.AccessRefused as err:
        print(f"refused: {err}", file=sys.stderr)
        code = 2
    sys.exit(code)


if __name__ == "__main__":
    main()
