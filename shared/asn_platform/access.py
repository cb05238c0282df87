"""Who may do what on Kafka: one declarative table of the services' principals and their
least-privilege ACLs, the partner-agency rules, and the admin calls that apply them.

Principals (SASL/SCRAM-SHA-512, Kafka's StandardAuthorizer, no ACL means no access):

- ``admin``: super user. The launcher, the deployment's initialiser, the tests' own clients, the
  ``asn-dlq`` and ``asn-partners`` commands. Creates topics, users and ACLs.
- ``svc-<service>``: WRITE the topics it owns (and the dead-letter twins of what it reads),
  READ what it subscribes to, READ its own consumer-group prefix, and its own request/reply
  topics (see `SERVICE_ACCESS`).
- ``partner-<name>``: READ (which implies DESCRIBE) on the published topics it was granted, by
  literal name, and READ on consumer groups prefixed ``partner-<name>.``. Topics that carry a
  person's NIP (`PERSONAL_TOPICS`) are refused unless granted by name with
  ``allow_personal=True``; internal topics (``asn-internal.``) and dead letters never.

Everything here is idempotent: creating an ACL that exists is a no-op on Kafka, and upserting a
SCRAM credential sets the same password again. The admin API is confluent-kafka's (aiokafka
has no SCRAM-user calls).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from asn_platform import topics as t

SCRAM_MECHANISM = "SCRAM-SHA-512"
SCRAM_ITERATIONS = 8192
SERVICE_PRINCIPAL_PREFIX = "svc-"
PARTNER_PRINCIPAL_PREFIX = "partner-"
PARTNER_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,40}$")


@dataclass(frozen=True)
class ServiceAccess:
    """What one service does on Kafka. Read from its consumers and outbox (grep group_id)."""

    service: str
    writes: tuple[str, ...]  # events it publishes through its outbox
    reads: tuple[str, ...]  # topics it subscribes to (its DLQ twins are written on failure)
    group_prefixes: tuple[str, ...]  # consumer groups it joins start with one of these
    rpc_requests: tuple[str, ...] = ()  # request topics it sends to (it owns a reply prefix)
    rpc_serves: tuple[str, ...] = ()  # request topics it answers (it writes reply topics)

    @property
    def principal(self) -> str:
        return service_principal(self.service)


SERVICE_ACCESS: tuple[ServiceAccess, ...] = (
    ServiceAccess(
        "surveys",
        writes=(t.SURVEY_SUBMITTED, t.SERVICE_GAP_DETECTED),
        reads=(t.RESPONSE_INTAKE,),
        group_prefixes=("surveys-", "surveys."),  # surveys-intake
    ),
    ServiceAccess(
        "enrollment",
        writes=(
            t.ASN_PROFILE_CHANGED,
            t.ENROLLMENT_CHANGED,
            t.TRAINING_COMPLETED,
            t.PROGRAMME_CATALOGUE_CHANGED,
            t.SESSION_CHANGED,
        ),
        reads=(t.PROGRAMME_SCHEDULED,),
        group_prefixes=("enrollment-", "enrollment."),  # enrollment-scheduler
        rpc_requests=(t.RPC_RECOMMENDATIONS_REQUEST,),
    ),
    ServiceAccess(
        "recommendations",
        writes=(t.PROGRAMME_SCHEDULED, t.RECOMMENDATION_ISSUED, t.NUDGE_REQUESTED),
        reads=(
            t.SERVICE_GAP_DETECTED,
            t.SURVEY_SUBMITTED,
            t.ASN_PROFILE_CHANGED,
            t.ENROLLMENT_CHANGED,
            t.TRAINING_COMPLETED,
            t.PROGRAMME_SCHEDULED,
            t.PROGRAMME_CATALOGUE_CHANGED,
        ),
        group_prefixes=("recommendations.", "recommendations-"),  # recommendations.<feed>, .rpc
        rpc_serves=(t.RPC_RECOMMENDATIONS_REQUEST,),
    ),
    ServiceAccess(
        "webhooks",
        writes=(),
        reads=(  # relays the published topics (GRANTABLE_TOPICS below) to HTTP subscribers
            t.SURVEY_SUBMITTED,
            t.SERVICE_GAP_DETECTED,
            t.PROGRAMME_SCHEDULED,
            t.PROGRAMME_CATALOGUE_CHANGED,
            t.SESSION_CHANGED,
            t.ASN_PROFILE_CHANGED,
            t.ENROLLMENT_CHANGED,
            t.TRAINING_COMPLETED,
            t.RECOMMENDATION_ISSUED,
            t.NUDGE_REQUESTED,
        ),
        group_prefixes=("webhooks",),  # webhooks (one group for all relayed topics)
    ),
    ServiceAccess(
        "notifications",
        writes=(),  # it publishes nothing: contact details never leave it
        reads=(
            t.ASN_PROFILE_CHANGED,
            t.PROGRAMME_CATALOGUE_CHANGED,
            t.SESSION_CHANGED,
            t.ENROLLMENT_CHANGED,
            t.TRAINING_COMPLETED,
            t.NUDGE_REQUESTED,
        ),
        group_prefixes=("notifications.", "notifications-"),  # notifications.<feed>
    ),
)

# Published topics a partner may be granted. Those carrying a person's NIP need an explicit grant.
PERSONAL_TOPICS: frozenset[str] = frozenset(
    {
        t.ASN_PROFILE_CHANGED,
        t.ENROLLMENT_CHANGED,
        t.TRAINING_COMPLETED,
        t.RECOMMENDATION_ISSUED,
        t.NUDGE_REQUESTED,
    }
)
PUBLIC_TOPICS: tuple[str, ...] = (
    t.SURVEY_SUBMITTED,
    t.SERVICE_GAP_DETECTED,
    t.PROGRAMME_SCHEDULED,
    t.PROGRAMME_CATALOGUE_CHANGED,
    t.SESSION_CHANGED,
)
GRANTABLE_TOPICS: frozenset[str] = frozenset(PUBLIC_TOPICS) | PERSONAL_TOPICS


def service_principal(service: str) -> str:
    return f"{SERVICE_PRINCIPAL_PREFIX}{service}"


def partner_principal(name: str) -> str:
    return f"{PARTNER_PRINCIPAL_PREFIX}{name}"


def partner_group_prefix(name: str) -> str:
    return f"{partner_principal(name)}."


def new_password() -> str:
    return secrets.token_urlsafe(24)


class AccessRefused(ValueError):
    """A grant the rules forbid (a NIP topic without allow_personal, an internal topic...)."""


def check_partner_grant(topic: str, *, allow_personal: bool) -> None:
    if topic not in GRANTABLE_TOPICS:
        raise AccessRefused(
            f"{topic!r} is not a published topic a partner can be granted "
            f"(choose from: {', '.join(sorted(GRANTABLE_TOPICS))})"
        )
    if topic in PERSONAL_TOPICS and not allow_personal:
        raise AccessRefused(
            f"{topic!r} carries a person's NIP: grant it by name with --allow-personal-data"
        )


def check_partner_name(name: str) -> None:
    if not PARTNER_NAME.match(name):
        raise AccessRefused(f"partner name {name!r}: use 2-41 of a-z, 0-9 and '-'")


# -- ACL bindings ---------------------------------------------------------------------------
# A rule is (resource type, name, pattern, operation); every rule is ALLOW for one principal on
# any host. Kept as plain tuples so the table can be tested without a broker.
Rule = tuple[str, str, str, str]  # ("TOPIC"|"GROUP", name, "LITERAL"|"PREFIXED", operation)


def service_rules(access: ServiceAccess) -> list[Rule]:
    rules: list[Rule] = []
    for topic in access.writes:
        rules.append(("TOPIC", topic, "LITERAL", "WRITE"))
    for topic in (*access.reads, *access.rpc_serves):
        # READ on the twin too: the service lists and re-drives its own dead letters
        rules.append(("TOPIC", t.dead_letter_topic(topic), "LITERAL", "READ"))
    for topic in access.reads:
        rules.append(("TOPIC", topic, "LITERAL", "READ"))
        rules.append(("TOPIC", t.dead_letter_topic(topic), "LITERAL", "WRITE"))
    for prefix in access.group_prefixes:
        rules.append(("GROUP", prefix, "PREFIXED", "READ"))
    for topic in access.rpc_requests:
        rules.append(("TOPIC", topic, "LITERAL", "WRITE"))
    if access.rpc_requests:
        reply = t.reply_topic_prefix(access.service)
        for op in ("CREATE", "READ", "DELETE"):
            rules.append(("TOPIC", reply, "PREFIXED", op))
    for topic in access.rpc_serves:
        rules.append(("TOPIC", topic, "LITERAL", "READ"))
        rules.append(("TOPIC", t.dead_letter_topic(topic), "LITERAL", "WRITE"))
    if access.rpc_serves:
        rules.append(("TOPIC", t.RPC_REPLY_PREFIX, "PREFIXED", "WRITE"))
    return rules


def partner_rules(name: str, granted: Iterable[str]) -> list[Rule]:
    rules: list[Rule] = [("GROUP", partner_group_prefix(name), "PREFIXED", "READ")]
    rules += [("TOPIC", topic, "LITERAL", "READ") for topic in granted]
    return rules


def _bindings(principal: str, rules: Iterable[Rule]) -> list[Any]:
    from confluent_kafka.admin import (
        AclBinding,
        AclOperation,
        AclPermissionType,
        ResourcePatternType,
        ResourceType,
    )

    return [
        AclBinding(
            ResourceType[rtype],
            name,
            ResourcePatternType[pattern],
            f"User:{principal}",
            "*",
            AclOperation[op],
            AclPermissionType.ALLOW,
        )
        for rtype, name, pattern, op in rules
    ]


# -- admin calls (confluent-kafka AdminClient) ---------------------------------------------
def admin_client(config: Mapping[str, str]) -> Any:
    from confluent_kafka.admin import AdminClient

    return AdminClient({**config, "log_level": 3})


def admin_config_from(settings: Any) -> dict[str, str]:
    """confluent-kafka settings from PlatformSettings (the admin principal's credentials)."""
    conf = {"bootstrap.servers": settings.kafka_bootstrap_servers}
    if settings.kafka_security_protocol != "PLAINTEXT":
        conf["security.protocol"] = settings.kafka_security_protocol
    if settings.kafka_security_protocol.startswith("SASL"):
        conf["sasl.mechanism"] = settings.kafka_sasl_mechanism
        conf["sasl.username"] = settings.kafka_sasl_username or ""
        conf["sasl.password"] = (
            settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else ""
        )
    return conf


def _wait(futures: Mapping[Any, Any], timeout_s: float = 30.0) -> None:
    for fut in futures.values():
        fut.result(timeout=timeout_s)


def upsert_user(admin: Any, user: str, password: str) -> None:
    from confluent_kafka.admin import (
        ScramCredentialInfo,
        ScramMechanism,
        UserScramCredentialUpsertion,
    )

    info = ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS)
    _wait(
        admin.alter_user_scram_credentials(
            [UserScramCredentialUpsertion(user, info, password.encode())]
        )
    )


