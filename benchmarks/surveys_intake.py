"""Surveys service benchmark: HTTP intake throughput and latency, and IKM reads over 1M responses.

    python benchmarks/surveys_intake.py [--rate 100] [--seconds 8] [--responses 1000000]

What it does, all on loopback and bounded in time:
1. Starts its own embedded broker (Apache Kafka; Tansu with --broker tansu) and uses PostgreSQL from DATABASE_URL (or an
   embedded server), then runs ONE surveys service process (uvicorn, rate limit off) on a
   fresh database.
2. Baseline: the same process answering GET /health - maximum rate (closed loop, C connections)
   and latency at a fixed offered load (open loop: requests are sent on schedule, latency is
   measured from the scheduled time, so a stall is not hidden).
3. Intake: POST /api/v1/responses the same two ways (each accepted response = response row,
   8 aggregate upserts, gap check, outbox row, all in one transaction; the relay publishes).
4. Bulk-loads N responses (default 1,000,000) with COPY, builds their aggregate rows in one
   SQL pass, VACUUMs, then measures IKM query latency (unit/service/period, city-wide) and the intake
   latency again at the same offered load: it must not grow with the number stored. The IKM
   queries run once after the first 10,000 and again after the rest: their p99 side by side.
The database is dropped at the end; the broker and any embedded PostgreSQL are stopped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil
from bulk_responses import CODES, bulk_load, quiesce
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from asn_devkit.benchmarking import (
    HOST,
    add_broker_argument,
    bench_broker,
    bench_headers,
    drop_database,
    percentile,
    postgres_server,
    service_env,
    service_process,
    wait_ready,
)
from asn_devkit.embedded.processes import free_port
from asn_devkit.loadgen import ConnPool, HttpConn, cpu_seconds
from asn_platform.db import with_database
from asn_platform.kafka import ensure_topics
from asn_platform.tangsel import UNITS
from asn_platform.vocabulary import Education, Occupation

console = Console(width=132)  # wide enough for the tables when the output is captured
ME = psutil.Process()
AUTH = {"header": ""}  # "Bearer <admin token>", set once the service is up (rate limit off)


@dataclass
class Run:
    name: str
    sent: int = 0
    ok: int = 0
    failed: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    server_cpu_s: float = 0.0
    client_cpu_s: float = 0.0  # this load generator's own CPU during the run

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        return percentile(sorted(self.latencies_ms), q)


Request = Callable[[], tuple[str, str, bytes]]


async def _one(pool: ConnPool, make: Request, expect: int, run: Run, started: float) -> None:
    method, path, body = make()
    try:
        status, _ = await pool.request(method, path, body)
    except Exception:
        run.failed += 1
        return
    run.latencies_ms.append((time.perf_counter() - started) * 1000)
    if status == expect:
        run.ok += 1
    else:
        run.failed += 1


async def closed_loop(
    port: int,
    make: Request,
    expect: int,
    name: str,
    seconds: float,
    concurrency: int,
    server: psutil.Process,
    progress: Progress,
) -> Run:
    """Maximum rate: `concurrency` clients each sending the next request when one returns."""
    run = Run(name)
    pool = ConnPool(port, concurrency, AUTH["header"])
    task = progress.add_task(f"{name}: max rate, {concurrency} connections", total=seconds)
    cpu0, client0 = cpu_seconds(server), cpu_seconds(ME)
    start = time.perf_counter()
    deadline = start + seconds

    async def worker() -> None:
        while time.perf_counter() < deadline:
            run.sent += 1
            await _one(pool, make, expect, run, time.perf_counter())

    async def tick() -> None:
        while time.perf_counter() < deadline:
            progress.update(task, completed=time.perf_counter() - start)
            await asyncio.sleep(0.2)

    await asyncio.gather(tick(), *(worker() for _ in range(concurrency)))
    run.seconds = time.perf_counter() - start
    run.server_cpu_s = cpu_seconds(server) - cpu0
    run.client_cpu_s = cpu_seconds(ME) - client0
    progress.update(task, completed=seconds)
    pool.close()
    return run


async def open_loop(
    port: int,
    make: Request,
    expect: int,
    name: str,
    rate: float,
    seconds: float,
    server: psutil.Process,
    progress: Progress,
) -> Run:
    """Fixed offered load: request i is due at start + i/rate, whatever earlier ones are doing;
    latency counts from the due time (no coordinated omission)."""
    run = Run(name)
    pool = ConnPool(port, 512, AUTH["header"])
    total = int(rate * seconds)
    task = progress.add_task(f"{name}: {rate:.0f}/s for {seconds:.0f}s", total=total)
    cpu0, client0 = cpu_seconds(server), cpu_seconds(ME)
    start = time.perf_counter()
    tasks = []
    for i in range(total):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        run.sent += 1
        tasks.append(asyncio.create_task(_one(pool, make, expect, run, due)))
        if i % 50 == 0:
            progress.update(task, completed=i)
    await asyncio.gather(*tasks)
    run.seconds = time.perf_counter() - start
    run.server_cpu_s = cpu_seconds(server) - cpu0
    run.client_cpu_s = cpu_seconds(ME) - client0
    progress.update(task, completed=total)
    pool.close()
    return run


# --- request bodies ---------------------------------------------------------------------------
def intake_maker(seed: int = 7) -> Request:
    rnd = random.Random(seed)
    bodies = []
    for _ in range(2000):
        unit = rnd.choice(UNITS)
        bodies.append(
            json.dumps(
                {
                    "unit_id": unit.unit_id,
                    "service": rnd.choice(unit.services),
                    "answers": {c: rnd.choice((2, 3, 3, 4, 4)) for c in CODES},
                    "respondent": {
                        "sex": rnd.choice("LP"),
                        "age": rnd.randint(18, 75),
                        "education": rnd.choice([e.value for e in Education]),
                        "occupation": rnd.choice([o.value for o in Occupation]),
                    },
                }
            ).encode()
        )
    cycle = iter(range(10**12))

    def make() -> tuple[str, str, bytes]:
        return "POST", "/api/v1/responses", bodies[next(cycle) % len(bodies)]

    return make


def health_maker() -> Request:
    return lambda: ("GET", "/health", b"")


async def query_latencies(
    port: int, paths: list[str], repeats: int, progress: Progress
) -> dict[str, Run]:
    out = {}
    conn = await HttpConn.open(port, AUTH["header"])
    task = progress.add_task("IKM queries", total=len(paths) * repeats)
    try:
        for path in paths:
            run = Run(path)
            for _ in range(repeats):
                t0 = time.perf_counter()
                status, _ = await conn.request("GET", path)
                run.latencies_ms.append((time.perf_counter() - t0) * 1000)
                run.ok += status == 200
                run.failed += status != 200
                progress.advance(task)
            out[path] = run
    finally:
        conn.close()
    return out


SMALL_BULK = 10_000  # the first bulk step: the IKM queries at about 10k stored


async def bulk_then_query(
    args: argparse.Namespace,
    port: int,
    dsn: str,
    count: int,
    seed: int,
    paths: list[str],
    progress: Progress,
) -> tuple[int, Table, dict[str, Run]]:
    """Bulk-load ``count`` more responses, quiesce, then time the IKM queries."""
    with progress:
        tasks: dict[str, Any] = {}

        def on_progress(step: str, done: int, total: int) -> None:
            if step not in tasks:
                label = f"COPY {total:,} responses" if step == "copy" else "aggregate rows"
                tasks[step] = progress.add_task(label, total=total)
            progress.update(tasks[step], completed=done)

        timings = await bulk_load(dsn, count, args.bulk_year, on_progress, seed=seed)
        vacuum_s = await quiesce(dsn)
        stored = await _count(dsn)
        console.print(
            f"bulk load: {count:,} responses by COPY in {timings['copy_s']:.1f}s,"
            f" aggregate rows in {timings['aggregate_s']:.1f}s, then VACUUM ANALYZE + "
            f"CHECKPOINT {vacuum_s:.1f}s; {stored:,} stored"
        )
        reads = await query_latencies(port, paths, args.query_repeats, progress)
        await quiesce(dsn)
    return stored, await ikm_table(port, stored, reads, args.query_repeats), reads


async def ikm_table(port: int, stored: int, reads: dict[str, Run], repeats: int) -> Table:
    """The queries' latencies with the n each answers now (read at once: the next bulk
    load changes it)."""
    table = Table(
        title=f"IKM query latency with {stored:,} responses stored "
        f"({repeats} sequential requests each)"
    )
    for col in ("query", "n in bucket", "p50 ms", "p99 ms", "max ms"):
        table.add_column(col, justify="left" if col == "query" else "right")
    check = await HttpConn.open(port, AUTH["header"])
    try:
        for path, run in reads.items():
            _, body = await check.request("GET", path)
            table.add_row(
                path,
                f"{json.loads(body)['n']:,}",
                f"{run.pct(50):.1f}",
                f"{run.pct(99):.1f}",
                f"{max(run.latencies_ms):.1f}",
            )
    finally:
        check.close()
    return table


# --- orchestration ------------------------------------------------------------------------------
async def batch_sizes(port: int) -> str:
    """Submissions per intake transaction, from the service's own histogram (/metrics)."""
    conn = await HttpConn.open(port, AUTH["header"])
    try:
        status, body = await conn.request("GET", "/metrics")
    finally:
        conn.close()
    values = {}
    for line in body.decode().splitlines():
        name, _, value = line.partition(" ")
        if name in ("surveys_intake_batch_size_sum", "surveys_intake_batch_size_count"):
            values[name.rsplit("_", 1)[1]] = float(value)
    if status != 200 or not values.get("count"):
        return "no batches recorded (ASN_INTAKE_BATCH_MAX=1?)"
    mean = values["sum"] / values["count"]
    return (
        f"{values['sum']:,.0f} submissions in {values['count']:,.0f} transactions, "
        f"{mean:.1f} per transaction"
    )


