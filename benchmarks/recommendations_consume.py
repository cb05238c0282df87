"""Benchmark: how fast the recommendations service consumes and applies its input events, and
how long a gap takes to become a scheduled programme.

    python benchmarks/recommendations_consume.py [--surveys 40000] [--enrollments 5000]
        [--completions 2000] [--units 20] [--staff 50] [--gaps 40] [--latency-gaps 30]
        [--instances 1]

Starts its own embedded broker (Apache Kafka; Tansu with --broker tansu) and the service as a separate process
(`python -m asn_recommendations`, real runtime: inbox, outbox relay, HTTP), on PostgreSQL from
DATABASE_URL or else an embedded server in a temporary folder.

1. Produces the seed programme catalogue (what the service may schedule), then pre-produces
   a mixed stream of the five input event types as the other services would
   (real CloudEvents, keyed): the roster (asn-profile-changed), SKM responses
   (survey-submitted), enrollment changes (with declines and no-shows, which earn nudges),
   completions (each earns a fresh recommendation-issued), and gaps (opened ones are decided
   and scheduled, each cohort member gets a recommendation-issued).
2. Baselines on the same stream: raw aiokafka consumption, and consumption plus CloudEvents
   decoding and contract validation.
3. Starts the service with the inbox table locked, so that every consumer group has joined and
   fetched before anything is applied; releases the lock and times until every event is in
   the consumers' inboxes (applied, with all reactions, in PostgreSQL). With --instances N,
   N service processes on ports of their own share the database and the consumer groups
   (Kafka splits each topic's partitions between them); the lock is released once every
   group is stable with N members.
4. Gap -> programme-scheduled: publishes one opened gap at a time for units with staff and
   times until the programme-scheduled event is read back from the broker (decision,
   transaction, outbox relay, broker); p50/p99.

Bounded (fixed counts, loopback only); the database is dropped and the broker stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import statistics
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from confluent_kafka.admin import AdminClient
from rich.console import Console
from rich.progress import Progress, TaskID
from rich.table import Table

from asn_devkit.benchmarking import (
    HOST,
    add_broker_argument,
    bench_broker,
    counting_progress,
    drop_database,
    percentile,
    postgres_server,
    service_env,
    service_process,
    wait_ready,
)
from asn_devkit.embedded.processes import free_port
from asn_platform import topics
from asn_platform.contracts import (
    AsnProfileChanged,
    EnrollmentChanged,
    Event,
    ProfileChange,
    ServiceGapDetected,
    SurveySubmitted,
    TrainingCompleted,
)
from asn_platform.contracts.enrollment import CatalogueChange, ProgrammeCatalogueChanged
from asn_platform.db import ensure_database, migrate, with_database
from asn_platform.envelope import KafkaRecord, decode, encode
from asn_platform.kafka import ensure_topics
from asn_platform.periods import Period
from asn_platform.tangsel import CATALOGUE, UNITS
from asn_platform.timezone import now_jakarta
from asn_platform.vocabulary import (
    ELEMENTS,
    LEADERSHIP_KINDS,
    ElementCode,
    EnrollmentStatus,
    Mutu,
    PositionType,
)

console = Console()
INPUT_TOPICS = (
    topics.ASN_PROFILE_CHANGED,
    topics.SURVEY_SUBMITTED,
    topics.ENROLLMENT_CHANGED,
    topics.TRAINING_COMPLETED,
    topics.SERVICE_GAP_DETECTED,
)
FEED_GROUPS = {
    topics.ASN_PROFILE_CHANGED: "recommendations.profiles",
    topics.SURVEY_SUBMITTED: "recommendations.surveys",
    topics.ENROLLMENT_CHANGED: "recommendations.enrollments",
    topics.TRAINING_COMPLETED: "recommendations.completions",
    topics.SERVICE_GAP_DETECTED: "recommendations.gaps",
}
PROGRAMMES = [p for p in CATALOGUE if p.kind not in LEADERSHIP_KINDS]
GAP_ELEMENTS = ("U1", "U2", "U3", "U4", "U6", "U7", "U8", "U9")


# -- the stream ---------------------------------------------------------------------------------


class Names:
    def __init__(self) -> None:
        self.n = 0

    def nip(self) -> str:
        self.n += 1
        n = self.n
        return (
            f"19{70 + n % 25:02d}{n // 25 % 12 + 1:02d}{n // 300 % 28 + 1:02d}"
            f"2005{n % 12 + 1:02d}{1 + n % 2}{n // 8400 % 1000:03d}"
        )


def previous_quarter() -> Period:
    today = now_jakarta().date()
    q = (today.month - 1) // 3 + 1
    return Period.parse(f"{today.year - 1}-Q4" if q == 1 else f"{today.year}-Q{q - 1}")


def staff_of(unit_id: str, bidang: str, count: int, names: Names, at: datetime) -> list[Event]:
    boss = names.nip()
    out: list[Event] = [
        AsnProfileChanged(
            nip=boss,
            name=f"Kepala {unit_id}",
            unit_id=unit_id,
            bidang=bidang,  # type: ignore[arg-type]
            position="Kepala Bidang",
            position_type=PositionType.STRUKTURAL,
            rank="IV/a",
            active=True,
            change=ProfileChange.CREATED,
            changed_at=at,
        )
    ]
    for i in range(count - 1):
        kind = PositionType.FUNGSIONAL if i % 3 == 0 else PositionType.PELAKSANA
        out.append(
            AsnProfileChanged(
                nip=names.nip(),
                name=f"Pegawai {unit_id} {i}",
                unit_id=unit_id,
                bidang=bidang,  # type: ignore[arg-type]
                position="Pelaksana Layanan",
                position_type=kind,
                rank="III/a",
                supervisor_nip=boss,
                active=True,
                change=ProfileChange.CREATED,
                changed_at=at,
            )
        )
    return out


def gap_event(unit_id: str, bidang: str, element: str, period: Period, at: datetime) -> Event:
    code = ElementCode(element)
    return ServiceGapDetected(
        status="opened",  # type: ignore[arg-type]
        unit_id=unit_id,
        unit_name=f"Unit {unit_id}",
        bidang=bidang,  # type: ignore[arg-type]
        element=code,
        element_name=ELEMENTS[code].name_id,
        score_nrr=2.4,
        score_converted=60.0,
        mutu=Mutu.D,
        sample_size=400,
        required_sample=370,
        period=period.key,
        period_label=period.label("id"),
        trend="first",  # type: ignore[arg-type]
        threshold=76.61,
        detected_at=at,
    )


def build_stream(args: argparse.Namespace, rng: random.Random) -> tuple[list[Event], Counter[str]]:
    names = Names()
    now = now_jakarta()
    units = [(f"bench-{i:03d}", UNITS[i % len(UNITS)].bidang.value) for i in range(args.units)]
    profiles: list[Event] = []
    for unit_id, bidang in units:
        profiles += staff_of(unit_id, bidang, args.staff, names, now - timedelta(days=30))
    people = [(p.nip, p.unit_id) for p in profiles if isinstance(p, AsnProfileChanged)]

    surveys: list[Event] = []
    start = now - timedelta(days=180)
    for _ in range(args.surveys):
        unit_id, bidang = rng.choice(units)
        surveys.append(
            SurveySubmitted(
                response_id=str(uuid.UUID(int=rng.getrandbits(128))),
                unit_id=unit_id,
                bidang=bidang,  # type: ignore[arg-type]
                service="Layanan",
                answers={ElementCode(f"U{i}"): rng.choice((2, 3, 3, 4)) for i in range(1, 10)},
                respondent={  # type: ignore[arg-type]
                    "sex": rng.choice("LP"),
                    "age_band": "30-39",
                    "education": "S1",
                    "occupation": "Swasta",
                },
                submitted_at=start + timedelta(seconds=rng.randrange(180 * 86400)),
                channel="web",  # type: ignore[arg-type]
            )
        )

    statuses = (
        [EnrollmentStatus.INVITED] * 30
        + [EnrollmentStatus.ENROLLED] * 30
        + [EnrollmentStatus.ATTENDED] * 20
        + [EnrollmentStatus.DECLINED] * 12
        + [EnrollmentStatus.NO_SHOW] * 8
    )
    enrollments: list[Event] = []
    for i in range(args.enrollments):
        nip, _ = rng.choice(people)
        status = rng.choice(statuses)
        enrollments.append(
            EnrollmentChanged(
                enrollment_id=f"enr-{i}",
                nip=nip,
                programme_code=rng.choice(PROGRAMMES).code,
                session_id=f"ses-{i % 97}",
                status=status,
                previous_status=EnrollmentStatus.INVITED,
                changed_at=now - timedelta(minutes=args.enrollments - i),
            )
        )

    completions: list[Event] = []
    for i in range(args.completions):
        nip, unit_id = rng.choice(people)
        programme = rng.choice(PROGRAMMES)
        completions.append(
            TrainingCompleted(
                enrollment_id=f"cmp-{i}",
                nip=nip,
                unit_id=unit_id,
                programme_code=programme.code,
                programme_kind=programme.kind,
                competencies=list(programme.competencies),
                jp_credited=programme.jp,
                score=80.0,
                completed_at=now - timedelta(days=rng.randrange(1, 300)),
            )
        )

    period = previous_quarter()
    gaps: list[Event] = []
    for i in range(args.gaps):
        unit_id, bidang = units[i % len(units)]
        element = GAP_ELEMENTS[(i // len(units)) % len(GAP_ELEMENTS)]
        gaps.append(gap_event(unit_id, bidang, element, period, now))

    stream = profiles + surveys + enrollments + completions + gaps
    kinds = Counter(type(e).__name__ for e in stream)
    return stream, kinds


def catalogue() -> list[Event]:
    """The seed programme catalogue as enrollment announces it (the service schedules and
    recommends only programmes in it); produced before the stream, not counted in it."""
    now = now_jakarta()
    return [
        ProgrammeCatalogueChanged(
            code=p.code,
            title=p.title,
            kind=p.kind,
            competencies=list(p.competencies),
            target_fields=list(p.target_fields),
            jp=p.jp,
            benefit_id=p.benefit_id,
            benefit_en=p.benefit_en,
            default_capacity=p.capacity,
            days=p.days,
            active=True,
            change=CatalogueChange.CREATED,
            changed_at=now,
        )
        for p in CATALOGUE
    ]


def records_of(events: list[Event], source_of: dict[str, str]) -> list[KafkaRecord]:
    return [encode(e, source=source_of[e.topic.split(".")[1]]) for e in events]


SOURCES = {"surveys": "/tangsel/surveys", "enrollment": "/tangsel/enrollment"}


async def produce(bootstrap: str, records: list[KafkaRecord], progress: Progress) -> float:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=5, max_batch_size=256 * 1024
    )
    await producer.start()
    task = progress.add_task("produce", total=len(records))
    began = time.perf_counter()
    try:
        for i in range(0, len(records), 2000):
            chunk = records[i : i + 2000]
            futures = [
                await producer.send(r.topic, r.value, key=r.key, headers=r.headers) for r in chunk
            ]
            await asyncio.gather(*futures)
            progress.update(task, advance=len(chunk))
    finally:
        await producer.stop()
    return time.perf_counter() - began


async def raw_consume(bootstrap: str, total: int, *, validate: bool, progress: Progress) -> float:
    """Baseline: read the stream (optionally decoding it as the inbox does), nothing else."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=20,
        max_partition_fetch_bytes=4 * 1024 * 1024,
    )
    await consumer.start()
    task = progress.add_task("raw+decode" if validate else "raw", total=total)
    try:
        await consumer._client.force_metadata_update()
        tps = [
            TopicPartition(t, p)
            for t in INPUT_TOPICS
            for p in sorted(consumer.partitions_for_topic(t) or ())
        ]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        seen = 0
        began = time.perf_counter()
        while seen < total:
            batch = await consumer.getmany(timeout_ms=200, max_records=5000)
            for records in batch.values():
                if validate:
                    for r in records:
                        decode(r.topic, r.headers, r.value, key=r.key)
                seen += len(records)
            progress.update(task, completed=seen)
        return time.perf_counter() - began
    finally:
        await consumer.stop()


