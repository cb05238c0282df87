"""programme-scheduled -> sessions and invitations, on the real broker, with redelivery."""

import asyncio
import json
import time
import uuid

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from asn_platform import topics
from asn_platform.contracts import ProgrammeScheduled, ScheduledSession
from asn_platform.dlq import read_dead_letters
from asn_platform.envelope import encode
from tests.integration.enrollment.conftest import add_people, new_nip

pytestmark = pytest.mark.integration

SOURCE = "/tangsel/recommendations"


def _decision(
    sp_id: str, key: str, code: str, sessions: list[ScheduledSession]
) -> ProgrammeScheduled:
    return ProgrammeScheduled(
        scheduled_programme_id=sp_id,
        idempotency_key=key,
        programme_code=code,
        unit_id="disdukcapil",
        sessions=sessions,
        explanation_id="Skor Prosedur (U2) rendah; workshop SOP membantu.",
        explanation_en="Low procedure score (U2); the SOP workshop helps.",
    )


async def _send(bootstrap: str, *records) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for record in records:
            await producer.send_and_wait(
                record.topic, record.value, key=record.key, headers=record.headers
            )
    finally:
        await producer.stop()


async def _wait_for(query_result, timeout_s: float = 20.0):
    deadline = time.monotonic() + timeout_s
    while True:
        value = await query_result()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.1)


async def _read_topic(bootstrap: str, topic: str, match, expected: int, settle_s: float = 1.0):
    """All records of ``topic`` for which match(body) holds; waits for ``expected`` of them,
    then reads on for ``settle_s`` so that duplicates would be seen too."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=20
    )
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        found = []
        deadline = time.monotonic() + 20
        settle_until = None
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=100)
            for records in batch.values():
                for r in records:
                    body = json.loads(r.value)
                    if match(body):
                        found.append((r, body))
            if len(found) >= expected and settle_until is None:
                settle_until = time.monotonic() + settle_s
            if settle_until is not None and time.monotonic() > settle_until:
                break
        return found
    finally:
        await consumer.stop()


async def test_programme_scheduled_opens_sessions_and_invites_once_despite_redelivery(
    ctx, client, kafka_topics
):
    cohort_a = await add_people(client, 3)
    cohort_b = await add_people(client, 2)
    [inactive] = await add_people(client, 1)
    assert (await client.delete(f"/api/v1/asn/{inactive}")).status_code == 200
    stranger = new_nip()  # valid NIP, never on the roster
    sp_id = f"sp-{uuid.uuid4().hex[:12]}"
    key = f"disdukcapil:U2:2027-Q1:SOP-SP:{sp_id}"
    event = _decision(
        sp_id,
        key,
        "SOP-SP",  # a workshop: opened with a placeholder speaker (the contract has none)
        [
            ScheduledSession(
                session_ref="1",
                starts_at="2027-02-01T08:00:00+07:00",
                ends_at="2027-02-02T16:00:00+07:00",
                place="Aula Disdukcapil",
                capacity=25,
                cohort=[*cohort_a, stranger],
            ),
            ScheduledSession(
                session_ref="2",
                starts_at="2027-02-08T08:00:00+07:00",
                ends_at="2027-02-09T16:00:00+07:00",
                online_url="https://zoom.example/j/1",
                capacity=25,
                cohort=[*cohort_b, inactive],
            ),
        ],
    )
    record = encode(event, source=SOURCE)
    # The same record twice (a redelivery), then the same decision re-sent as a new event.
    resent = encode(event, source=SOURCE)
    await _send(kafka_topics, record, record, resent)
    event_ids = [uuid.UUID(record.header("ce_id")), uuid.UUID(resent.header("ce_id"))]

    conn = await asyncpg.connect(ctx.database_dsn)
    try:
        await _wait_for(
            lambda: conn.fetchval(
                "SELECT count(*) = 2 FROM inbox WHERE consumer_group = 'enrollment-scheduler'"
                " AND event_id = ANY($1::uuid[])",
                event_ids,
            )
        )
        sessions = await conn.fetch(
            "SELECT id, session_ref, speakers FROM sessions WHERE scheduled_programme_id = $1"
            " ORDER BY session_ref",
            sp_id,
        )
        applied = await conn.fetchrow(
            "SELECT * FROM scheduled_programmes WHERE scheduled_programme_id = $1", sp_id
        )
        invited = await conn.fetch(
            "SELECT id, nip, status FROM enrollments WHERE scheduled_programme_id = $1", sp_id
        )
    finally:
        await conn.close()
    assert [s["session_ref"] for s in sessions] == ["1", "2"]
    assert "akan diumumkan" in json.loads(sessions[0]["speakers"])[0]["name"]
    assert sorted(r["nip"] for r in invited) == sorted(cohort_a + cohort_b)
    assert {r["status"] for r in invited} == {"invited"}
    assert (applied["sessions_opened"], applied["invited"]) == (2, 5)
    assert (applied["unknown_members"], applied["skipped_members"]) == (1, 1)
    assert applied["event_id"] == event_ids[0]

    # Over HTTP the sessions show their invitations; times in WIB.
    listed = (await client.get(f"/api/v1/sessions/{sessions[0]['id']}")).json()
    assert listed["starts_at"] == "2027-02-01T08:00:00+07:00"
    assert listed["seats"]["invited"] == 3 and listed["mode"] == "offline"

    # Each invitation was published once on enrollment-changed, keyed by NIP.
    found = await _read_topic(
        kafka_topics,
        topics.ENROLLMENT_CHANGED,
        lambda body: body.get("scheduled_programme_id") == sp_id,
        expected=5,
    )
    assert len(found) == 5
    assert sorted(body["enrollment_id"] for _, body in found) == sorted(
        str(r["id"]) for r in invited
    )
    for rec, body in found:
        headers = dict(rec.headers)
        assert rec.key.decode() == body["nip"]
        assert headers["ce_type"] == b"asn.enrollment.enrollment-changed.v1"
        assert (body["status"], body["previous_status"]) == ("invited", None)

    # Metrics count what happened: two applied decisions of which one a duplicate.
    metrics = (await client.get("/metrics")).text
    assert 'enrollment_scheduled_programmes_total{outcome="duplicate"}' in metrics


async def test_a_programme_missing_from_the_catalogue_is_dead_lettered(ctx, client, kafka_topics):
    [nip] = await add_people(client, 1)
    sp_id = f"sp-{uuid.uuid4().hex[:12]}"
    event = _decision(
        sp_id,
        f"key-{sp_id}",
        "TIDAK-ADA",
        [
            ScheduledSession(
                session_ref="1",
                starts_at="2027-06-01T08:00:00+07:00",
                ends_at="2027-06-01T12:00:00+07:00",
                place="Aula",
                capacity=10,
                cohort=[nip],
            )
        ],
    )
    record = encode(event, source=SOURCE)
    await _send(kafka_topics, record)

    async def dead() -> list:
        letters = await read_dead_letters(kafka_topics, topics.PROGRAMME_SCHEDULED, limit=1000)
        return [d for d in letters if d.key == record.key and sp_id.encode() in (d.value or b"")]

    [letter] = await _wait_for(dead)
    assert letter.info["error-class"].endswith("PermanentError")
    assert "TIDAK-ADA" in letter.info["error-message"]
    assert letter.info["consumer-group"] == "enrollment-scheduler"
    conn = await asyncpg.connect(ctx.database_dsn)
    try:
        assert not await conn.fetchval(
            "SELECT count(*) FROM scheduled_programmes WHERE scheduled_programme_id = $1", sp_id
        )
    finally:
        await conn.close()
