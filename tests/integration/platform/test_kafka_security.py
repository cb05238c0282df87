"""SASL/SCRAM and ACLs on the real broker: each rule of asn_platform.access, proven on Kafka.

A service cannot write another service's topic, a partner reads what it was granted and nothing
more (no NIP topic, no internal request/reply topic), a wrong password is refused, a revoked
partner is cut off, and `asn-partners add` prints settings that work."""

from __future__ import annotations

import asyncio
import secrets
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import (
    GroupAuthorizationFailedError,
    KafkaError,
    TopicAuthorizationFailedError,
)

from asn_devkit.testing import TestBroker, start_kafka
from asn_platform import access, topics
from asn_platform.partners_cli import parser as partners_parser
from asn_platform.partners_cli import run as partners_run

pytestmark = [pytest.mark.integration, pytest.mark.kafka_only]


@pytest.fixture(scope="module")
def kafka(session_broker: TestBroker) -> Iterator[Any]:
    """A Kafka of its own: the probes written here are not CloudEvents, and must not reach the
    session broker's topics that other tests read."""
    if session_broker.kafka is None:
        pytest.skip(
            f"needs the embedded Apache Kafka (this session's broker: {session_broker.kind})"
        )
    broker = start_kafka()
    try:
        access.ensure_topics_sync(access.admin_client(broker.admin_config()))
        yield broker
    finally:
        broker.stop()
        shutil.rmtree(broker.data_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def admin(kafka: Any) -> Any:
    return access.admin_client(kafka.admin_config())


@pytest.fixture(scope="module")
def service_passwords(admin: Any, kafka: Any) -> dict[str, str]:
    passwords = {s.service: access.new_password() for s in access.SERVICE_ACCESS}
    access.ensure_service_access(admin, passwords)
    access.ensure_service_access(admin, passwords)  # idempotent
    for service, password in passwords.items():
        access.wait_for_login(kafka.admin_config(), access.service_principal(service), password)
    return passwords


def sasl(user: str, password: str) -> dict[str, Any]:
    return {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": user,
        "sasl_plain_password": password,
    }


async def produce(bootstrap: str, creds: dict[str, Any], topic: str) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", request_timeout_ms=10_000, **creds
    )
    await producer.start()
    try:
        await producer.send_and_wait(topic, b'{"probe": true}', key=b"probe")
    finally:
        await producer.stop()


