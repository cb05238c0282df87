"""Rebuild the read models by replaying the input topics from offset 0.

    asn-recommendations-replay            # or: python -m asn_recommendations.replay
    asn-recommendations-replay --all      # a fresh database: apply everything in the topics

Each topic is read with manual partition assignment (no consumer group, nothing committed)
from the beginning until it has been quiet for --idle-ms. Everything happens in ONE database
transaction: the read-model tables are emptied and refilled, and readers see the old state
until the new one commits; a failed replay leaves the old state untouched.

Which events are applied. By default exactly those the live consumers applied: an event's id is
in the live consumer group's inbox (written in the same transaction as its effects), so the
rebuilt state equals the state live consumption built, and the live consumers carry on where
they were (events they have not reached yet are left to them, with their reactions). With
--all every valid event is applied and recorded in the live inbox as done, for a database that
lost its state: the read models come back, but decisions (schedules, nudges) are not re-run.
Duplicates in the log (the same event id twice) are applied once either way.

Events are applied in batches of up to 20,000 per topic (one counter row per unit, element and
period per batch, however many responses), and a batch's database writes run while the next
batch is read and decoded.

It may run while the service runs: emptying the tables locks them, so live consumers wait for
the replay to commit and then apply their pending events on the rebuilt tables.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from asn_platform.db import with_database
from asn_platform.envelope import ContractError, Envelope, decode
from asn_platform.kafka import client_options
from asn_platform.settings import load_settings
from asn_recommendations.kafka.feeds import FEEDS, Feed
from asn_recommendations.settings import Settings
from asn_recommendations.store.conn import Conn
from asn_recommendations.store.readmodels import Fact, clear_read_models

log = logging.getLogger(__name__)

SERVICE = "recommendations"
_REPLAY_LOCK = 0x52504C59  # "RPLY": one replay at a time per database


@dataclass
class FeedReport:
    name: str
    topic: str
    read: int = 0
    applied: int = 0
    not_applied_live: int = 0  # left for the live consumer (default mode)
    duplicates: int = 0
    invalid: int = 0  # not matching the contract (the live consumer dead-lettered them)


@dataclass
class ReplayReport:
    feeds: list[FeedReport] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def applied(self) -> int:
        return sum(f.applied for f in self.feeds)


async def replay(
    settings: Settings,
    *,
    apply_all: bool = False,
    idle_ms: int = 1500,
    batch_size: int = 20_000,
    console: Console | None = None,
    show_progress: bool = True,
) -> ReplayReport:
    """Rebuild the read models (see the module docstring); returns what was read and applied."""
    started = time.monotonic()
    dsn = with_database(settings.database_url, f"{settings.database_prefix}{SERVICE}")
    conn = await asyncpg.connect(dsn)
    report = ReplayReport()
    console = console or Console(stderr=True)
    try:
        if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", _REPLAY_LOCK):
            raise RuntimeError("another replay is running on this database")
        progress = Progress(
            TextColumn("{task.description:<12}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[applied]} applied"),
            TimeElapsedColumn(),
            console=console,
            disable=not show_progress,
        )
        with progress:
            async with conn.transaction():
                await clear_read_models(conn)
                await conn.execute(
                    "CREATE TEMP TABLE replay_seen (event_id uuid PRIMARY KEY) ON COMMIT DROP"
                )
                for feed in FEEDS:
                    task = progress.add_task(feed.name, total=None, applied=0)
                    feed_report = await _replay_feed(
                        conn,
                        feed,
                        settings,
                        apply_all=apply_all,
                        idle_ms=idle_ms,
                        batch_size=batch_size,
                        progress=progress,
                        task=task,
                    )
                    report.feeds.append(feed_report)
        await conn.execute("SELECT pg_advisory_unlock($1)", _REPLAY_LOCK)
    finally:
        await conn.close()
    report.seconds = time.monotonic() - started
    return report


async def _replay_feed(
    conn: Conn,
    feed: Feed,
    settings: Settings,
    *,
    apply_all: bool,
    idle_ms: int,
    batch_size: int,
    progress: Progress,
    task: Any,
) -> FeedReport:
    report = FeedReport(feed.name, feed.topic)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"asn-{SERVICE}-replay",
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
        max_partition_fetch_bytes=4 * 1024 * 1024,
        **client_options(settings),
    )
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()  # all topics: partitions known
        partitions = sorted(consumer.partitions_for_topic(feed.topic) or ())
        if not partitions:
            return report
        tps = [TopicPartition(feed.topic, p) for p in partitions]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        # Only a hint for the bar: the embedded broker under-reports end offsets after batched
        # produce (docs/kafka.md), so the end is "quiet for idle_ms", never this number.
        try:
            ends = await consumer.end_offsets(tps)
            progress.update(task, total=sum(ends.values()) or None)
        except Exception:
            pass
        quiet_ms = 0
        poll_ms = 100
        buffered: list[Any] = []
        # The database writes of one batch run while the next batch is read and decoded
        # (Python's CPU and PostgreSQL's overlap); batches are still written one after the
        # other, in order, on the one connection.
        writing: asyncio.Task[None] | None = None
        try:
            while quiet_ms < idle_ms:
                batch = await consumer.getmany(timeout_ms=poll_ms, max_records=batch_size)
                records = [r for tp in sorted(batch, key=lambda t: t.partition) for r in batch[tp]]
                if records:
                    quiet_ms = 0
                    buffered += records
                    if len(buffered) < batch_size:
                        continue
                else:
                    quiet_ms += poll_ms
                    if not buffered:
                        continue
                envelopes = await _decode_all(buffered, report)
                buffered = []
                if writing is not None:
                    await writing
                writing = asyncio.create_task(
                    _write(conn, feed, envelopes, apply_all=apply_all, report=report)
                )
                progress.update(task, completed=report.read, applied=report.applied)
                total = progress.tasks[task].total
                if total is not None and report.read > total:
                    progress.update(task, total=report.read)
            if writing is not None:
                await writing
                writing = None
        finally:
            if writing is not None and not writing.done():
                writing.cancel()
                with contextlib.suppress(BaseException):
                    await writing
        progress.update(task, total=report.read, completed=report.read, applied=report.applied)
    finally:
        await consumer.stop()
    return report


async def _decode_all(records: Sequence[Any], report: FeedReport) -> list[Envelope[Any]]:
    """The records' envelopes (contract errors counted as invalid); yields to the event loop
    every 500 records, so that the previous batch's writes go on meanwhile."""
    report.read += len(records)
    envelopes: list[Envelope[Any]] = []
    for i, rec in enumerate(records):
        if i % 500 == 499:
            await asyncio.sleep(0)
        try:
            envelopes.append(
                decode(
                    rec.topic,
                    rec.headers,
                    rec.value,
                    key=rec.key,
                    partition=rec.partition,
                    offset=rec.offset,
                )
            )
        except ContractError:
            report.invalid += 1
    return envelopes


