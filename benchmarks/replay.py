"""Benchmark: how fast `asn-recommendations-replay --all` rebuilds the recommendations read
models from the input topics, against raw consumption of the same topics.

    python benchmarks/replay.py [--surveys 950000] [--enrollments 35000] [--completions 14000]
        [--units 20] [--staff 50] [--gaps 40] [--idle-ms 1500] [--profile out.speedscope.json]

Starts its own embedded broker (Apache Kafka; Tansu with --broker tansu), on PostgreSQL from
DATABASE_URL or else an embedded server in a temporary folder.

1. Pre-produces the mixed stream of recommendations_consume.py (its stream builder and
   producer, imported): by default about 1,000,000 events, mostly survey-submitted as in
   production, plus the roster, enrollment changes, completions and opened gaps.
2. Baseline on the same topics: raw aiokafka consumption (the same function as
   recommendations_consume.py's), and consumption plus CloudEvents decoding.
3. Creates a fresh database with the migrations applied and runs the real command,
   `python -m asn_recommendations.replay --all`, as a process with the ASN_* variables (its
   progress bars on this terminal); timed from start to exit, so Python's start, the
   connection set-up and the end-of-topic wait (--idle-ms per topic, 7 topics) count too.
4. Checks the rebuilt state: per period kind the answer counts add up to surveys x 9; one
   roster row per profile, one row per enrollment, completion and gap; every event recorded
   in the live inbox as done. Exit status 1 if any check fails.

With --profile FILE the command runs under py-spy (`py-spy record`, speedscope format; py-spy
on PATH or in ~/.local/bin) and the figure is not comparable (sampling costs a little).

Bounded (fixed counts, loopback only); the database is dropped and the broker stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import secrets
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import asyncpg
from recommendations_consume import (
    FEED_GROUPS,
    SOURCES,
    build_stream,
    console,
    produce,
    raw_consume,
    records_of,
)
from rich.table import Table

from asn_devkit.benchmarking import (
    add_broker_argument,
    bench_broker,
    counting_progress,
    drop_database,
    postgres_server,
)
from asn_platform.db import ensure_database, migrate, with_database
from asn_platform.kafka import ensure_topics
from asn_recommendations.main import DEFINITION

PERIOD_KINDS = ("M", "Q", "S", "Y")
ELEMENTS_PER_SURVEY = 9


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def py_spy() -> str:
    found = shutil.which("py-spy") or str(Path.home() / ".local" / "bin" / "py-spy")
    if not Path(found).exists():
        raise SystemExit("--profile needs py-spy (python3 -m pip install --user py-spy)")
    return found


async def run_replay(env: dict[str, str], args: argparse.Namespace) -> float:
    """Seconds the real command takes, start to exit; its output goes to this terminal."""
    command = [sys.executable, "-m", "asn_recommendations.replay", "--all"]
    command += ["--idle-ms", str(args.idle_ms)]
    if args.profile:
        command = [py_spy(), "record", "--format", "speedscope", "-o", args.profile, "--", *command]
    began = time.perf_counter()
    done = await asyncio.to_thread(subprocess.run, command, env=env, timeout=args.timeout)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"the replay failed (exit status {done.returncode})")
    return seconds


async def check_state(
    dsn: str, kinds: Counter[str], per_topic: Counter[str], surveys: int
) -> list[tuple[str, object, object]]:
    """(what, expected, found) for the rebuilt read models and the inbox."""
    conn = await asyncpg.connect(dsn)
    try:
        counts = {
            r["period_kind"]: r["n"]
            for r in await conn.fetch(
                "SELECT period_kind, sum(answer_count) AS n FROM rm_element_counts"
                " GROUP BY period_kind"
            )
        }
        checks: list[tuple[str, object, object]] = [
            (
                f"rm_element_counts: answers, period kind {kind}",
                surveys * ELEMENTS_PER_SURVEY,
                int(counts.get(kind, 0)),
            )
            for kind in PERIOD_KINDS
        ]
        for table, kind in (
            ("rm_profiles", "AsnProfileChanged"),
            ("rm_enrollments", "EnrollmentChanged"),
            ("rm_completions", "TrainingCompleted"),
            ("rm_gaps", "ServiceGapDetected"),
        ):
            checks.append(
                (
                    f"{table}: rows",
                    kinds[kind],
                    await conn.fetchval(f"SELECT count(*) FROM {table}"),
                )
            )
        inbox = {
            r["consumer_group"]: r["n"]
            for r in await conn.fetch(
                "SELECT consumer_group, count(*) AS n FROM inbox GROUP BY consumer_group"
            )
        }
        for topic, group in FEED_GROUPS.items():
            checks.append((f"inbox: {group}", per_topic[topic], inbox.get(group, 0)))
        return checks
    finally:
        await conn.close()


async def benchmark(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    run_id = secrets.token_hex(3)
    prefix = f"asn_bench_{run_id}_"
    database = f"{prefix}recommendations"
    began = time.perf_counter()
    events, kinds = build_stream(args, rng)
    records = records_of(events, SOURCES)
    del events
    per_topic = Counter(r.topic for r in records)
    total = len(records)
    console.print(
        f"stream: {total} events built and encoded in {time.perf_counter() - began:.0f} s: "
        + ", ".join(f"{k} {v}" for k, v in kinds.most_common())
    )

    with postgres_server() as (server_url, pg_source), bench_broker(args.broker) as broker:
        await ensure_topics(broker.bootstrap)
        console.print(f"broker {broker.bootstrap} ({broker.label}), PostgreSQL from {pg_source}")
        dsn = with_database(server_url, database)
        try:
            progress = counting_progress(console, width=12)
            with progress:
                produced_s = await produce(broker.bootstrap, records, progress)
                del records
                load_raw = load()
                raw_s = await raw_consume(
                    broker.bootstrap, total, validate=False, progress=progress
                )
                dec_s = await raw_consume(broker.bootstrap, total, validate=True, progress=progress)
            await ensure_database(server_url, database)
            await migrate(dsn, DEFINITION.migration_packages)
            env = {
                **os.environ,
                "ASN_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap,
                "ASN_DATABASE_URL": server_url,
                "ASN_DATABASE_PREFIX": prefix,
            }
            env.pop("DATABASE_URL", None)
            env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
            load_before = load()
            console.print(f"replay into a fresh database {database} (load average {load_before})")
            replay_s = await run_replay(env, args)
            load_after = load()
            checks = await check_state(dsn, kinds, per_topic, kinds["SurveySubmitted"])
        finally:
            await drop_database(server_url, database)

    table = Table(title=f"recommendations: replay of the read models ({total} events)")
    for column in ("path", "events", "seconds", "events/s", "vs raw"):
        table.add_column(column, justify="left" if column == "path" else "right")
    raw_rate = total / raw_s
    rows = (
        ("produce (aiokafka, acks=all)", produced_s),
        ("baseline: raw aiokafka consume", raw_s),
        ("baseline: consume + CloudEvents decode", dec_s),
        ("asn-recommendations-replay --all (into a fresh database)", replay_s),
    )
    for label, seconds in rows:
        rate = total / seconds
        table.add_row(
            label, f"{total:,}", f"{seconds:.2f}", f"{rate:,.0f}", f"{rate / raw_rate:.3f}"
        )
    console.print(table)
    console.print(
        f"replay / raw consume: {raw_s / replay_s:.3f} (target >= 0.25); the replay's time "
        f"includes the process start and {args.idle_ms} ms of quiet at the end of each of its "
        f"7 topics. Load average: {load_raw} before the baseline, {load_before} before and "
        f"{load_after} after the replay ({os.cpu_count()} cores)."
        + (f" Profiled with py-spy: {args.profile}." if args.profile else "")
    )
    result = Table(title="rebuilt state")
    for column in ("check", "expected", "found", ""):
        result.add_column(column, justify="left" if column == "check" else "right")
    failed = 0
    for what, expected, found in checks:
        ok = expected == found
        failed += not ok
        result.add_row(what, f"{expected:,}", f"{found:,}", "ok" if ok else "[red]WRONG[/red]")
    console.print(result)
    console.print(
        "rebuilt state: right" if not failed else f"[red]rebuilt state: {failed} checks failed"
    )
    return 1 if failed else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_broker_argument(parser)
    parser.add_argument("--surveys", type=int, default=950_000)
    parser.add_argument("--enrollments", type=int, default=35_000)
    parser.add_argument("--completions", type=int, default=14_000)
    parser.add_argument("--units", type=int, default=20)
    parser.add_argument("--staff", type=int, default=50, help="profiles per unit")
    parser.add_argument("--gaps", type=int, default=40, help="opened gaps in the stream")
    parser.add_argument(
        "--idle-ms", type=int, default=1500, help="the replay's end-of-topic wait (its default)"
    )
    parser.add_argument("--profile", metavar="FILE", help="run the replay under py-spy record")
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--seed", type=int, default=7)
    raise SystemExit(asyncio.run(benchmark(parser.parse_args())))


if __name__ == "__main__":
    main()