def delete_user(admin: Any, user: str) -> None:
    from confluent_kafka.admin import ScramMechanism, UserScramCredentialDeletion

    try:
        _wait(
            admin.alter_user_scram_credentials(
                [UserScramCredentialDeletion(user, ScramMechanism.SCRAM_SHA_512)]
            )
        )
    except Exception as err:
        if "RESOURCE_NOT_FOUND" not in str(err) and "not found" not in str(err).lower():
            raise


def list_users(admin: Any) -> list[str]:
    result = admin.describe_user_scram_credentials()
    if isinstance(result, dict):  # one future per user
        return sorted(result)
    return sorted(result.result(timeout=30))


def create_rules(admin: Any, principal: str, rules: Iterable[Rule]) -> None:
    bindings = _bindings(principal, rules)
    if bindings:
        _wait(admin.create_acls(bindings))


def principal_rules(admin: Any, principal: str) -> list[Rule]:
    from confluent_kafka.admin import AclBindingFilter as _Filter
    from confluent_kafka.admin import (
        AclOperation,
        AclPermissionType,
        ResourcePatternType,
        ResourceType,
    )

    AclBindingFilter: Any = _Filter  # its stubs forbid None, which librdkafka reads as "any"

    flt = AclBindingFilter(
        ResourceType.ANY,
        None,
        ResourcePatternType.ANY,
        f"User:{principal}",
        None,
        AclOperation.ANY,
        AclPermissionType.ANY,
    )
    found = admin.describe_acls(flt).result(timeout=30)
    return sorted(
        (b.restype.name, b.name, b.resource_pattern_type.name, b.operation.name) for b in found
    )


