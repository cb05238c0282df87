"""The scheduled inbox purge: old rows go, recent ones stay, in batches; every service runs it;
the default horizon outlasts the time an event can stay in a topic with Kafka's defaults (so the
recommendations replay, which applies the events found in the inbox, loses nothing)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import asyncpg
import pytest

from asn_devkit.testing import running_service
from asn_platform.inbox_purge import InboxPurger
from asn_platform.settings import PlatformSettings
from asn_surveys.main import DEFINITION
from tests.integration.backbone.conftest import Db

pytestmark = pytest.mark.integration


async def _rows(db: Db, *ages_days: float) -> None:
    await db.pool.executemany(
        'INSERT INTO inbox (consumer_group, event_id, topic, "partition", "offset", processed_at)'
        " VALUES ('g', gen_random_uuid(), 't', 0, $1, now() - make_interval(secs => $2))",
        [(i, age * 86400) for i, age in enumerate(ages_days)],
    )


async def test_purge_once_deletes_old_rows_in_batches_and_keeps_recent_ones(db: Db) -> None:
    await _rows(db, *([40.0] * 25), 29.0, 1.0, 0.0)
    purger = InboxPurger(db.pool, retention=timedelta(days=30), interval_s=3600, batch=10)
    assert await purger.purge_once() == 25
    assert await db.val("SELECT count(*) FROM inbox") == 3
    assert await purger.purge_once() == 0 and purger.runs == 2 and purger.purged == 25


async def test_the_schedule_runs_by_itself_and_stops_cleanly(db: Db) -> None:
    await _rows(db, 40.0, 0.0)
    purger = InboxPurger(db.pool, retention=timedelta(days=30), interval_s=0.2)
    await purger.start()
    try:
        for _ in range(100):
            if purger.runs >= 2:
                break
            await asyncio.sleep(0.05)
        assert purger.runs >= 2
    finally:
        await purger.stop()
    assert await db.val("SELECT count(*) FROM inbox") == 1


async def test_zero_retention_turns_it_off(db: Db) -> None:
    await _rows(db, 400.0)
    purger = InboxPurger(db.pool, retention=timedelta(0), interval_s=0.1)
    await purger.start()
    await asyncio.sleep(0.3)
    await purger.stop()
    assert purger.runs == 0 and await db.val("SELECT count(*) FROM inbox") == 1


def test_the_default_horizon_outlasts_kafkas_default_retention_and_segment() -> None:
    # Kafka: retention.ms 7 days + segment.ms 7 days before a record can be deleted at all.
    assert PlatformSettings().inbox_retention_days > 14


async def test_every_service_schedules_the_purge(kafka_topics, pg_server_url, db_factory) -> None:
    prefix = f"asn_test_ip_{db_factory.run_id}_"
    db_factory.created.append(f"{prefix}surveys")
    async with running_service(
        DEFINITION,
        bootstrap=kafka_topics,
        server_url=pg_server_url,
        db_prefix=prefix,
        inbox_purge_interval_s=1,
    ) as (ctx, _client):
        conn = await asyncpg.connect(ctx.database_dsn)
        try:
            await conn.execute(
                'INSERT INTO inbox (consumer_group, event_id, topic, "partition", "offset",'
                " processed_at) VALUES ('old', gen_random_uuid(), 't', 0, 1,"
                " now() - interval '31 days'), ('new', gen_random_uuid(), 't', 0, 2, now())"
            )
            purger = ctx.purger
            assert purger is not None
            for _ in range(100):
                if purger.runs:
                    break
                await asyncio.sleep(0.05)
            assert purger.runs >= 1
            groups = await conn.fetch("SELECT consumer_group FROM inbox WHERE topic = 't'")
            assert [r[0] for r in groups] == ["new"]
        finally:
            await conn.close()