async def outbox_drain(dsn: str, timeout_s: float = 60) -> tuple[int, float]:
    conn = await asyncpg.connect(dsn)
    started = time.perf_counter()
    try:
        while True:
            pending = await conn.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
            if pending == 0 or time.perf_counter() - started > timeout_s:
                return int(pending), time.perf_counter() - started
            await asyncio.sleep(0.1)
    finally:
        await conn.close()


def latency_table(title: str, runs: list[Run], offered: float | None = None) -> Table:
    table = Table(title=title)
    for col in (
        "run",
        "ok/s",
        "ok",
        "failed",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "server CPU ms/req",
        "client CPU ms/req",
    ):
        table.add_column(col, justify="right" if col != "run" else "left")
    for run in runs:
        cpu = run.server_cpu_s / run.ok * 1000 if run.ok else float("nan")
        client = run.client_cpu_s / run.ok * 1000 if run.ok else float("nan")
        table.add_row(
            run.name,
            f"{run.rate:,.0f}",
            f"{run.ok:,}",
            f"{run.failed:,}",
            f"{run.pct(50):.1f}",
            f"{run.pct(95):.1f}",
            f"{run.pct(99):.1f}",
            f"{max(run.latencies_ms or [float('nan')]):.1f}",
            f"{cpu:.2f}",
            f"{client:.2f}",
        )
    return table