def delete_rules(admin: Any, principal: str, rules: Iterable[Rule] | None = None) -> None:
    """Delete the given rules of `principal`, or all its rules when `rules` is None."""
    from confluent_kafka.admin import AclBindingFilter as _Filter
    from confluent_kafka.admin import (
        AclOperation,
        AclPermissionType,
        ResourcePatternType,
        ResourceType,
    )

    AclBindingFilter: Any = _Filter  # its stubs forbid None, which librdkafka reads as "any"

    if rules is None:
        filters = [
            AclBindingFilter(
                ResourceType.ANY,
                None,
                ResourcePatternType.ANY,
                f"User:{principal}",
                None,
                AclOperation.ANY,
                AclPermissionType.ANY,
            )
        ]
    else:
        filters = [
            AclBindingFilter(
                ResourceType[rtype],
                name,
                ResourcePatternType[pattern],
                f"User:{principal}",
                None,
                AclOperation[op],
                AclPermissionType.ANY,
            )
            for rtype, name, pattern, op in rules
        ]
    if filters:
        _wait(admin.delete_acls(filters))


def ensure_service_access(admin: Any, passwords: Mapping[str, str]) -> None:
    """Users (with these passwords) and ACLs of every service; safe to run at every start."""
    for access in SERVICE_ACCESS:
        password = passwords.get(access.service)
        if password:
            upsert_user(admin, access.principal, password)
        create_rules(admin, access.principal, service_rules(access))


