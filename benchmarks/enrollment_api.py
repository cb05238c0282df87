"""Benchmark: enrollments per second through the enrollment service's HTTP API.

    python benchmarks/enrollment_api.py [--requests 4000] [--concurrency 16] [--people 2000]

Starts its own embedded broker (Apache Kafka; Tansu with --broker tansu) and the enrollment service as a separate process
(`python -m asn_enrollment`, uvicorn on a loopback port), on PostgreSQL from DATABASE_URL or
else an embedded server in a temporary folder. It imports a synthetic roster over HTTP, opens
sessions (some overlapping, with limited seats), then sends POST
/api/v1/sessions/{id}/enrollments {"nip", "accept": true} from concurrent clients: each is an
invitation plus acceptance in one transaction with the real checks - the session row locked
to count seats (enrolled or waitlisted), the person locked to refuse overlapping bookings (409),
and two events written to the outbox (published to the broker by the relay meanwhile).
The baseline is the same process answering GET /health at the same concurrency.

Bounded: a fixed number of requests, loopback only; its database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
import psutil
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from asn_devkit.benchmarking import (
    HOST,
    add_broker_argument,
    bench_broker,
    bench_headers,
    counting_progress,
    drop_database,
    percentile,
    postgres_server,
    service_env,
    service_process,
    wait_ready,
)
from asn_devkit.embedded.processes import free_port
from asn_devkit.loadgen import ConnPool, cpu_seconds
from asn_enrollment.domain.nip import make_nip
from asn_platform.kafka import ensure_topics
from asn_platform.timezone import JAKARTA
from asn_platform.vocabulary import Sex

console = Console(width=132)  # wide enough for the tables when the output is captured


@dataclass(frozen=True)
class Target:
    port: int
    authorization: str
    concurrency: int
    server: psutil.Process  # the service's process, whose CPU is measured too


@dataclass
class Run:
    name: str
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    seconds: float = 0.0
    client_cpu_s: float = 0.0  # the load generator's own CPU (user + system) during the run
    server_cpu_s: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def pct(self, p: float) -> float:
        """In milliseconds."""
        return percentile(sorted(self.latencies), p) * 1000


def roster_csv(people: int, seed: int) -> tuple[str, list[str]]:
    rng = random.Random(seed)
    rows = ["nip,name,unit_id,bidang,position,position_type,rank,supervisor_nip"]
    nips = []
    for i in range(people):
        # (birth date, sequence) differs for every i, so every NIP does.
        birth = date(1965, 1, 1) + timedelta(days=i % 10_000)
        sex = Sex.L if rng.random() < 0.5 else Sex.P
        nip = make_nip(birth, birth.year + 23, 1 + i % 12, sex, 500 + i // 10_000)
        nips.append(nip)
        rows.append(
            f"{nip},Peserta {i},disdukcapil,administrasi_kependudukan,Operator,pelaksana,II/c,"
        )
    return "\n".join(rows) + "\n", nips


async def open_sessions(client: httpx.AsyncClient, count: int, capacity: int) -> list[str]:
    """Sessions on 1-hour-spaced 2-hour slots, so neighbours overlap and some bookings clash."""
    start = datetime(2027, 1, 4, 8, 0, tzinfo=JAKARTA)
    ids = []
    for i in range(count):
        begins = start + timedelta(days=i // 8, hours=i % 8)
        r = await client.post(
            "/api/v1/programmes/PLP-PRIMA/sessions",
            json={
                "starts_at": begins.isoformat(),
                "ends_at": (begins + timedelta(hours=2)).isoformat(),
                "place": "Aula BKPSDM",
                "capacity": capacity,
            },
        )
        r.raise_for_status()
        ids.append(r.json()["id"])
    return ids


# (method, path, JSON body encoded once, before the clock starts)
Request = tuple[str, str, bytes]
HEALTH: Request = ("GET", "/health", b"")


async def drive(target: Target, run: Run, requests: list[Request], progress: Progress) -> None:
    """Send `requests` from `target.concurrency` keep-alive connections (the lean client of
    asn_devkit.loadgen: httpx cost more CPU per request than the service's /health)."""
    task = progress.add_task(run.name, total=len(requests))
    pending = iter(requests)
    pool = ConnPool(target.port, target.concurrency, target.authorization)

    async def worker() -> None:
        for method, path, body in pending:
            started = time.perf_counter()
            try:
                status, _ = await pool.request(method, path, body)
            except (OSError, ValueError, asyncio.IncompleteReadError):
                status = 0  # connection lost: counted, and refused at the end as unexpected
            run.latencies.append(time.perf_counter() - started)
            run.statuses[status] += 1
            progress.advance(task)

    me = psutil.Process()
    cpu0, server0 = cpu_seconds(me), cpu_seconds(target.server)
    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(target.concurrency)))
    run.seconds = time.perf_counter() - began
    run.client_cpu_s = cpu_seconds(me) - cpu0
    run.server_cpu_s = cpu_seconds(target.server) - server0
    pool.close()


