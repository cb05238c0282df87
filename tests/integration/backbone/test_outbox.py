"""Transactional outbox: committed events reach Kafka (even across a broker outage), rolled-back
ones never do, several relays share the work and keep each key's order, stop flushes."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from uuid import UUID

import pytest

from asn_devkit.embedded.processes import free_port
from asn_devkit.embedded.tansu import TansuBroker
from asn_devkit.testing import session_broker_kind, start_kafka
from asn_platform import outbox, topics
from asn_platform.kafka import ensure_topics
from asn_platform.settings import PlatformSettings
from asn_platform.topics import TopicSpec

from .conftest import Db, read_all, survey, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.tansu_smoke]

SOURCE = "/tangsel/test"


def ids_on(records: list, wanted: set[UUID]) -> list[UUID]:
    out = []
    for r in records:
        event_id = UUID(dict(r.headers)["ce_id"].decode())
        if event_id in wanted:
            out.append(event_id)
    return out


async def test_rolled_back_transaction_publishes_nothing(db: Db, settings: PlatformSettings):
    relay = outbox.OutboxRelay(db.pool, settings, name="test")
    await relay.start()
    try:
        rolled_back: UUID | None = None
        with pytest.raises(RuntimeError, match="state change failed"):
            async with db.pool.acquire() as conn, conn.transaction():
                await conn.execute("INSERT INTO known_units VALUES ('a')")
                rolled_back = await outbox.enqueue(conn, survey(1), source=SOURCE)
                raise RuntimeError("state change failed")
        async with db.pool.acquire() as conn, conn.transaction():
            await conn.execute("INSERT INTO known_units VALUES ('b')")
            committed = await outbox.enqueue(conn, survey(2), source=SOURCE)
        await relay.flush(timeout_s=20)
    finally:
        await relay.stop()
    assert rolled_back is not None
    assert await db.val("SELECT count(*) FROM outbox") == 0  # sent rows are deleted
    assert await db.val("SELECT array_agg(unit_id) FROM known_units") == ["b"]
    seen = ids_on(
        await read_all(settings.kafka_bootstrap_servers, topics.SURVEY_SUBMITTED),
        {rolled_back, committed},
    )
    assert seen == [committed]


async def test_enqueue_outside_a_transaction_is_refused(db: Db):
    async with db.pool.acquire() as conn:
        with pytest.raises(RuntimeError, match="inside the caller's transaction"):
            await outbox.enqueue(conn, survey(1), source=SOURCE)


class _Restartable:
    """A private broker of the session's kind that can be stopped and started again: Kafka on
    the same log directory and ports, Tansu empty (it keeps nothing)."""

    def __init__(self) -> None:
        self.kind = session_broker_kind()
        self.port = free_port()
        self.kafka = start_kafka(open_port=self.port) if self.kind == "kafka" else None
        self.tansu = TansuBroker(port=self.port).start() if self.kafka is None else None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self) -> None:
        (self.kafka or self.tansu).stop()  # type: ignore[union-attr]

    def start(self) -> _Restartable:
        if self.kafka is not None:
            self.kafka.start()
        else:
            self.tansu = TansuBroker(port=self.port).start()  # a restarted Tansu is empty
        return self


async def test_event_committed_while_the_broker_is_down_arrives_when_it_returns(db: Db):
    broker = _Restartable()
    settings = PlatformSettings(kafka_bootstrap_servers=broker.bootstrap, kafka_idempotence=False)
    spec = [TopicSpec(topics.SURVEY_SUBMITTED, 6)]
    await ensure_topics(broker.bootstrap, spec)
    relay = outbox.OutboxRelay(
        db.pool, settings, name="outage", request_timeout_ms=1500, max_backoff_s=1.0
    )
    await relay.start()
    try:
        async with db.pool.acquire() as conn, conn.transaction():
            first = await outbox.enqueue(conn, survey(1), source=SOURCE)
        await relay.flush(timeout_s=20)  # the broker works

        broker.stop()
        async with db.pool.acquire() as conn, conn.transaction():
            await conn.execute("INSERT INTO known_units VALUES ('during-outage')")
            during = await outbox.enqueue(conn, survey(2), source=SOURCE)
        await wait_for(lambda: relay.stats.failures > 0, 20, "the relay to notice the outage")
        assert await relay.pending() == 1

        async def failure_recorded() -> bool:
            return bool(await db.val("SELECT attempts FROM outbox WHERE event_id = $1", during))

        await wait_for(failure_recorded, 20, "the failed attempt to be recorded")
        assert "Error" in await db.val("SELECT last_error FROM outbox WHERE event_id = $1", during)

        broker.start()
        await ensure_topics(broker.bootstrap, spec)
        await relay.flush(timeout_s=30)
        records = await read_all(broker.bootstrap, topics.SURVEY_SUBMITTED)
        # Kafka keeps what it had (each event exactly once); a restarted Tansu has only the new
        expected = [first, during] if broker.kind == "kafka" else [during]
        assert sorted(ids_on(records, {first, during})) == sorted(expected)
    finally:
        await relay.stop(flush=False)
        broker.stop()


async def test_several_relays_share_the_work_and_keep_each_keys_order(
    db: Db, settings: PlatformSettings
):
    relays = [outbox.OutboxRelay(db.pool, settings, name=f"r{i}", batch_size=50) for i in range(3)]
    for relay in relays:
        await relay.start()
    units = [f"order-{n}" for n in range(24)]
    ids: dict[UUID, tuple[str, int]] = {}
    try:
        for batch in range(60):
            async with db.pool.acquire() as conn, conn.transaction():
                events = [survey(batch * 100 + j, unit=units[j % 24]) for j in range(50)]
                for event, event_id in zip(
                    events, await outbox.enqueue_many(conn, events, source=SOURCE), strict=True
                ):
                    ids[event_id] = (event.unit_id, batch * 100 + int(event.response_id[2:]) % 100)
            await asyncio.sleep(0.005)
        await relays[0].flush(timeout_s=30)
    finally:
        for relay in relays:
            await relay.stop()
    assert sum(r.stats.published for r in relays) == len(ids) == 3000
    assert sum(1 for r in relays if r.stats.published) >= 2, [r.stats for r in relays]
    records = await read_all(settings.kafka_bootstrap_servers, topics.SURVEY_SUBMITTED)
    order: dict[str, list[int]] = defaultdict(list)
    seen = ids_on(records, set(ids))
    assert len(seen) == len(set(seen)) == 3000
    for event_id in seen:
        unit, seq = ids[event_id]
        order[unit].append(seq)
    for unit, seqs in order.items():
        assert seqs == sorted(seqs), f"{unit} out of order"


async def test_stop_flushes_what_is_pending(db: Db, settings: PlatformSettings):
    relay = outbox.OutboxRelay(db.pool, settings, name="flush", poll_interval_s=30)
    await relay.start()
    async with db.pool.acquire() as conn, conn.transaction():
        await outbox.enqueue_many(conn, [survey(i) for i in range(300)], source=SOURCE)
    await relay.stop(flush=True)
    assert await db.val("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0
    assert relay.stats.published == 300


async def test_with_retention_sent_rows_are_marked_and_kept(db: Db, settings: PlatformSettings):
    relay = outbox.OutboxRelay(db.pool, settings, name="keep", retention_s=3600)
    await relay.start()
    try:
        async with db.pool.acquire() as conn, conn.transaction():
            await outbox.enqueue_many(conn, [survey(i) for i in range(5)], source=SOURCE)
        await relay.flush(timeout_s=20)
    finally:
        await relay.stop()
    assert await db.val("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL") == 5


async def test_an_idle_relay_sleeps_on_notify_and_wakes_at_once(db: Db, settings: PlatformSettings):
    relay = outbox.OutboxRelay(db.pool, settings, name="sleepy", poll_interval_s=60)
    await relay.start()
    try:
        sleeping = "SELECT count(*) FROM outbox_relays WHERE sleeping"
        await wait_for(lambda: db.val(sleeping), 10, "the relay to register as asleep")
        started = asyncio.get_running_loop().time()
        async with db.pool.acquire() as conn, conn.transaction():
            await outbox.enqueue(conn, survey(1), source=SOURCE)
        await wait_for(lambda: relay.stats.published == 1, 10, "the NOTIFY wake-up")
        assert asyncio.get_running_loop().time() - started < 1.0  # not the 60 s poll
    finally:
        await relay.stop()
    assert await db.val("SELECT count(*) FROM outbox_relays") == 0  # unregistered on stop