# -- the service --------------------------------------------------------------------------------


async def applied_counts(conn: asyncpg.Connection) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT consumer_group, count(*) AS n FROM inbox"
        " WHERE consumer_group = ANY($1::text[]) GROUP BY consumer_group",
        list(FEED_GROUPS.values()),
    )
    return {r["consumer_group"]: r["n"] for r in rows}


async def until_applied(
    watch: asyncpg.Connection,
    per_topic: Counter[str],
    *,
    began: float,
    watched: list[tuple[subprocess.Popen[bytes], Path]],
    timeout_s: float,
    progress: tuple[Progress, TaskID],
) -> dict[str, float]:
    """Polls the inbox until every event is in its group's; seconds since `began` at which each
    group was complete. SystemExit if a service process exits or after `timeout_s`."""
    total = sum(per_topic[t] for t in FEED_GROUPS)
    finished_at: dict[str, float] = {}
    while True:
        per_group = await applied_counts(watch)
        now = time.perf_counter()
        for topic, group in FEED_GROUPS.items():
            if group not in finished_at and per_group.get(group, 0) >= per_topic[topic]:
                finished_at[group] = now - began
        done = sum(per_group.values())
        progress[0].update(progress[1], completed=done)
        if done >= total:
            return finished_at
        for proc, log_path in watched:
            if proc.poll() is not None:
                raise SystemExit(f"a service instance exited; see {log_path}")
        if now - began > timeout_s:
            logs = ", ".join(str(p) for _, p in watched)
            raise SystemExit(f"not done after {timeout_s} s; see {logs}")
        await asyncio.sleep(0.05)


