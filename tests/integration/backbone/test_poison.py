"""Poison messages: dead-lettered with their headers, the consumer moves on, and a fixed
message re-driven with ``asn-dlq`` is applied."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path

import asyncpg
import pytest

from asn_platform import dlq
from asn_platform.contracts import SurveySubmitted
from asn_platform.envelope import Envelope, KafkaRecord
from asn_platform.inbox import PermanentError, RetryPolicy, subscribe_idempotent
from asn_platform.kafka import make_broker
from asn_platform.settings import PlatformSettings

from .conftest import Db, encode_for, group_name, produce, read_all, survey, wait_for

pytestmark = pytest.mark.integration

RETRY = RetryPolicy(max_attempts=3, initial_delay_s=0.01, max_delay_s=0.05)


async def apply_known_units(conn: asyncpg.Connection, env: Envelope[SurveySubmitted]) -> None:
    """Effects need the unit to be known; an unknown unit keeps failing (until fixed)."""
    known = await conn.fetchval("SELECT 1 FROM known_units WHERE unit_id = $1", env.data.unit_id)
    if not known:
        raise LookupError(f"unit {env.data.unit_id} is not known here")
    await conn.execute(
        "INSERT INTO effects (event_id, unit_id, response_id) VALUES ($1, $2, $3)",
        env.id,
        env.data.unit_id,
        env.data.response_id,
    )


async def asn_dlq(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "asn-dlq"),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


@pytest.mark.parametrize("batch", [False, True], ids=["single", "batch"])
async def test_poison_goes_to_the_dlq_with_headers_and_the_next_message_is_processed(
    db: Db, settings: PlatformSettings, new_topic: Callable, batch: bool
):
    topic = await new_topic("poison", partitions=1)
    group = group_name("poison")
    async with db.pool.acquire() as conn:
        await conn.execute("INSERT INTO known_units VALUES ('unit-1'), ('unit-3')")
    good1 = encode_for(topic, survey(1))
    body = json.loads(good1.value)
    body["answers"]["U4"] = 9
    out_of_range = KafkaRecord(topic, good1.key, json.dumps(body).encode(), good1.headers)
    not_json = KafkaRecord(topic, b"k", b"\x00{oops", [("ce_id", b"x"), ("odd", b"\xff\xfe")])
    unknown_unit = encode_for(topic, survey(2, unit="nowhere"))
    good2 = encode_for(topic, survey(3))
    await produce(
        settings.kafka_bootstrap_servers, [good1, out_of_range, not_json, unknown_unit, good2]
    )

    broker = make_broker(settings, client_id="poison", log_level=logging.DEBUG)
    consumer = subscribe_idempotent(
        broker,
        topic=topic,
        group_id=group,
        pool=db.pool,
        handler=apply_known_units,
        settings=settings,
        expected=SurveySubmitted,
        batch=batch,
        retry=RETRY,
    )
    await broker.start()
    try:
        await wait_for(lambda: consumer.stats.applied == 2, 30, "both good messages")
        await wait_for(lambda: consumer.stats.dead_lettered == 3, 30, "three dead letters")
    finally:
        await broker.stop()
    assert await db.val("SELECT array_agg(response_id ORDER BY response_id) FROM effects") == [
        "r-1",
        "r-3",
    ]

    letters = await dlq.read_dead_letters(settings.kafka_bootstrap_servers, topic)
    assert [d.original_offset for d in letters] == [1, 2, 3]
    bad_field, bad_json, failing = letters
    for letter in letters:
        assert letter.original_topic == topic
        assert letter.original_partition == 0
        assert letter.consumer_group == group
        assert letter.failed_at
    assert bad_field.error_class == "asn_platform.envelope.ContractError"
    assert "answers.U4" in bad_field.error_message
    assert bad_field.attempts == 0
    assert bad_field.key == good1.key and bad_field.value == out_of_range.value
    assert bad_field.original_headers() == good1.headers
    assert bad_json.error_class == "asn_platform.envelope.ContractError"
    assert ("odd", b"\xff\xfe") in bad_json.headers  # kept byte for byte
    assert failing.error_class == "builtins.LookupError"
    assert failing.error_message == "unit nowhere is not known here"
    assert failing.attempts == RETRY.max_attempts


async def test_fixed_messages_are_redriven_with_asn_dlq_and_applied(
    db: Db, settings: PlatformSettings, new_topic: Callable, tmp_path: Path
):
    topic = await new_topic("redrive", partitions=2)
    group = group_name("redrive")
    bootstrap = settings.kafka_bootstrap_servers
    missing_unit = encode_for(topic, survey(1, unit="late-unit"))
    good = encode_for(topic, survey(2, unit="late-unit"))
    body = json.loads(good.value)
    body["answers"]["U9"] = 0
    broken_body = KafkaRecord(topic, good.key, json.dumps(body).encode(), good.headers)
    await produce(bootstrap, [missing_unit, broken_body])

    broker = make_broker(settings, client_id="redrive", log_level=logging.DEBUG)
    consumer = subscribe_idempotent(
        broker,
        topic=topic,
        group_id=group,
        pool=db.pool,
        handler=apply_known_units,
        settings=settings,
        expected=SurveySubmitted,
        retry=RETRY,
    )
    await broker.start()
    try:
        await wait_for(lambda: consumer.stats.dead_lettered == 2, 30, "two dead letters")

        code, out, err = await asn_dlq("--bootstrap", bootstrap, "list", "--topic", topic, "--json")
        assert code == 0, err
        listed = [json.loads(line) for line in out.splitlines()]
        assert {d["error_class"].rsplit(".", 1)[-1] for d in listed} == {
            "LookupError",
            "ContractError",
        }
        by_error = {d["error_class"].rsplit(".", 1)[-1]: d for d in listed}
        code, table, _ = await asn_dlq("--bootstrap", bootstrap, "list", "--topic", topic)
        assert code == 0 and "LookupError" in table and topic in table

        # Fix the cause (the unit now exists) and re-drive the failing event as it was.
        async with db.pool.acquire() as conn:
            await conn.execute("INSERT INTO known_units VALUES ('late-unit')")
        lookup = by_error["LookupError"]
        code, out, err = await asn_dlq(
            "--bootstrap", bootstrap, "redrive", "--topic", f"{topic}.dlq",
            "--offset", str(lookup["offset"]),
        )  # fmt: skip
        assert code == 0, err
        await wait_for(lambda: consumer.stats.applied == 1, 30, "the re-driven event")

        # Fix the body by hand and re-drive it with the corrected value.
        contract = by_error["ContractError"]
        code, shown, _ = await asn_dlq(
            "--bootstrap", bootstrap, "show", "--topic", f"{topic}.dlq",
            "--offset", str(contract["offset"]),
        )  # fmt: skip
        fixed = json.loads(json.loads(shown)["value"])
        fixed["answers"]["U9"] = 3
        path = tmp_path / "fixed.json"
        await asyncio.to_thread(path.write_text, json.dumps(fixed))
        code, out, err = await asn_dlq(
            "--bootstrap", bootstrap, "redrive", "--topic", f"{topic}.dlq",
            "--offset", str(contract["offset"]), "--value-file", str(path),
        )  # fmt: skip
        assert code == 0, err
        await wait_for(lambda: consumer.stats.applied == 2, 30, "the fixed event")
    finally:
        await broker.stop()
    assert await db.val("SELECT count(*) FROM effects") == 2
    redriven = [r for r in await read_all(bootstrap, topic) if r.offset >= 2]
    assert all(dict(r.headers)[dlq.H_REDRIVEN_FROM].startswith(topic.encode()) for r in redriven)
    code, _, err = await asn_dlq(
        "--bootstrap", bootstrap, "redrive", "--topic", topic, "--offset", "0"
    )
    assert code == 1 and "not a dead-letter topic" in err


async def test_a_permanent_error_is_dead_lettered_without_retries(
    db: Db, settings: PlatformSettings, new_topic: Callable
):
    topic = await new_topic("perm", partitions=1)

    async def refuse(conn: asyncpg.Connection, env: Envelope[SurveySubmitted]) -> None:
        raise PermanentError("this programme was withdrawn")

    broker = make_broker(settings, client_id="perm", log_level=logging.DEBUG)
    consumer = subscribe_idempotent(
        broker, topic=topic, group_id=group_name("perm"), pool=db.pool, handler=refuse,
        settings=settings, expected=SurveySubmitted, retry=RETRY,
    )  # fmt: skip
    await broker.start()
    try:
        await produce(settings.kafka_bootstrap_servers, [encode_for(topic, survey(1))])
        await wait_for(lambda: consumer.stats.dead_lettered == 1, 30, "the dead letter")
    finally:
        await broker.stop()
    assert consumer.stats.retries == 0
    (letter,) = await dlq.read_dead_letters(settings.kafka_bootstrap_servers, topic)
    assert letter.attempts == 1
    assert letter.error_class == "asn_platform.inbox.PermanentError"


async def store_service_name(conn: asyncpg.Connection, env: Envelope[SurveySubmitted]) -> None:
    """Stores a text field of the event, as every consumer's read model does."""
    await conn.execute("CREATE TEMP TABLE IF NOT EXISTS seen_services (name text)")
    await conn.execute("INSERT INTO seen_services VALUES ($1)", env.data.service)
    await conn.execute(
        "INSERT INTO effects (event_id, unit_id, response_id) VALUES ($1, $2, $3)",
        env.id,
        env.data.unit_id,
        env.data.response_id,
    )


