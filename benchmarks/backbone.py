"""Benchmark: the event backbone's full path against raw aiokafka, on one broker and database.

    python benchmarks/backbone.py [--events 50000] [--tx-events 100] [--writers 4]
                                  [--rate 1000] [--latency-seconds 10]

Starts its own embedded broker (Apache Kafka; Tansu with --broker tansu) and uses PostgreSQL from DATABASE_URL or else an
embedded server in a temporary folder (a fresh database, dropped at the end). Three runs:

1. Baseline: raw aiokafka. One producer (acks=all) sends ``--events`` CloudEvents records of
   the same size as the events below while one consumer in a group reads them; events/s from
   the first send to the last record consumed.
2. Full path, sustained: ``--writers`` tasks commit transactions that each change state
   (``--tx-events`` rows) and enqueue the same number of events in the outbox; the relay
   publishes them (acks=all); a separate consumer process (the "other service") applies them
   idempotently with ``subscribe_idempotent(batch=True)``: inbox rows plus effect rows in one
   transaction, offsets committed after. Events/s from the first enqueue to the last effect
   committed.
3. Latency at a fixed offered load: ``--rate`` events/s for ``--latency-seconds``, one event
   per transaction; latency = effect row written (``clock_timestamp()`` in the consumer's
   transaction) minus the event's ce_time (set when it is enqueued). p50/p99/max.

The producing side (writers + relay) runs in this process and the consumer in another, as two
services would; the broker and PostgreSQL share the same machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import secrets
import signal
import sys
import time
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from asn_devkit.benchmarking import (
    add_broker_argument,
    bench_broker,
    counting_progress,
    drop_database,
    percentile,
    postgres_server,
)
from asn_platform import outbox
from asn_platform.contracts import SurveySubmitted
from asn_platform.db import create_pool, migrate, with_database
from asn_platform.envelope import Envelope, KafkaRecord, encode
from asn_platform.inbox import subscribe_idempotent
from asn_platform.kafka import ensure_topics, make_broker
from asn_platform.settings import PlatformSettings
from asn_platform.topics import SURVEY_SUBMITTED, TopicSpec

console = Console()
BASELINE_TOPIC = "bench.baseline"
GROUP = "bench-consumer"
SCHEMA = """
CREATE TABLE bench_state (response_id text PRIMARY KEY, unit_id text NOT NULL);
CREATE TABLE effects (
    event_id uuid PRIMARY KEY,
    unit_id text NOT NULL,
    ce_time timestamptz NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
"""


def survey(i: int, run: str) -> SurveySubmitted:
    return SurveySubmitted.model_validate(
        {
            "response_id": f"{run}-{i}",
            "unit_id": f"unit-{i % 97}",
            "bidang": "administrasi_kependudukan",
            "service": "KTP-el",
            "answers": {f"U{n}": 1 + (i + n) % 4 for n in range(1, 10)},
            "respondent": {
                "sex": "P",
                "age_band": "30-39",
                "education": "S1",
                "occupation": "Swasta",
            },
            "submitted_at": datetime.now(UTC),
            "channel": "web",
        }
    )


def progress() -> Progress:
    return counting_progress(console, width=34, percent=True)


# -- the consumer service (a separate process) --------------------------------------------------
async def consumer_main(dsn: str, bootstrap: str) -> None:
    settings = PlatformSettings(kafka_bootstrap_servers=bootstrap, kafka_idempotence=False)
    pool = await create_pool(dsn, min_size=2, max_size=4)
    broker = make_broker(settings, client_id="bench-consumer", logger=None)

    async def apply(conn: Any, envs: list[Envelope[SurveySubmitted]]) -> None:
        await conn.execute(
            "INSERT INTO effects (event_id, unit_id, ce_time)"
            " SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[])",
            [e.id for e in envs],
            [e.data.unit_id for e in envs],
            [e.time for e in envs],
        )

    consumer = subscribe_idempotent(
        broker,
        topic=SURVEY_SUBMITTED,
        group_id=GROUP,
        pool=pool,
        batch_handler=apply,
        batch=True,
        max_records=2000,
        settings=settings,
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await broker.start()
    gc.freeze()  # as a service does once started (asn_platform.service)
    print("ready", flush=True)
    reported = -1
    while not stop.is_set():  # progress for the benchmark, without polling the database
        if consumer.stats.applied != reported:
            reported = consumer.stats.applied
            print(f"applied {reported}", flush=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.02)
    st = consumer.stats
    print(
        f"consumer process: {st.applied:,} applied in {st.transactions:,} transactions, "
        f"{st.duplicates} duplicates, {st.dead_lettered} dead letters, {st.retries} retries",
        file=sys.stderr,
        flush=True,
    )
    await broker.stop()
    await pool.close()


# -- baseline ---------------------------------------------------------------------------------
async def baseline(bootstrap: str, n: int, record: KafkaRecord) -> float:
    consumer = AIOKafkaConsumer(
        BASELINE_TOPIC,
        bootstrap_servers=bootstrap,
        group_id=f"bench-baseline-{secrets.token_hex(3)}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=6000,
        heartbeat_interval_ms=2000,
        fetch_max_wait_ms=20,
    )
    await consumer.start()
    await consumer.getmany(timeout_ms=500)  # joined and assigned before the clock starts
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=2)
    await producer.start()
    with progress() as bar:
        task = bar.add_task("baseline: raw aiokafka", total=n)
        started = time.perf_counter()

        async def produce() -> None:
            futures = []
            for i in range(n):
                key = f"unit-{i % 97}".encode()
                futures.append(
                    await producer.send(
                        BASELINE_TOPIC, record.value, key=key, headers=record.headers
                    )
                )
                if len(futures) >= 1000:
                    await asyncio.gather(*futures)
                    futures.clear()
            await asyncio.gather(*futures)

        sender = asyncio.create_task(produce())
        seen = 0
        while seen < n:
            batch = await consumer.getmany(timeout_ms=1000, max_records=2000)
            got = sum(len(v) for v in batch.values())
            if got:
                await consumer.commit()
            seen += got
            bar.update(task, completed=seen)
        elapsed = time.perf_counter() - started
        await sender
    await producer.stop()
    await consumer.stop()
    return n / elapsed


# -- full path --------------------------------------------------------------------------------
class Applied:
    """The consumer process's running count of applied events (read from its stdout)."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.count = 0
        self.changed = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None

    async def ready(self) -> None:
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), 60)
        if line.strip() != b"ready":
            raise RuntimeError("the consumer process did not start")
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            if line.startswith(b"applied "):
                self.count = int(line.split()[1])
                self.changed.set()

    async def reach(self, target: int, bar: Progress, task: Any, base: int) -> None:
        while self.count < target:
            self.changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.changed.wait(), 1.0)
            if self.proc.returncode is not None:
                raise RuntimeError("the consumer process died")
            bar.update(task, completed=min(target, self.count) - base)