def _cpu_share(cpu_s: float, run: Run) -> str:
    """Share of one core over the run, and CPU ms per request."""
    per = cpu_s / len(run.latencies) * 1000 if run.latencies else float("nan")
    return f"{cpu_s / run.seconds:.0%} ({per:.2f} ms/req)" if run.seconds else "-"


async def benchmark(args: argparse.Namespace) -> None:
    run_id = secrets.token_hex(3)
    prefix = f"asn_bench_{run_id}_"
    log_path = Path(tempfile.gettempdir()) / f"asn-bench-enrollment-{run_id}.log"
    with postgres_server() as (server_url, pg_source), bench_broker(args.broker) as broker:
        await ensure_topics(broker.bootstrap)
        port = free_port(HOST)
        env = service_env(
            broker.bootstrap, server_url, prefix, port, ASN_DB_POOL_MAX=str(args.pool)
        )
        console.print(
            f"broker {broker.bootstrap} ({broker.label}), PostgreSQL from {pg_source}, "
            f"service on http://{HOST}:{port}, log {log_path}"
        )
        try:
            limits = httpx.Limits(max_connections=args.concurrency * 2)
            async with httpx.AsyncClient(
                base_url=f"http://{HOST}:{port}",
                timeout=30,
                limits=limits,
                headers=bench_headers("admin"),
            ) as client:
                with service_process("asn_enrollment", env, log_path) as proc:
                    await wait_ready(client, proc, log_path, timeout_s=90)
                    target = Target(
                        port,
                        bench_headers("admin")["Authorization"],
                        args.concurrency,
                        psutil.Process(proc.pid),
                    )
                    await run_phases(client, args, target)
        finally:
            await drop_database(server_url, f"{prefix}enrollment")