async def service_outputs(watch: asyncpg.Connection) -> dict[str, int]:
    queries = {
        "programmes scheduled": "SELECT count(*) FROM scheduled_programmes",
        "gaps flagged": "SELECT count(*) FROM gap_decisions WHERE outcome = 'flagged'",
        "nudges requested": "SELECT count(*) FROM nudges",
        "escalations": "SELECT count(*) FROM nudge_escalations",
        "recommendations issued": "SELECT count(*) FROM issued_recommendations",
    }
    return {name: await watch.fetchval(sql) for name, sql in queries.items()}


async def wait_groups_stable(bootstrap: str, members: int, timeout_s: float = 90.0) -> None:
    """Until every input topic's consumer group is Stable with `members` members (each
    service instance has one consumer per group)."""
    # confluent-kafka's admin client: aiokafka's sends a DescribeGroups version Kafka 4 dropped.
    admin = AdminClient({"bootstrap.servers": bootstrap, "log_level": 0})

    def describe() -> dict[str, tuple[str, int]]:
        futures = admin.describe_consumer_groups(list(FEED_GROUPS.values()), request_timeout=10)
        return {
            group: (d.state.name, len(d.members))
            for group, future in futures.items()
            for d in (future.result(timeout=10),)
        }

    deadline = time.monotonic() + timeout_s
    seen: dict[str, tuple[str, int]] = {}
    while time.monotonic() < deadline:
        seen = await asyncio.to_thread(describe)
        if all(state == "STABLE" and n == members for state, n in seen.values()):
            return
        await asyncio.sleep(0.25)
    raise SystemExit(f"consumer groups not stable with {members} members: {seen}")