async def main_async(args: argparse.Namespace) -> None:
    console.rule("[bold]surveys intake benchmark")
    console.print(
        f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
        "(other work on the machine skews latency; compare runs on a quiet machine)"
    )
    console.print(
        f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; "
        "load generator, service and PostgreSQL share them"
    )
    with (
        bench_broker(args.broker) as broker,
        postgres_server(("DATABASE_URL", "ASN_DATABASE_URL")) as (server_url, _source),
    ):
        await ensure_topics(broker.bootstrap)
        prefix = f"asn_bench_{secrets.token_hex(3)}_"
        database = f"{prefix}surveys"
        dsn = with_database(server_url, database)
        port = free_port()
        env = service_env(
            broker.bootstrap,
            server_url,
            prefix,
            port,
            ASN_RATE_LIMIT_PER_MINUTE="0",  # one client sends everything here
        )
        log_path = Path(tempfile.gettempdir()) / f"asn-bench-surveys-{port}.log"
        try:
            with service_process("asn_surveys", env, log_path, stop_timeout_s=30) as proc:
                async with httpx.AsyncClient(base_url=f"http://{HOST}:{port}") as client:
                    await wait_ready(client, proc, log_path, timeout_s=60)
                server = psutil.Process(proc.pid)
                AUTH["header"] = bench_headers("admin")["Authorization"]
                await run_phases(args, port, dsn, server)
        finally:
            await drop_database(server_url, database)