async def run_phases(client: httpx.AsyncClient, args: argparse.Namespace, target: Target) -> None:
    csv_text, nips = roster_csv(args.people, seed=7)
    began = time.perf_counter()
    imported = await client.post(
        "/api/v1/asn/import", content=csv_text.encode(), headers={"content-type": "text/csv"}
    )
    imported.raise_for_status()
    import_s = time.perf_counter() - began
    console.print(
        f"roster import: {imported.json()['created']} people in {import_s:.2f} s "
        f"({imported.json()['created'] / import_s:,.0f} rows/s, with profile events)"
    )
    sessions = await open_sessions(client, args.sessions, args.capacity)

    rng = random.Random(11)
    plan: list[Request] = []
    pairs: set[tuple[str, str]] = set()
    while len(plan) < args.requests:
        nip, session = rng.choice(nips), rng.choice(sessions)
        if (nip, session) in pairs:
            continue
        pairs.add((nip, session))
        body = json.dumps({"nip": nip, "accept": True}).encode()
        plan.append(("POST", f"/api/v1/sessions/{session}/enrollments", body))

    # Interleaved rounds (baseline, then enrollments), so that a burst of other load on the
    # machine hits both runs alike; rates are reported per round and as the median.
    health = Run("GET /health (baseline)")
    enroll = Run("POST enrollments (invite+accept)")
    rounds: list[tuple[float, float]] = []
    per_round = -(-len(plan) // args.rounds)
    with counting_progress(console) as progress:
        await drive(target, Run("warm-up"), [HEALTH] * 200, progress)
        for index in range(args.rounds):
            chunk = plan[index * per_round : (index + 1) * per_round]
            if not chunk:
                break
            h = Run(f"round {index + 1}: GET /health")
            e = Run(f"round {index + 1}: POST enrollments")
            await drive(target, h, [HEALTH] * len(chunk), progress)
            await drive(target, e, chunk, progress)
            rounds.append((h.rate, e.rate))
            for total, part in ((health, h), (enroll, e)):
                total.latencies += part.latencies
                total.statuses.update(part.statuses)
                total.seconds += part.seconds
                total.client_cpu_s += part.client_cpu_s
                total.server_cpu_s += part.server_cpu_s

    console.print(
        "per round, req/s (health / enrollments): "
        + ", ".join(f"{h:,.0f} / {e:,.0f}" for h, e in rounds)
        + f"; median {statistics.median(h for h, _ in rounds):,.0f} / "
        f"{statistics.median(e for _, e in rounds):,.0f}"
    )
    table = Table(title=f"enrollment API, {args.concurrency} concurrent clients, loopback")
    columns = ("run", "requests", "req/s", "p50 ms", "p99 ms", "client CPU", "server CPU")
    for column in (*columns, "statuses"):
        table.add_column(column, justify="right" if column != "run" else "left")
    for run in (health, enroll):
        table.add_row(
            run.name,
            str(len(run.latencies)),
            f"{run.rate:,.0f}",
            f"{run.pct(50):.1f}",
            f"{run.pct(99):.1f}",
            _cpu_share(run.client_cpu_s, run),
            _cpu_share(run.server_cpu_s, run),
            " ".join(f"{code}:{n}" for code, n in sorted(run.statuses.items())),
        )
    console.print(table)
    seated = await seat_summary(client, sessions)
    ok = enroll.statuses.get(201, 0)
    console.print(
        f"enrollments accepted (201): {ok} = {ok / enroll.seconds:,.0f}/s; refused as overlapping "
        f"(409): {enroll.statuses.get(409, 0)}; of the accepted, {seated['taken']} seated and "
        f"{seated['waitlisted']} waitlisted; capacity never exceeded: {seated['ok']}"
    )
    console.print(
        f"load generator CPU: {health.client_cpu_s / health.seconds:.0%} of a core during "
        f"/health, {enroll.client_cpu_s / enroll.seconds:.0%} during enrollments; "
        f"enrollments / health: {enroll.rate / health.rate:.2f}; load average "
        + " ".join(f"{x:.1f}" for x in os.getloadavg())
    )
    console.print(
        f"enrollment mean {statistics.mean(enroll.latencies) * 1000:.1f} ms vs health "
        f"{statistics.mean(health.latencies) * 1000:.1f} ms per request"
    )
    unexpected = {c: n for c, n in enroll.statuses.items() if c not in (201, 409)}
    if unexpected:
        raise SystemExit(f"unexpected statuses: {unexpected}")


async def seat_summary(client: httpx.AsyncClient, sessions: list[str]) -> dict[str, int | bool]:
    taken = waitlisted = 0
    ok = True
    for session_id in sessions:
        seats = (await client.get(f"/api/v1/sessions/{session_id}")).json()
        taken += seats["seats"]["taken"]
        waitlisted += seats["seats"]["waitlisted"]
        ok = ok and seats["seats"]["taken"] <= seats["capacity"]
    return {"taken": taken, "waitlisted": waitlisted, "ok": ok}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    add_broker_argument(parser)
    parser.add_argument("--requests", type=int, default=4000, help="requests per run")
    parser.add_argument("--concurrency", type=int, default=16, help="concurrent clients")
    parser.add_argument("--people", type=int, default=2000, help="people imported")
    parser.add_argument("--sessions", type=int, default=40, help="sessions opened")
    parser.add_argument("--capacity", type=int, default=60, help="seats per session")
    parser.add_argument("--pool", type=int, default=20, help="service's database pool size")
    parser.add_argument("--rounds", type=int, default=4, help="interleaved baseline/enroll rounds")
    args = parser.parse_args()
    if not 1 <= args.requests <= 100_000 or not 1 <= args.concurrency <= 256:
        parser.error("--requests must be 1..100000 and --concurrency 1..256")
    if not 1 <= args.rounds <= 20:
        parser.error("--rounds must be 1..20")
    if args.people > 40_000:
        parser.error("--people must be at most 40000")
    asyncio.run(benchmark(args))


if __name__ == "__main__":
    main()
