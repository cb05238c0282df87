"""Kafka intake (asn.surveys.response-intake.v1) on the real broker: accepted responses are
published once; unknown units and invalid content go to the DLQ with a reason, nothing stored."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from asn_platform.contracts import ResponseIntake
from asn_platform.envelope import encode
from asn_platform.topics import RESPONSE_INTAKE
from tests.integration.surveys.conftest import Surveys
from tests.integration.surveys.helpers import Q3_2026, create_unit, payload

pytestmark = pytest.mark.integration


def _intake(unit_id: str, **overrides: Any) -> ResponseIntake:
    data = payload(unit_id, client_ref=f"kiosk-1:{uuid.uuid4().hex[:8]}")
    data["submitted_at"] = datetime.fromisoformat(Q3_2026)
    data.update(overrides)
    return ResponseIntake.model_validate(data)


async def _send(bootstrap: str, records: list[tuple[str, bytes, bytes, list]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for topic, key, value, headers in records:
            await producer.send_and_wait(topic, value=value, key=key, headers=headers)
    finally:
        await producer.stop()


def _record(event: ResponseIntake, event_id: uuid.UUID | None = None) -> tuple:
    rec = encode(event, source="/tests/kiosk", id=event_id)
    return (rec.topic, rec.key, rec.value, rec.headers)


async def test_kafka_intake_accepts_dedups_and_dead_letters_with_a_reason(
    surveys: Surveys, kafka_topics: str
) -> None:
    unit = await create_unit(surveys.client, served_per_month=500)
    good = _intake(unit)
    event_id = uuid.uuid4()
    resend = good.model_copy()  # same client_ref, new event id: the kiosk sent it again
    # A partner system sending an age the contract refuses: built by hand, as a foreign
    # producer would, since our own model will not construct it.
    too_young_rec = _record(_intake(unit))
    too_young_body = json.loads(too_young_rec[2])
    too_young_body["respondent"]["age"] = 12
    too_young = (*too_young_rec[:2], json.dumps(too_young_body).encode(), too_young_rec[3])
    not_offered = _intake(unit, service="Layanan Z")
    unknown = _intake("no-such-unit-" + uuid.uuid4().hex[:6])
    junk = (
        RESPONSE_INTAKE,
        unit.encode(),
        b'{"unit_id": 1}',
        _record(good)[3],
    )  # headers fine, body does not match the contract
    await _send(
        kafka_topics,
        [
            _record(good, event_id),
            _record(good, event_id),  # redelivery of the same event
            _record(resend),
            too_young,
            _record(not_offered),
            _record(unknown),
            junk,
        ],
    )

    events = await surveys.tap.wait_for(lambda: surveys.tap.submitted(unit), what="submitted")
    keys = {unit.encode(), unknown.unit_id.encode()}

    def letters_for_us() -> list:
        return [d for d in surveys.tap.dead_letters if d.key in keys]

    await surveys.tap.wait_for(lambda: len(letters_for_us()) >= 4, what="four dead letters")
    letters = letters_for_us()
    await asyncio.sleep(0.3)
    assert len(surveys.tap.submitted(unit)) == 1
    assert events[0].data.channel == "kafka"
    by_reason = sorted(d.error_message for d in letters)
    assert len(letters) == 4, by_reason
    assert any("respondent.age" in m for m in by_reason)
    assert any("service" in m and "Layanan Z" in m for m in by_reason)
    assert any("unit_id" in m and unknown.unit_id in m for m in by_reason)
    assert any("does not match ResponseIntake" in m for m in by_reason)
    assert all(d.original_topic == RESPONSE_INTAKE for d in letters)
    assert {d.error_class.rsplit(".", 1)[-1] for d in letters} == {
        "PermanentError",
        "ContractError",
    }

    rows = await surveys.db.fetch(
        "SELECT channel, client_ref FROM responses WHERE unit_id = $1", unit
    )
    assert [(r["channel"], r["client_ref"]) for r in rows] == [("kafka", good.client_ref)]
    assert (
        await surveys.db.fetchval(
            "SELECT count(*) FROM responses WHERE unit_id = $1", unknown.unit_id
        )
        == 0
    )


async def test_kafka_intake_with_a_nul_or_lone_surrogate_is_dead_lettered_at_once(
    surveys: Surveys, kafka_topics: str
) -> None:
    unit = await create_unit(surveys.client, served_per_month=500)
    bad = []
    for field, value in (("service", "Layanan\x00A"), ("comment", "bagus \ud800")):
        rec = _record(_intake(unit))
        body = json.loads(rec[2])
        body[field] = value
        bad.append((*rec[:2], json.dumps(body).encode(), rec[3]))
    await _send(kafka_topics, bad)

    def ours() -> list:
        return [d for d in surveys.tap.dead_letters if d.key == unit.encode()]

    await surveys.tap.wait_for(lambda: len(ours()) >= 2, what="two dead letters")
    letters = ours()
    reasons = sorted(d.error_message for d in letters)
    # Refused by the intake model (a permanent error, no retries), not by PostgreSQL; a lone
    # surrogate escape is not even valid JSON to the envelope decoder (a contract error).
    assert any("service" in m and "NUL" in m for m in reasons), reasons
    assert any("not valid JSON" in m for m in reasons), reasons
    assert all(d.attempts <= 1 for d in letters)
    assert await surveys.db.fetchval("SELECT count(*) FROM responses WHERE unit_id = $1", unit) == 0