async def test_a_nul_or_control_character_in_an_event_text_is_refused_by_its_contract(
    db: Db, settings: PlatformSettings, new_topic: Callable
):
    """Valid JSON can carry "\\u0000", which no PostgreSQL text holds: it is a contract error
    (dead-lettered at once, naming the field), not a failure of the handler retried until it
    gives up. A lone surrogate escape is not valid JSON at all (the other contract error)."""
    topic = await new_topic("nul", partitions=1)
    good = encode_for(topic, survey(1))
    body = json.loads(good.value)
    bad = []
    for text in ("Layanan\x00A", "Layanan\x1b[31m"):
        changed = json.dumps({**body, "service": text}).encode()
        bad.append(KafkaRecord(topic, good.key, changed, good.headers))
    surrogate = good.value.replace(b'"Pemeriksaan Umum"', b'"Pemeriksaan \\ud800"')
    bad.append(KafkaRecord(topic, good.key, surrogate, good.headers))
    nested = json.loads(good.value)
    nested["respondent"]["sex"] = "P\x00"  # an enum: refused by its own rule already
    await produce(
        settings.kafka_bootstrap_servers,
        [*bad, KafkaRecord(topic, good.key, json.dumps(nested).encode(), good.headers), good],
    )

    broker = make_broker(settings, client_id="nul")
    consumer = subscribe_idempotent(
        broker,
        topic=topic,
        group_id=group_name("nul"),
        pool=db.pool,
        handler=store_service_name,
        settings=settings,
        expected=SurveySubmitted,
        retry=RETRY,
    )
    await broker.start()
    try:
        await wait_for(lambda: consumer.stats.applied == 1, 30, "the good message")
        await wait_for(lambda: consumer.stats.dead_lettered == 4, 30, "four dead letters")
    finally:
        await broker.stop()
    letters = await dlq.read_dead_letters(settings.kafka_bootstrap_servers, topic)
    assert [d.original_offset for d in letters] == [0, 1, 2, 3]
    assert all(d.error_class == "asn_platform.envelope.ContractError" for d in letters)
    assert all(d.attempts == 0 for d in letters)  # refused before any handler ran
    nul, esc, lone, enum = (d.error_message for d in letters)
    assert "service" in nul and "NUL" in nul, nul
    assert "service" in esc and "U+001B" in esc, esc
    assert "not valid JSON" in lone, lone
    assert "respondent.sex" in enum, enum
    assert await db.val("SELECT count(*) FROM effects") == 1