async def full_path(
    pool: asyncpg.Pool, applied: Applied, n: int, tx_events: int, writers: int
) -> float:
    run = "t" + secrets.token_hex(2)
    per_writer = n // writers
    total = per_writer * writers
    base = applied.count
    with progress() as bar:
        enq = bar.add_task("full path: enqueued (outbox)", total=total)
        done = bar.add_task("full path: applied (inbox + effect)", total=total)
        started = time.perf_counter()

        async def writer(w: int) -> None:
            first = w * per_writer
            async with pool.acquire() as conn:
                for start in range(0, per_writer, tx_events):
                    ids = range(first + start, first + min(per_writer, start + tx_events))
                    events = [survey(i, run) for i in ids]
                    async with conn.transaction():
                        await conn.execute(
                            "INSERT INTO bench_state SELECT * FROM unnest($1::text[], $2::text[])",
                            [e.response_id for e in events],
                            [e.unit_id for e in events],
                        )
                        await outbox.enqueue_many(conn, events, source="/bench/surveys")
                    bar.advance(enq, len(events))

        tasks = [asyncio.create_task(writer(w)) for w in range(writers)]
        await applied.reach(base + total, bar, done, base)
        elapsed = time.perf_counter() - started
        await asyncio.gather(*tasks)
    return total / elapsed


async def latency(
    pool: asyncpg.Pool, applied: Applied, rate: float, seconds: float
) -> tuple[list[float], float]:
    run = "l" + secrets.token_hex(2)
    n = int(rate * seconds)
    since = datetime.now(UTC)
    base = applied.count
    behind = 0
    with progress() as bar:
        enq = bar.add_task(f"latency: offered {rate:g}/s", total=n)
        done = bar.add_task("latency: applied", total=n)
        loop = asyncio.get_running_loop()

        async def one(i: int) -> None:
            event = survey(i, run)
            async with pool.acquire() as conn, conn.transaction():
                await conn.execute(
                    "INSERT INTO bench_state VALUES ($1, $2)", event.response_id, event.unit_id
                )
                await outbox.enqueue(conn, event, source="/bench/surveys")
            bar.advance(enq)

        pending: set[asyncio.Task[None]] = set()
        start = loop.time()
        for i in range(n):
            wait = start + i / rate - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            elif wait < -0.01:
                behind += 1
            task = asyncio.create_task(one(i))
            pending.add(task)
            task.add_done_callback(pending.discard)
        offered = n / (loop.time() - start)
        await asyncio.gather(*pending)
        await applied.reach(base + n, bar, done, base)
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT extract(epoch FROM e.applied_at - e.ce_time) * 1000 AS total,"
            " extract(epoch FROM o.sent_at - e.ce_time) * 1000 AS published"
            " FROM effects e JOIN outbox o USING (event_id) WHERE e.ce_time >= $1",
            since,
        )
    if behind:
        console.print(f"[yellow]the load generator started {behind} events >10 ms late[/]")
    published = sorted(float(r["published"]) for r in rows)
    console.print(
        "where the latency goes: enqueued -> acknowledged by Kafka (relay marked it sent) "
        f"p50 {percentile(published, 50):.1f} ms, p99 {percentile(published, 99):.1f} ms; "
        "the rest is the consumer's fetch and its batch transaction"
    )
    return sorted(float(r["total"]) for r in rows), offered


