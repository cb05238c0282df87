"""The partner subscriber kit (partners/asn-events) against a real Kafka with SASL and ACLs:
an agency's login from `asn-partners add` reads the granted topics with the example consumer,
bad records are skipped, offsets are committed after handling (a restart resumes, loses
nothing), and the kit's schemas are the platform's published ones."""

from __future__ import annotations

import filecmp
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaProducer

from asn_devkit.testing import TestBroker, start_kafka
from asn_events import EnvelopeError, decode, event_types
from asn_platform import access, topics
from asn_platform.contracts.registry import EVENTS
from asn_platform.contracts.surveys import ServiceGapDetected, SurveySubmitted
from asn_platform.envelope import encode
from asn_platform.partners_cli import parser as partners_parser
from asn_platform.partners_cli import run as partners_run

pytestmark = [pytest.mark.integration, pytest.mark.kafka_only]

ROOT = Path(__file__).resolve().parents[3]
KIT_SCHEMAS = ROOT / "partners/asn-events/asn_events/schemas"
PLATFORM_SCHEMAS = ROOT / "shared/asn_platform/schemas/events"


def test_the_kit_carries_exactly_the_published_schemas() -> None:
    kit = sorted(p.name for p in KIT_SCHEMAS.glob("*.schema.json"))
    assert kit == sorted(f"{t}.schema.json" for t in EVENTS)
    _, mismatch, errors = filecmp.cmpfiles(KIT_SCHEMAS, PLATFORM_SCHEMAS, kit, shallow=False)
    assert not mismatch and not errors, f"run python -m asn_platform.contracts.export: {mismatch}"
    assert set(event_types()) == set(EVENTS)


@pytest.fixture(scope="module")
def kafka(session_broker: TestBroker) -> Iterator[Any]:
    """A Kafka of its own: this test writes a malformed record on purpose."""
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


def _example(model: Any, **changes: Any) -> Any:
    return model.model_validate({**model.model_json_schema()["examples"][0], **changes})


async def _produce(kafka: Any, records: list[tuple[str, bytes, bytes, list[tuple[str, bytes]]]]):
    producer = AIOKafkaProducer(bootstrap_servers=kafka.open_bootstrap, acks="all")
    await producer.start()
    try:
        for topic, key, value, headers in records:
            await producer.send_and_wait(topic, value, key=key, headers=headers)
    finally:
        await producer.stop()


def _event_record(event: Any) -> tuple[str, bytes, bytes, list[tuple[str, bytes]]]:
    rec = encode(event, source="/tangsel/surveys", id=uuid4())
    return rec.topic, rec.key, rec.value, rec.headers


def _run_example(login: Path, *args: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-m", "asn_events.example", "--login", str(login), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


async def test_the_example_consumer_reads_granted_topics_and_resumes_after_a_restart(
    kafka: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    name = f"bappeda{secrets.token_hex(2)}"
    monkeypatch.setenv("ASN_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrap)
    monkeypatch.setenv("ASN_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("ASN_KAFKA_SASL_USERNAME", "admin")
    monkeypatch.setenv("ASN_KAFKA_SASL_PASSWORD", kafka.admin_password)
    argv = ["add", name, "--topic", "survey-submitted", "--topic", "service-gap-detected"]
    assert partners_run(partners_parser().parse_args(argv)) == 0
    login = tmp_path / f"{name}.properties"
    login.write_text(capsys.readouterr().out)  # what the operator hands over, as printed

    surveys = [
        _example(SurveySubmitted, response_id=f"r-{i}", service=f"layanan {i}") for i in range(3)
    ]
    gap = _example(ServiceGapDetected, unit_id="dpmptsp")
    malformed = (
        topics.SURVEY_SUBMITTED,
        b"disdukcapil",
        b"{not json",
        [("ce_specversion", b"1.0")],
    )
    await _produce(kafka, [*(_event_record(e) for e in surveys), malformed, _event_record(gap)])

    lines = _run_example(login, "--max-events", "4")
    printed = [line for line in lines if not line.startswith("#")]
    assert sum(line.startswith("survey") for line in printed) == 3
    assert [line for line in printed if line.startswith("gap")] == [
        line for line in printed if "unit=dpmptsp" in line
    ]
    assert any("layanan 2" in line for line in printed)

    # Started again: only what came after, nothing twice, nothing lost.
    await _produce(kafka, [_event_record(_example(SurveySubmitted, service="layanan baru"))])
    again = [line for line in _run_example(login, "--idle-exit", "6") if not line.startswith("#")]
    assert len(again) == 1 and "layanan baru" in again[0]


def test_decode_names_what_is_wrong() -> None:
    good = encode(_example(SurveySubmitted), source="/tangsel/surveys")

    class Rec:
        def __init__(self, topic: str, value: bytes, headers: list[tuple[str, bytes]]) -> None:
            self.topic, self.key, self.value, self.headers = topic, b"k", value, headers
            self.partition, self.offset = 0, 0

    assert decode(Rec(good.topic, good.value, good.headers)).data["unit_id"]
    with pytest.raises(EnvelopeError, match="ce_id"):
        decode(Rec(good.topic, good.value, [h for h in good.headers if h[0] != "ce_id"]))
    with pytest.raises(EnvelopeError, match="does not belong on topic"):
        decode(Rec(topics.SERVICE_GAP_DETECTED, good.value, good.headers))
    with pytest.raises(EnvelopeError, match="'answers' is a required property"):
        decode(Rec(good.topic, good.value.replace(b'"answers"', b'"answer"'), good.headers))
    # a field added by a newer minor version is ignored (tolerant reader)
    newer = good.value.replace(b'{"response_id"', b'{"added_later":1,"response_id"')
    assert decode(Rec(good.topic, newer, good.headers)).data["added_later"] == 1