def ensure_topics_sync(admin: Any, specs: Iterable[t.TopicSpec] | None = None) -> list[str]:
    """Create missing platform topics as admin (confluent-kafka); returns the names created."""
    from confluent_kafka.admin import NewTopic

    wanted = list(specs if specs is not None else t.all_topic_specs())
    existing = set(admin.list_topics(timeout=30).topics)
    missing = [s for s in wanted if s.name not in existing]
    if not missing:
        return []
    futures = admin.create_topics(
        [
            NewTopic(
                s.name,
                num_partitions=s.partitions,
                replication_factor=1,
                config={"cleanup.policy": "compact"} if s.compact else {},
            )
            for s in missing
        ]
    )
    for fut in futures.values():
        try:
            fut.result(timeout=30)
        except Exception as err:
            if "TOPIC_ALREADY_EXISTS" not in str(err):
                raise
    return [s.name for s in missing]


def wait_for_login(
    admin_conf: Mapping[str, str], user: str, password: str, timeout_s: float = 20.0
) -> None:
    """A new SCRAM credential reaches the broker through the metadata log a moment after the
    controller accepts it: wait until `user` can log in."""
    import time

    from confluent_kafka.admin import AdminClient

    conf: dict[str, Any] = {
        **admin_conf,
        "sasl.username": user,
        "sasl.password": password,
        "log_level": 0,
    }
    deadline = time.monotonic() + timeout_s
    while True:
        client = AdminClient(conf)
        try:
            client.list_topics(timeout=2)
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def dev_admin_login(data_dir: Any) -> tuple[str, str, str] | None:
    """(bootstrap, user, password) of the admin of the embedded Kafka that `./dev run` keeps in
    ``<data_dir>/kafka`` (files of mode 0600), or None when there is none."""
    import json
    from pathlib import Path

    kafka_dir = Path(data_dir) / "kafka"
    try:
        admin = json.loads((kafka_dir / "admin.json").read_text())
        bootstrap = (kafka_dir / "bootstrap").read_text().strip()
    except (FileNotFoundError, ValueError, KeyError):
        return None
    return bootstrap, str(admin["user"]), str(admin["password"])
