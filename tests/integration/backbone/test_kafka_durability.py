"""Guarantees Tansu could not be tested for, on Apache Kafka: the broker SIGKILLed mid-stream and
restarted on the same log directory, a consumer-group rebalance while a batch is in flight, and
PostgreSQL stopped and started mid-stream. Each time every event is applied exactly once and the
consumer recovers without being restarted itself."""

from __future__ import annotations

import asyncio
import shutil
import signal
import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from asn_devkit.embedded.postgres import EmbeddedPostgres
from asn_devkit.embedded.processes import free_port
from asn_devkit.testing import start_kafka
from asn_platform.db import create_pool, migrate
from asn_platform.kafka import ensure_topics
from asn_platform.settings import PlatformSettings
from asn_platform.topics import TopicSpec, dead_letter_topic

from .conftest import EFFECTS_SQL, Db, encode_for, group_name, produce, survey, wait_for
from .test_crash import Worker

pytestmark = [pytest.mark.integration, pytest.mark.kafka_only]


async def _exactly_once(db: Db, n: int) -> None:
    await wait_for(
        lambda: db.val("SELECT count(DISTINCT event_id) = $1 FROM effects", n), 90, "all"
    )
    await asyncio.sleep(1.0)  # anything applied twice would show up now
    assert await db.val("SELECT count(*) FROM effects") == n
    assert await db.val("SELECT count(*) FROM inbox") == n


async def _stop(worker: Worker, drain: asyncio.Task[None]) -> None:
    worker.proc.send_signal(signal.SIGTERM)
    try:
        assert await asyncio.wait_for(worker.proc.wait(), 30) == 0
    finally:
        worker.kill()
        await drain


async def test_broker_killed_mid_stream_and_restarted_on_its_data_loses_and_repeats_nothing(
    db: Db,
):
    kafka = start_kafka(open_port=free_port())
    try:
        bootstrap = kafka.open_bootstrap
        topic = "test.brokerkill.v1"
        await ensure_topics(
            bootstrap, [TopicSpec(topic, 6), TopicSpec(dead_letter_topic(topic), 1)]
        )
        n = 4000
        await produce(bootstrap, [encode_for(topic, survey(i)) for i in range(n)])
        mode = ["--batch", "--max-records", "100", "--delay-ms", "30"]
        worker = await Worker.start(db, bootstrap, topic, group_name("bk"), "--name", "w", *mode)
        drain = asyncio.create_task(worker.drain())
        try:
            await wait_for(
                lambda: db.val("SELECT count(*) >= $1 FROM effects", n // 5), 90, "a fifth applied"
            )
            kafka.kill()  # SIGKILL: no clean shutdown, no flush
            at_kill = await db.val("SELECT count(*) FROM effects")
            assert at_kill < n, "the kill must land mid-stream"
            await asyncio.sleep(3)
            assert worker.proc.returncode is None, "the consumer rides out the outage"
            kafka.start()  # same log directory, same ports
            await _exactly_once(db, n)
            assert worker.proc.returncode is None  # never restarted
        finally:
            await _stop(worker, drain)
    finally:
        kafka.stop()
        shutil.rmtree(kafka.data_dir, ignore_errors=True)


async def test_a_rebalance_while_a_batch_is_in_flight_commits_no_unapplied_batch(
    db: Db, settings: PlatformSettings, new_topic: Callable
):
    bootstrap = settings.kafka_bootstrap_servers
    topic = await new_topic("rebalance", partitions=6)
    group = group_name("rb")
    n = 3000
    await produce(bootstrap, [encode_for(topic, survey(i)) for i in range(n)])
    mode = ["--batch", "--max-records", "50", "--delay-ms", "150"]  # batches stay in flight
    first = await Worker.start(db, bootstrap, topic, group, "--name", "first", *mode)
    d1 = asyncio.create_task(first.drain())
    second: Worker | None = None
    d2: asyncio.Task[None] | None = None
    try:
        await wait_for(lambda: db.val("SELECT count(*) >= 200 FROM effects"), 60, "first batches")
        second = await Worker.start(db, bootstrap, topic, group, "--name", "second", *mode)
        d2 = asyncio.create_task(second.drain())  # joins: partitions move mid-batch
        await wait_for(
            lambda: db.val("SELECT count(*) > 0 FROM effects WHERE consumer = 'second'"),
            60,
            "the second member to get partitions",
        )
        await _exactly_once(db, n)
    finally:
        await _stop(first, d1)
        if second is not None and d2 is not None:
            await _stop(second, d2)


@pytest.fixture
async def own_postgres() -> AsyncIterator[tuple[EmbeddedPostgres, Db]]:
    folder = Path(tempfile.mkdtemp(prefix="asn-test-pgstop-"))
    pg = EmbeddedPostgres(folder / "pgdata").start()
    dsn = pg.url
    await migrate(dsn, ["asn_platform"])
    pool = await create_pool(dsn, min_size=1, max_size=4)
    async with pool.acquire() as conn:
        await conn.execute(EFFECTS_SQL)
    try:
        yield pg, Db(dsn, pool)
    finally:
        await pool.close()
        pg.stop()
        shutil.rmtree(folder, ignore_errors=True)


async def test_postgres_stopped_and_started_mid_stream_applies_every_event_once(
    own_postgres: tuple[EmbeddedPostgres, Db], settings: PlatformSettings, new_topic: Callable
):
    pg, db = own_postgres
    bootstrap = settings.kafka_bootstrap_servers
    topic = await new_topic("pgstop", partitions=6)
    n = 3000
    await produce(bootstrap, [encode_for(topic, survey(i)) for i in range(n)])
    mode = ["--batch", "--max-records", "100", "--delay-ms", "30"]
    worker = await Worker.start(db, bootstrap, topic, group_name("pg"), "--name", "w", *mode)
    drain = asyncio.create_task(worker.drain())
    try:
        await wait_for(lambda: db.val("SELECT count(*) >= $1 FROM effects", n // 5), 60, "a fifth")
        pg.stop()
        await asyncio.sleep(3)
        assert worker.proc.returncode is None, "the consumer waits for the database"
        pg.start()
        await _exactly_once(db, n)
    finally:
        await _stop(worker, drain)