async def bench(args: argparse.Namespace) -> None:
    with bench_broker(args.broker) as tansu, postgres_server() as (server_url, pg_label):
        name = f"asn_bench_backbone_{secrets.token_hex(3)}"
        admin = await asyncpg.connect(server_url)
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()
        dsn = with_database(server_url, name)
        consumer: asyncio.subprocess.Process | None = None
        pool: asyncpg.Pool | None = None
        relay: outbox.OutboxRelay | None = None
        try:
            await migrate(dsn, ["asn_platform"])
            conn = await asyncpg.connect(dsn)
            await conn.execute(SCHEMA)
            await conn.close()
            await ensure_topics(
                tansu.bootstrap, [TopicSpec(SURVEY_SUBMITTED, 6), TopicSpec(BASELINE_TOPIC, 6)]
            )
            settings = PlatformSettings(
                kafka_bootstrap_servers=tansu.bootstrap, kafka_idempotence=tansu.kind == "kafka"
            )
            record = encode(survey(0, "size"), source="/bench/surveys")
            load = os.getloadavg()[0]
            console.print(
                f"broker: {tansu.label} at {tansu.bootstrap}; database: {pg_label}; event "
                f"{record.size} bytes; {os.cpu_count()} CPUs, load average {load:.1f} at start"
            )

            base_rate = await baseline(tansu.bootstrap, args.events, record)

            consumer = await asyncio.create_subprocess_exec(
                sys.executable, __file__, "--role", "consumer", "--dsn", dsn,
                "--bootstrap", tansu.bootstrap,
                stdout=asyncio.subprocess.PIPE,
            )  # fmt: skip
            applied = Applied(consumer)
            await applied.ready()
            pool = await create_pool(dsn, min_size=args.writers + 2, max_size=args.writers + 8)
            relay = outbox.OutboxRelay(  # sent rows kept for the latency breakdown
                pool, settings, name="bench", batch_size=2000, retention_s=3600
            )
            await relay.start()
            gc.freeze()  # as a service does once started (asn_platform.service)

            full_rate = await full_path(pool, applied, args.events, args.tx_events, args.writers)
            latencies, offered = await latency(pool, applied, args.rate, args.latency_seconds)

            table = Table(title="event backbone benchmark (one run, same broker and database)")
            table.add_column("path")
            table.add_column("events", justify="right")
            table.add_column("events/s", justify="right")
            table.add_row("baseline: raw aiokafka produce+consume", f"{args.events:,}",
                          f"{base_rate:,.0f}")  # fmt: skip
            table.add_row(
                f"full path: outbox ({args.tx_events}/tx, {args.writers} writers) -> relay -> "
                "Kafka -> inbox consumer -> effect committed",
                f"{args.events:,}",
                f"{full_rate:,.0f}",
            )
            console.print(table)
            console.print(
                f"full path / baseline: {full_rate / base_rate:.3f} "
                f"(the full path is {base_rate / full_rate:.1f}x slower)"
            )
            console.print(
                f"end-to-end latency at {offered:,.0f} events/s offered for "
                f"{args.latency_seconds:g}s (1 event per transaction, {len(latencies):,} "
                f"events): p50 {percentile(latencies, 50):.1f} ms, "
                f"p99 {percentile(latencies, 99):.1f} ms, "
                f"max {latencies[-1]:.1f} ms"
            )
            ok_rate = full_rate >= 0.5 * base_rate
            ok_p99 = percentile(latencies, 99) < 100
            console.print(
                f"targets: full path >= 0.5 of raw {'met' if ok_rate else 'NOT met'}; "
                f"p99 < 100 ms at 1,000 events/s {'met' if ok_p99 else 'NOT met'} "
                f"(load average {os.getloadavg()[0]:.1f} at the end)"
            )
        finally:
            if relay is not None:
                await relay.stop(flush=False)
            if pool is not None:
                await pool.close()
            if consumer is not None and consumer.returncode is None:
                consumer.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(consumer.wait(), 20)
                except TimeoutError:
                    consumer.kill()
                    await consumer.wait()
            await drop_database(server_url, name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_broker_argument(parser)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--tx-events", type=int, default=100, help="events per transaction")
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--rate", type=float, default=1000.0)
    parser.add_argument("--latency-seconds", type=float, default=10.0)
    parser.add_argument("--role", choices=["bench", "consumer"], default="bench")
    parser.add_argument("--dsn")
    parser.add_argument("--bootstrap")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.role == "consumer":
        asyncio.run(consumer_main(args.dsn, args.bootstrap))
    else:
        asyncio.run(bench(args))


if __name__ == "__main__":
    main()