async def _write(
    conn: Conn,
    feed: Feed,
    envelopes: list[Envelope[Any]],
    *,
    apply_all: bool,
    report: FeedReport,
) -> None:
    if not envelopes:
        return
    ids = [e.id for e in envelopes]
    if apply_all:
        wanted = set(ids)
    else:
        rows = await conn.fetch(
            "SELECT event_id FROM inbox WHERE consumer_group = $1 AND event_id = ANY($2::uuid[])",
            feed.group_id,
            ids,
        )
        wanted = {r["event_id"] for r in rows}
    report.not_applied_live += sum(1 for e in envelopes if e.id not in wanted)
    candidates = [e for e in envelopes if e.id in wanted]
    if not candidates:
        return
    fresh_ids = {
        r["event_id"]
        for r in await conn.fetch(
            "INSERT INTO replay_seen SELECT unnest($1::uuid[]) ON CONFLICT DO NOTHING"
            " RETURNING event_id",
            list(dict.fromkeys(e.id for e in candidates)),
        )
    }
    fresh: list[Envelope[Any]] = []
    for env in candidates:
        if env.id in fresh_ids:
            fresh.append(env)
            fresh_ids.discard(env.id)  # a duplicate within this batch counts once
        else:
            report.duplicates += 1
    if apply_all and fresh:
        # Mark them done for the live consumer, so that it does not count them twice.
        await conn.execute(
            'INSERT INTO inbox (consumer_group, event_id, topic, "partition", "offset")'
            " SELECT $1, * FROM unnest($2::uuid[], $3::text[], $4::int[], $5::bigint[])"
            " ON CONFLICT DO NOTHING",
            feed.group_id,
            [e.id for e in fresh],
            [e.topic for e in fresh],
            [e.partition for e in fresh],
            [e.offset for e in fresh],
        )
    await feed.project(conn, [Fact(e.data, e.id) for e in fresh])
    report.applied += len(fresh)


def print_report(report: ReplayReport, console: Console) -> None:
    table = Table(title="Replay read models / pembangunan ulang read model")
    for column in ("feed", "topic", "read", "applied", "left to live", "duplicates", "invalid"):
        table.add_column(column, justify="left" if column in ("feed", "topic") else "right")
    for f in report.feeds:
        table.add_row(
            f.name,
            f.topic,
            str(f.read),
            str(f.applied),
            str(f.not_applied_live),
            str(f.duplicates),
            str(f.invalid),
        )
    console.print(table)
    console.print(
        f"{report.applied} events applied in {report.seconds:.1f} s "
        f"/ {report.applied} event diterapkan dalam {report.seconds:.1f} detik"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="asn-recommendations-replay",
        description="Rebuild the recommendations read models by replaying the topics from the "
        "start (settings from the same ASN_* variables as the service).",
    )
    parser.add_argument(
        "--all",
        action="store_true",
        help="apply every event in the topics (a database that lost its state), not only those "
        "the live consumers applied",
    )
    parser.add_argument(
        "--idle-ms",
        type=int,
        default=1500,
        help="a topic is done when no record arrived for this long (default 1500)",
    )
    args = parser.parse_args(argv)
    settings = load_settings(Settings)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    console = Console(stderr=True)
    try:
        report = asyncio.run(
            replay(settings, apply_all=args.all, idle_ms=args.idle_ms, console=console)
        )
    except (OSError, asyncpg.PostgresError, RuntimeError) as err:
        print(f"replay failed: {type(err).__name__}: {err}", file=sys.stderr)
        raise SystemExit(1) from None
    print_report(report, console)


if __name__ == "__main__":
    main()