async def gap_latency(bootstrap: str, args: argparse.Namespace, progress: Progress) -> list[float]:
    """Seconds from a gap event's ack to reading its programme-scheduled event back."""
    names = Names()
    names.n = 500_000  # NIPs distinct from the stream's
    now = now_jakarta()
    units = [(f"lat-{i:03d}", UNITS[i % len(UNITS)].bidang.value) for i in range(args.latency_gaps)]
    staff: list[Event] = []
    for unit_id, bidang in units:
        staff += staff_of(unit_id, bidang, args.latency_staff, names, now)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=5,
    )
    await producer.start()
    await consumer.start()
    latencies: list[float] = []
    try:
        await consumer._client.force_metadata_update()
        tps = [
            TopicPartition(topics.PROGRAMME_SCHEDULED, p)
            for p in sorted(consumer.partitions_for_topic(topics.PROGRAMME_SCHEDULED) or ())
        ]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        futures = []
        for r in records_of(staff, SOURCES):
            futures.append(await producer.send(r.topic, r.value, key=r.key, headers=r.headers))
        await asyncio.gather(*futures)
        await asyncio.sleep(2.0)  # let the roster land before the first gap
        period = previous_quarter()
        task = progress.add_task("gap->sched", total=len(units))
        for unit_id, bidang in units:
            [record] = records_of([gap_event(unit_id, bidang, "U7", period, now)], SOURCES)
            began = time.perf_counter()
            await (
                await producer.send(
                    record.topic, record.value, key=record.key, headers=record.headers
                )
            )
            key = f"{unit_id}:U7:{period.key}".encode()
            found = False
            deadline = began + 30
            while not found and time.perf_counter() < deadline:
                batch = await consumer.getmany(timeout_ms=50)
                for recs in batch.values():
                    for r in recs:
                        if r.key == unit_id.encode() and key in r.value:
                            found = True
            if not found:
                raise SystemExit(f"no programme-scheduled for {unit_id} within 30 s")
            latencies.append(time.perf_counter() - began)
            progress.update(task, advance=1)
    finally:
        await consumer.stop()
        await producer.stop()
    return latencies


