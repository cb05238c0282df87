"""Idempotent consumers: duplicates change state once, offsets follow the database commit,
transient errors are retried, two instances in one group share the partitions."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import asyncpg
import pytest
from aiokafka import TopicPartition
from faststream.kafka import KafkaBroker

from asn_platform.contracts import SurveySubmitted
from asn_platform.envelope import Envelope
from asn_platform.inbox import IdempotentConsumer, RetryPolicy, purge_inbox, subscribe_idempotent
from asn_platform.kafka import make_broker
from asn_platform.settings import PlatformSettings

from .conftest import Db, encode_for, group_name, produce, survey, wait_for

pytestmark = pytest.mark.integration

FAST_RETRY = RetryPolicy(max_attempts=4, initial_delay_s=0.01, max_delay_s=0.05)


def broker_for(settings: PlatformSettings, name: str) -> KafkaBroker:
    return make_broker(settings, client_id=name, log_level=logging.DEBUG)


async def record_effect(conn: asyncpg.Connection, env: Envelope[SurveySubmitted]) -> None:
    await conn.execute(
        "INSERT INTO effects (event_id, unit_id, response_id) VALUES ($1, $2, $3)",
        env.id,
        env.data.unit_id,
        env.data.response_id,
    )


def consumer_on(
    broker: KafkaBroker, db: Db, settings: PlatformSettings, topic: str, group: str, **kw: Any
) -> IdempotentConsumer:
    kw.setdefault("handler", record_effect)
    return subscribe_idempotent(
        broker,
        topic=topic,
        group_id=group,
        pool=db.pool,
        settings=settings,
        expected=SurveySubmitted,
        retry=kw.pop("retry", FAST_RETRY),
        **kw,
    )


@pytest.mark.parametrize("batch", [False, True], ids=["single", "batch"])
@pytest.mark.tansu_smoke
async def test_the_same_event_delivered_three_times_changes_state_once(
    db: Db, settings: PlatformSettings, new_topic: Callable, batch: bool
):
    topic = await new_topic("dup")
    record = encode_for(topic, survey(7))
    other = encode_for(topic, survey(8))
    await produce(settings.kafka_bootstrap_servers, [record, record])
    broker = broker_for(settings, "dup")
    consumer = consumer_on(broker, db, settings, topic, group_name("dup"), batch=batch)
    await broker.start()
    try:
        await wait_for(lambda: consumer.stats.duplicates == 1, 20, "the in-batch duplicate")
        await produce(settings.kafka_bootstrap_servers, [record, other])  # later redelivery
        await wait_for(lambda: consumer.stats.applied == 2, 20, "the other event")
        await wait_for(lambda: consumer.stats.duplicates == 2, 20, "the third copy")
    finally:
        await broker.stop()
    assert await db.val("SELECT count(*) FROM effects WHERE response_id = 'r-7'") == 1
    assert await db.val("SELECT count(*) FROM effects") == 2
    assert await db.val("SELECT count(*) FROM inbox") == 2


@pytest.mark.tansu_smoke
async def test_offsets_are_committed_only_after_the_transaction_commits(
    db: Db, settings: PlatformSettings, new_topic: Callable
):
    topic = await new_topic("order", partitions=1)
    entered, release = asyncio.Event(), asyncio.Event()

    async def slow(conn: asyncpg.Connection, env: Envelope[SurveySubmitted]) -> None:
        await record_effect(conn, env)
        entered.set()
        await release.wait()

    broker = broker_for(settings, "order")
    consumer = consumer_on(broker, db, settings, topic, group_name("order"), handler=slow)
    await broker.start()
    try:
        await produce(settings.kafka_bootstrap_servers, [encode_for(topic, survey(1))])
        await asyncio.wait_for(entered.wait(), 20)
        kafka = consumer.subscriber.consumer
        tp = TopicPartition(topic, 0)
        assert await kafka.committed(tp) is None  # handler running: nothing committed
        assert await db.val("SELECT count(*) FROM effects") == 0  # not visible yet
        release.set()
        await wait_for(lambda: consumer.stats.applied == 1, 10, "the commit")

        async def committed() -> bool:
            return await kafka.committed(tp) == 1

        await wait_for(committed, 10, "the offset commit")
        assert await db.val("SELECT count(*) FROM effects") == 1
    finally:
        release.set()
        await broker.stop()


async def test_transient_handler_errors_are_retried_then_applied_once(
    db: Db, settings: PlatformSettings, new_topic: Callable
):
    topic = await new_topic("retry")
    failures = {"left": 2}

    async def flaky(conn: asyncpg.Connection, env: Envelope[SurveySubmitted]) -> None:
        await record_effect(conn, env)  # rolled back with the failure
        if failures["left"]:
            failures["left"] -= 1
            raise RuntimeError("deadlock-ish")

    broker = broker_for(settings, "retry")
    consumer = consumer_on(broker, db, settings, topic, group_name("retry"), handler=flaky)
    await broker.start()
    try:
        await produce(settings.kafka_bootstrap_servers, [encode_for(topic, survey(1))])
        await wait_for(lambda: consumer.stats.applied == 1, 20, "the event")
    finally:
        await broker.stop()
    assert consumer.stats.retries == 2
    assert consumer.stats.dead_lettered == 0
    assert await db.val("SELECT count(*) FROM effects") == 1


async def test_an_unavailable_database_is_waited_for_not_dead_lettered(
    db: Db, settings: PlatformSettings, new_topic: Callable
):
    topic = await new_topic("down")
    failures = {"left": 7}  # more than max_attempts

    async def database_away(conn: asyncpg.Connection, env: Envelope[SurveySubmitted]) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed")
        await record_effect(conn, env)

    broker = broker_for(settings, "down")
    consumer = consumer_on(
        broker,
        db,
        settings,
        topic,
        group_name("down"),
        handler=database_away,
        retry=RetryPolicy(max_attempts=2, initial_delay_s=0.01, unavailable_max_delay_s=0.05),
    )
    await broker.start()
    try:
        await produce(settings.kafka_bootstrap_servers, [encode_for(topic, survey(1))])
        await wait_for(lambda: consumer.stats.applied == 1, 20, "the event")
    finally:
        await broker.stop()
    assert consumer.stats.unavailable == 7
    assert consumer.stats.dead_lettered == 0


@pytest.mark.parametrize("batch", [False, True], ids=["single", "batch"])
async def test_two_instances_in_one_group_share_the_partitions_and_apply_each_event_once(
    db: Db, settings: PlatformSettings, new_topic: Callable, batch: bool
):
    n = 3000 if batch else 1200
    topic = await new_topic("pair", partitions=6)
    group = group_name("pair")
    await produce(
        settings.kafka_bootstrap_servers, [encode_for(topic, survey(i)) for i in range(n)]
    )

    def tagged(name: str):
        async def handler(conn: asyncpg.Connection, env: Envelope[SurveySubmitted]) -> None:
            await conn.execute(
                "INSERT INTO effects (event_id, unit_id, response_id, consumer)"
                " VALUES ($1, $2, $3, $4)",
                env.id,
                env.data.unit_id,
                env.data.response_id,
                name,
            )
            # Kafka (no initial rebalance delay) hands the first member every partition and
            # the second joins a heartbeat later: keep the stream busy until it has.
            await asyncio.sleep(0.003)

        return handler

    brokers = [broker_for(settings, f"pair-{i}") for i in range(2)]
    consumers = [
        consumer_on(b, db, settings, topic, group, handler=tagged(f"c{i}"), batch=batch)
        for i, b in enumerate(brokers)
    ]
    await asyncio.gather(*(b.start() for b in brokers))
    try:
        await wait_for(
            lambda: sum(c.stats.applied for c in consumers) >= n, 60, "every event applied"
        )
        assignments = [c.subscriber.consumer.assignment() for c in consumers]
    finally:
        await asyncio.gather(*(b.stop() for b in brokers))
    assert not assignments[0] & assignments[1]
    assert len(assignments[0] | assignments[1]) == 6
    assert await db.val("SELECT count(*) FROM effects") == n
    assert await db.val("SELECT count(DISTINCT event_id) FROM effects") == n
    per_consumer = await db.val(
        "SELECT array_agg(c ORDER BY c) FROM (SELECT consumer, count(*) c FROM effects"
        " GROUP BY consumer) s"
    )
    assert len(per_consumer) == 2 and min(per_consumer) > 0, per_consumer


async def test_purge_inbox_forgets_old_rows_only(db: Db):
    async with db.pool.acquire() as conn:
        await conn.execute(
            'INSERT INTO inbox (consumer_group, event_id, topic, "partition", "offset",'
            " processed_at) VALUES ('a', gen_random_uuid(), 't', 0, 1, now() - interval '40 days'),"
            " ('b', gen_random_uuid(), 't', 0, 2, now() - interval '40 days'),"
            " ('a', gen_random_uuid(), 't', 0, 3, now())"
        )
        assert await purge_inbox(conn, timedelta(days=30), group_id="a") == 1
        assert await purge_inbox(conn, timedelta(days=30)) == 1
    assert await db.val("SELECT count(*) FROM inbox") == 1
