"""Plumbing shared by the benchmark commands in benchmarks/: a PostgreSQL server, a service
running as its own process on a loopback port, a database dropped at the end, percentiles and
Rich progress bars.

Nothing here measures anything; the benchmarks themselves decide what to time and print.

Every benchmark runs on the embedded Apache Kafka by default and on Tansu with ``--broker
tansu`` (or ``ASN_BENCH_BROKER=tansu``): `bench_broker()`. The benchmark's clients use the
Kafka broker's open (PLAINTEXT) listener; SASL/SCRAM costs a handshake per connection only.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from asn_devkit.embedded.processes import stop_process
from asn_devkit.embedded.tansu import TansuBroker
from asn_devkit.oidc import DevIdentity
from asn_devkit.testing import postgres_server_from, start_kafka

HOST = "127.0.0.1"


def add_broker_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--broker",
        choices=["kafka", "tansu"],
        default=os.environ.get("ASN_BENCH_BROKER", "kafka"),
        help="embedded broker to measure on (default kafka; ASN_BENCH_BROKER)",
    )


@dataclass
class BenchBroker:
    kind: str
    bootstrap: str

    @property
    def label(self) -> str:
        if self.kind == "kafka":
            from asn_devkit.embedded.kafka import KAFKA_VERSION

            return f"Apache Kafka {KAFKA_VERSION}"
        return "Tansu"


@contextmanager
def bench_broker(kind: str = "kafka") -> Iterator[BenchBroker]:
    """An embedded broker for one benchmark run. On Tansu, child processes get
    ASN_KAFKA_IDEMPOTENCE=false (Tansu has no idempotent producer)."""
    if kind == "tansu":
        os.environ["ASN_KAFKA_IDEMPOTENCE"] = "false"
        log = Path(os.environ.get("TMPDIR", "/tmp")) / "asn-bench-tansu.log"
        with TansuBroker(log_path=log) as tansu:
            yield BenchBroker("tansu", tansu.bootstrap)
        return
    kafka = start_kafka()
    try:
        yield BenchBroker("kafka", kafka.open_bootstrap)
    finally:
        kafka.stop()
        shutil.rmtree(kafka.data_dir, ignore_errors=True)


@contextmanager
def postgres_server(env_vars: Sequence[str] = ("DATABASE_URL",)) -> Iterator[tuple[str, str]]:
    """(url, source) of the PostgreSQL server to benchmark on: the first of `env_vars` that is
    set, else an embedded server in a temporary folder (stopped at the end). `source` is the
    variable's name or "embedded PostgreSQL"."""
    with postgres_server_from(env_vars, temp_prefix="asn-bench-pg-") as found:
        yield found


async def drop_database(server_url: str, name: str) -> None:
    """DROP DATABASE IF EXISTS, even with connections still open."""
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def service_env(
    bootstrap: str, server_url: str, prefix: str, port: int, **settings: str
) -> dict[str, str]:
    """The environment of a service process: this one's, plus the broker, the PostgreSQL server,
    the database prefix, HTTP on HOST:port, warnings-only text logs and `settings` (more ASN_
    variables). The unprefixed DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS are left out, so that
    only the values set here can apply."""
    env = {
        **os.environ,
        **bench_identity().env(),
        "ASN_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "ASN_DATABASE_URL": server_url,
        "ASN_DATABASE_PREFIX": prefix,
        "ASN_HTTP_HOST": HOST,
        "ASN_HTTP_PORT": str(port),
        "ASN_LOG_LEVEL": "WARNING",
        "ASN_LOG_FORMAT": "text",
        **settings,
    }
    env.pop("DATABASE_URL", None)
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    return env


_IDENTITY: DevIdentity | None = None


def bench_identity() -> DevIdentity:
    """The development OpenID provider the benchmarked services trust (started on first use,
    stopped at exit); tokens last an hour."""
    global _IDENTITY
    if _IDENTITY is None:
        _IDENTITY = DevIdentity(token_ttl_s=3600).start()
        atexit.register(_IDENTITY.stop)
    return _IDENTITY


def bench_headers(role: str = "admin") -> dict[str, str]:
    """Authorization header with a token of `role` (kiosk: client credentials, no rate limit)."""
    return bench_identity().headers(role)


@contextmanager
def service_process(
    module: str, env: dict[str, str], log_path: Path, *, stop_timeout_s: float = 20.0
) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m module` in its own session, output to `log_path`; stopped (SIGTERM, then
    SIGKILL after `stop_timeout_s`) at the end."""
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", module],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield proc
    finally:
        stop_process(proc, timeout_s=stop_timeout_s)


async def wait_ready(
    client: httpx.AsyncClient,
    proc: subprocess.Popen[bytes],
    log_path: Path,
    timeout_s: float = 90.0,
) -> None:
    """Until the service answers GET /ready with 200; SystemExit if it exits or is not ready
    within `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the service exited ({proc.returncode}); see {log_path}")
        try:
            if (await client.get("/ready")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise SystemExit(f"the service did not become ready in {timeout_s:.0f} s; see {log_path}")


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """The p-th percentile of ascending values: the one at 0-based rank int(p/100 * n), capped
    at the last (p50 of 10 values is the 6th, p99 of 100 the 100th); NaN if there are none.
    In the values' own unit."""
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(p / 100 * len(sorted_values)))]


def counting_progress(console: Console, *, width: int = 0, percent: bool = False) -> Progress:
    """Rich progress bars counting done/total (and the percentage, with `percent`) and the time
    elapsed; descriptions padded to `width` characters."""
    columns: list[ProgressColumn] = [
        TextColumn(f"{{task.description:<{width}}}" if width else "{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
    ]
    if percent:
        columns.append(TaskProgressColumn())
    columns.append(TimeElapsedColumn())
    return Progress(*columns, console=console)