async def run_phases(args: argparse.Namespace, port: int, dsn: str, server: psutil.Process) -> None:
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    with progress:
        # warm-up: connections, prepared statements, first buckets
        await closed_loop(port, intake_maker(1), 201, "warm-up", 1.5, 8, server, progress)
        await closed_loop(port, health_maker(), 200, "warm-up", 1.0, 8, server, progress)
        h_max = await closed_loop(
            port,
            health_maker(),
            200,
            "GET /health",
            args.seconds,
            args.concurrency,
            server,
            progress,
        )
        i_max = await closed_loop(
            port,
            intake_maker(),
            201,
            "POST /api/v1/responses",
            args.seconds,
            args.concurrency,
            server,
            progress,
        )
        pending, drain_s = await outbox_drain(dsn)
        batches = await batch_sizes(port)
        await quiesce(dsn)
        h_fix = await open_loop(
            port, health_maker(), 200, "GET /health", args.rate, args.seconds, server, progress
        )
        await quiesce(dsn)
        i_fix = await open_loop(
            port,
            intake_maker(3),
            201,
            "POST /api/v1/responses",
            args.rate,
            args.seconds,
            server,
            progress,
        )
    console.print(
        latency_table(
            f"Maximum rate ({args.concurrency} keep-alive connections, {args.seconds:.0f}s)",
            [h_max, i_max],
        )
    )
    console.print(
        f"intake / baseline: {i_max.rate / h_max.rate:.1%} of the trivial endpoint's "
        f"rate; outbox after the max-rate run: {pending} pending, drained "
        f"{drain_s:.1f}s after the run ended"
    )
    console.print(f"group commit so far (warm-up + max rate): {batches}")
    console.print(
        latency_table(
            f"Fixed offered load {args.rate:.0f} req/s for {args.seconds:.0f}s (open loop)",
            [h_fix, i_fix],
        )
    )

    stored_before = await _count(dsn)
    y = args.bulk_year
    paths = [
        f"/api/v1/ikm/units/disdukcapil?period={y}-Q3",
        f"/api/v1/ikm/units/disdukcapil?period={y}-M7&service=KTP-el",
        f"/api/v1/ikm/units/puskesmas-pamulang?period={y}-Y",
        f"/api/v1/ikm/city?period={y}-Q3",
        f"/api/v1/ikm/city?period={y}-Y",
    ]
    # The same queries with about 10,000 stored and with the whole bulk: flat in N or not.
    first = min(SMALL_BULK, args.responses)
    small_stored, small_table, small_reads = await bulk_then_query(
        args, port, dsn, first, 11, paths, progress
    )
    stored, large_table, reads = await bulk_then_query(
        args, port, dsn, args.responses - first, 12, paths, progress
    )
    with progress:
        i_after = await open_loop(
            port,
            intake_maker(5),
            201,
            f"POST /api/v1/responses ({stored:,} stored)",
            args.rate,
            args.seconds,
            server,
            progress,
        )
    console.print(small_table)
    console.print(large_table)
    flat = Table(title=f"IKM query p99: {small_stored:,} vs {stored:,} stored (goal: within 1.2x)")
    for col in ("query", f"p99 ms at {small_stored:,}", f"p99 ms at {stored:,}", "ratio"):
        flat.add_column(col, justify="left" if col == "query" else "right")
    for path in paths:
        small, large = small_reads[path].pct(99), reads[path].pct(99)
        flat.add_row(path, f"{small:.1f}", f"{large:.1f}", f"{large / small:.2f}")
    console.print(flat)
    i_fix.name = f"POST /api/v1/responses ({stored_before:,} stored)"
    console.print(
        latency_table(
            f"Intake at {args.rate:.0f} req/s: before and after the bulk load", [i_fix, i_after]
        )
    )
    await _consistency(dsn, y)
    console.print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


async def _count(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM responses"))
    finally:
        await conn.close()


async def _consistency(dsn: str, year: int) -> None:
    """The bulk-built and incrementally built rows agree with the stored responses."""
    conn = await asyncpg.connect(dsn)
    try:
        bad = await conn.fetchval(
            """SELECT count(*) FROM ikm_buckets b
               WHERE b.period_key LIKE '%-Y' AND b.service = '' AND b.n <> (
                 SELECT count(*) FROM responses r WHERE r.unit_id = b.unit_id
                   AND extract(year FROM r.submitted_at AT TIME ZONE 'Asia/Jakarta')::int
                       = split_part(b.period_key, '-', 1)::int)"""
        )
    finally:
        await conn.close()
    status = "[green]ok" if bad == 0 else f"[red]{bad} year buckets disagree"
    console.print(f"consistency (year buckets n = stored responses per unit): {status}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_broker_argument(parser)
    parser.add_argument("--rate", type=float, default=100.0, help="fixed offered load, req/s")
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each load run")
    parser.add_argument("--concurrency", type=int, default=32, help="max-rate connections")
    parser.add_argument("--responses", type=int, default=1_000_000, help="bulk-loaded responses")
    parser.add_argument("--bulk-year", type=int, default=2025)
    parser.add_argument("--query-repeats", type=int, default=500)
    args = parser.parse_args()
    if not 1 <= args.rate <= 5000 or not 1 <= args.seconds <= 120:
        parser.error("keep it bounded: --rate 1..5000, --seconds 1..120")
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