async def consume(
    bootstrap: str, creds: dict[str, Any], topic: str, group: str, timeout_s: float = 20.0
) -> list[Any]:
    """Records of `topic` read in consumer group `group`; raises what the broker refuses."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=6000,
        heartbeat_interval_ms=2000,
        fetch_max_wait_ms=50,
        **creds,
    )
    await consumer.start()
    try:
        deadline = asyncio.get_running_loop().time() + timeout_s
        while asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            records = [r for rs in batch.values() for r in rs]
            if records:
                return records
        return []
    finally:
        await consumer.stop()


async def test_a_service_writes_its_own_topic_but_not_another_services(
    kafka: Any, service_passwords: dict[str, str]
):
    creds = sasl("svc-surveys", service_passwords["surveys"])
    await produce(kafka.bootstrap, creds, topics.SURVEY_SUBMITTED)
    with pytest.raises(TopicAuthorizationFailedError):
        await produce(kafka.bootstrap, creds, topics.ASN_PROFILE_CHANGED)
    enrollment = sasl("svc-enrollment", service_passwords["enrollment"])
    with pytest.raises(TopicAuthorizationFailedError):
        await produce(kafka.bootstrap, enrollment, topics.SURVEY_SUBMITTED)


async def test_a_service_uses_only_its_own_consumer_groups(
    kafka: Any, service_passwords: dict[str, str]
):
    creds = sasl("svc-recommendations", service_passwords["recommendations"])
    await produce(kafka.bootstrap, sasl("svc-surveys", service_passwords["surveys"]),
                  topics.SURVEY_SUBMITTED)  # fmt: skip
    got = await consume(
        kafka.bootstrap, creds, topics.SURVEY_SUBMITTED, f"recommendations.t{secrets.token_hex(3)}"
    )
    assert got
    with pytest.raises((GroupAuthorizationFailedError, KafkaError)):
        await consume(kafka.bootstrap, creds, topics.SURVEY_SUBMITTED, "surveys-intake-stolen")
    # surveys does not subscribe to what enrollment publishes
    with pytest.raises(TopicAuthorizationFailedError):
        await consume(
            kafka.bootstrap,
            sasl("svc-surveys", service_passwords["surveys"]),
            topics.ENROLLMENT_CHANGED,
            "surveys-x",
        )


async def test_a_service_reads_its_own_dead_letters_but_not_anothers(
    kafka: Any, service_passwords: dict[str, str]
):
    """The dead-letter API reads the service's DLQ twins without a group (assigned)."""
    from asn_platform.dlq import read_dead_letters_of
    from asn_platform.settings import PlatformSettings

    def as_service(name: str) -> PlatformSettings:
        return PlatformSettings(
            kafka_bootstrap_servers=kafka.bootstrap,
            kafka_security_protocol="SASL_PLAINTEXT",
            kafka_sasl_username=f"svc-{name}",
            kafka_sasl_password=service_passwords[name],
        )

    own = topics.dead_letter_topic(topics.PROGRAMME_SCHEDULED)
    await produce(kafka.bootstrap, sasl("svc-enrollment", service_passwords["enrollment"]), own)
    found = await read_dead_letters_of(kafka.bootstrap, [own], settings=as_service("enrollment"))
    assert found and all(d.dlq_topic == own for d in found)
    # Another service's twin is not even described to it: it sees no letters there.
    other = topics.dead_letter_topic(topics.RESPONSE_INTAKE)
    await produce(kafka.bootstrap, sasl("svc-surveys", service_passwords["surveys"]), other)
    assert await read_dead_letters_of(kafka.bootstrap, [other], settings=as_service("surveys"))
    assert not await read_dead_letters_of(
        kafka.bootstrap, [other], settings=as_service("enrollment")
    )


async def test_notifications_reads_what_it_needs_and_writes_nothing(
    kafka: Any, service_passwords: dict[str, str]
):
    creds = sasl("svc-notifications", service_passwords["notifications"])
    enrollment = sasl("svc-enrollment", service_passwords["enrollment"])
    await produce(kafka.bootstrap, enrollment, topics.SESSION_CHANGED)
    group = f"notifications.sessions-{secrets.token_hex(3)}"
    assert await consume(kafka.bootstrap, creds, topics.SESSION_CHANGED, group)
    with pytest.raises(TopicAuthorizationFailedError):
        await produce(kafka.bootstrap, creds, topics.ENROLLMENT_CHANGED)
    with pytest.raises(TopicAuthorizationFailedError):  # no survey answers for it
        await consume(kafka.bootstrap, creds, topics.SURVEY_SUBMITTED, "notifications.x")


async def test_a_partner_reads_granted_topics_only(
    kafka: Any, admin: Any, service_passwords: dict[str, str]
):
    await produce(kafka.bootstrap, sasl("svc-surveys", service_passwords["surveys"]),
                  topics.SURVEY_SUBMITTED)  # fmt: skip
    name = f"dinkes{secrets.token_hex(2)}"
    principal = access.partner_principal(name)
    password = access.new_password()
    access.upsert_user(admin, principal, password)
    access.create_rules(admin, principal, access.partner_rules(name, access.PUBLIC_TOPICS))
    access.wait_for_login(kafka.admin_config(), principal, password)
    creds = sasl(principal, password)
    group = f"{access.partner_group_prefix(name)}dashboard"
    assert await consume(kafka.bootstrap, creds, topics.SURVEY_SUBMITTED, group)
    with pytest.raises(TopicAuthorizationFailedError):
        await consume(kafka.bootstrap, creds, topics.ASN_PROFILE_CHANGED, group)
    with pytest.raises(TopicAuthorizationFailedError):
        await consume(kafka.bootstrap, creds, topics.RPC_RECOMMENDATIONS_REQUEST, group)
    with pytest.raises(TopicAuthorizationFailedError):  # read-only
        await produce(kafka.bootstrap, creds, topics.SURVEY_SUBMITTED)
    with pytest.raises((GroupAuthorizationFailedError, KafkaError)):  # not its group prefix
        await consume(kafka.bootstrap, creds, topics.SURVEY_SUBMITTED, "recommendations.gaps")