async def benchmark(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    run_id = secrets.token_hex(3)
    prefix = f"asn_bench_{run_id}_"
    database = f"{prefix}recommendations"
    instances = args.instances
    log_paths = [
        Path(tempfile.gettempdir()) / f"asn-bench-recommendations-{run_id}-{i}.log"
        for i in range(instances)
    ]
    events, kinds = build_stream(args, rng)
    records = records_of(events, SOURCES)
    per_topic = Counter(r.topic for r in records)
    total = len(records)

    with postgres_server() as (server_url, pg_source), bench_broker(args.broker) as broker:
        await ensure_topics(broker.bootstrap)
        ports: list[int] = []
        while len(ports) < instances:
            if (port := free_port(HOST)) not in ports:
                ports.append(port)
        console.print(
            f"broker {broker.bootstrap} ({broker.label}), PostgreSQL from {pg_source}, "
            f"{instances} service instance(s) on "
            + ", ".join(f"http://{HOST}:{p}" for p in ports)
            + ", logs "
            + ", ".join(str(p) for p in log_paths)
            + f"\nstream: {total} events "
            + ", ".join(f"{k} {v}" for k, v in kinds.most_common())
        )
        progress = counting_progress(console, width=12)
        dsn = with_database(server_url, database)
        try:
            with progress:
                await produce(broker.bootstrap, records_of(catalogue(), SOURCES), progress)
                produced_s = await produce(broker.bootstrap, records, progress)
                raw_s = await raw_consume(
                    broker.bootstrap, total, validate=False, progress=progress
                )
                dec_s = await raw_consume(broker.bootstrap, total, validate=True, progress=progress)

                await ensure_database(server_url, database)
                await migrate(dsn, ["asn_platform", "asn_recommendations"])
                gate = await asyncpg.connect(dsn)
                gate_tx = gate.transaction()
                await gate_tx.start()
                # Nothing is applied until every consumer group has joined: all of them insert
                # into the inbox first, and INSERT waits for this lock.
                await gate.execute("LOCK TABLE inbox IN SHARE ROW EXCLUSIVE MODE")
                # (Tansu once needed a 2 s session timeout for quick group joins; Kafka joins
                # at once and refuses a session timeout below 6 s: the defaults apply.)
                with ExitStack() as stack:
                    procs = [
                        stack.enter_context(
                            service_process(
                                "asn_recommendations",
                                service_env(broker.bootstrap, server_url, prefix, port),
                                log_path,
                            )
                        )
                        for port, log_path in zip(ports, log_paths, strict=True)
                    ]
                    for proc, port, log_path in zip(procs, ports, log_paths, strict=True):
                        async with httpx.AsyncClient(base_url=f"http://{HOST}:{port}") as client:
                            await wait_ready(client, proc, log_path, timeout_s=120)
                    if instances > 1:
                        await wait_groups_stable(broker.bootstrap, instances)
                    await asyncio.sleep(1.0)  # the last group's first fetch
                    watch = await asyncpg.connect(dsn)
                    task = progress.add_task("service", total=total)
                    began = time.perf_counter()
                    await gate_tx.rollback()
                    await gate.close()
                    finished_at = await until_applied(
                        watch,
                        per_topic,
                        began=began,
                        watched=list(zip(procs, log_paths, strict=True)),
                        timeout_s=args.timeout,
                        progress=(progress, task),
                    )
                    service_s = time.perf_counter() - began
                    outputs = await service_outputs(watch)
                    await watch.close()
                    latencies = await gap_latency(broker.bootstrap, args, progress)
        finally:
            await drop_database(server_url, database)

    table = Table(
        title=f"recommendations: consume and apply ({total} events, {instances} instance"
        + ("s)" if instances > 1 else ")")
    )
    table.add_column("path")
    table.add_column("seconds", justify="right")
    table.add_column("events/s", justify="right")
    table.add_row("produce (aiokafka, acks=all)", f"{produced_s:.2f}", f"{total / produced_s:,.0f}")
    table.add_row("baseline: raw aiokafka consume", f"{raw_s:.2f}", f"{total / raw_s:,.0f}")
    table.add_row("baseline: consume + CloudEvents decode", f"{dec_s:.2f}", f"{total / dec_s:,.0f}")
    table.add_row(
        f"service x {instances}: consume + apply in PostgreSQL (+ reactions)",
        f"{service_s:.2f}",
        f"{total / service_s:,.0f}",
    )
    console.print(table)
    feeds = Table(title="per input topic (each its own consumer group, running concurrently)")
    for col in ("topic", "events", "done after s", "events/s"):
        feeds.add_column(col, justify="left" if col == "topic" else "right")
    for topic, group in FEED_GROUPS.items():
        secs = finished_at.get(group, service_s)
        feeds.add_row(
            topic, str(per_topic[topic]), f"{secs:.2f}", f"{per_topic[topic] / secs:,.0f}"
        )
    console.print(feeds)
    console.print("outputs: " + ", ".join(f"{k} {v}" for k, v in outputs.items()))
    console.print(
        "(all topics are released at once, so some gaps are decided before their unit's roster "
        "has been applied and are flagged 'no eligible staff'; the service's sweep decides them "
        "again later)"
    )
    ordered = sorted(latencies)
    console.print(
        f"gap -> programme-scheduled over {len(latencies)} gaps ({args.latency_staff} staff per "
        f"unit): p50 {percentile(ordered, 50) * 1000:.0f} ms, "
        f"p99 {percentile(ordered, 99) * 1000:.0f} ms, "
        f"max {max(latencies) * 1000:.0f} ms, mean {statistics.mean(latencies) * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_broker_argument(parser)
    parser.add_argument("--surveys", type=int, default=40_000)
    parser.add_argument("--enrollments", type=int, default=5_000)
    parser.add_argument("--completions", type=int, default=2_000)
    parser.add_argument("--units", type=int, default=20)
    parser.add_argument("--staff", type=int, default=50, help="profiles per unit")
    parser.add_argument("--gaps", type=int, default=40, help="opened gaps in the stream")
    parser.add_argument("--latency-gaps", type=int, default=30)
    parser.add_argument("--latency-staff", type=int, default=40)
    parser.add_argument(
        "--instances",
        type=int,
        default=1,
        help="service processes sharing the database and the consumer groups (default 1)",
    )
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--seed", type=int, default=7)
    asyncio.run(benchmark(parser.parse_args()))


if __name__ == "__main__":
    main()