async def test_a_wrong_password_is_refused(kafka: Any, service_passwords: dict[str, str]):
    with pytest.raises(KafkaError):
        await asyncio.wait_for(
            produce(
                kafka.bootstrap, sasl("svc-surveys", "not-the-password"), topics.SURVEY_SUBMITTED
            ),
            30,
        )


def test_nip_topics_need_an_explicit_grant():
    with pytest.raises(access.AccessRefused, match="NIP"):
        access.check_partner_grant(topics.ASN_PROFILE_CHANGED, allow_personal=False)
    access.check_partner_grant(topics.ASN_PROFILE_CHANGED, allow_personal=True)
    with pytest.raises(access.AccessRefused):
        access.check_partner_grant(topics.RPC_RECOMMENDATIONS_REQUEST, allow_personal=True)
    with pytest.raises(access.AccessRefused):
        access.check_partner_grant(
            topics.dead_letter_topic(topics.SURVEY_SUBMITTED), allow_personal=True
        )


def _cli(monkeypatch: pytest.MonkeyPatch, kafka: Any, *argv: str) -> int:
    monkeypatch.setenv("ASN_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrap)
    monkeypatch.setenv("ASN_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("ASN_KAFKA_SASL_USERNAME", "admin")
    monkeypatch.setenv("ASN_KAFKA_SASL_PASSWORD", kafka.admin_password)
    return partners_run(partners_parser().parse_args(list(argv)))


def _printed(out: str) -> dict[str, str]:
    return dict(
        line.split("=", 1) for line in out.splitlines() if "=" in line and not line.startswith("#")
    )


async def test_partners_cli_add_gives_a_working_login_and_revoke_cuts_it_off(
    kafka: Any, service_passwords: dict[str, str], monkeypatch, capsys
):
    await produce(kafka.bootstrap, sasl("svc-surveys", service_passwords["surveys"]),
                  topics.SURVEY_SUBMITTED)  # fmt: skip
    name = f"bappeda{secrets.token_hex(2)}"
    assert _cli(monkeypatch, kafka, "add", name, "--topic", "survey-submitted") == 0
    printed = _printed(capsys.readouterr().out)
    creds = sasl(printed["sasl.username"], printed["sasl.password"])
    assert printed["bootstrap.servers"] == kafka.bootstrap
    group = printed["group.id"].replace("<any-suffix>", "etl")
    assert await consume(printed["bootstrap.servers"], creds, topics.SURVEY_SUBMITTED, group)
    with pytest.raises(TopicAuthorizationFailedError):
        await consume(kafka.bootstrap, creds, topics.SERVICE_GAP_DETECTED, group)

    with pytest.raises(access.AccessRefused):  # a NIP topic without the flag
        _cli(monkeypatch, kafka, "grant", name, "--topic", "asn-profile-changed")
    assert _cli(monkeypatch, kafka, "list") == 0
    assert name in capsys.readouterr().out

    assert _cli(monkeypatch, kafka, "rotate", name) == 0
    rotated = _printed(capsys.readouterr().out)
    with pytest.raises(KafkaError):  # the old password no longer works
        await asyncio.wait_for(consume(kafka.bootstrap, creds, topics.SURVEY_SUBMITTED, group), 30)
    creds = sasl(rotated["sasl.username"], rotated["sasl.password"])
    assert await consume(kafka.bootstrap, creds, topics.SURVEY_SUBMITTED, group)

    assert _cli(monkeypatch, kafka, "revoke", name) == 0
    capsys.readouterr()
    with pytest.raises(KafkaError):
        await asyncio.wait_for(consume(kafka.bootstrap, creds, topics.SURVEY_SUBMITTED, group), 30)
