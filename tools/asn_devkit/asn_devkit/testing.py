"""Test harness on real parts: one broker per test session and a real PostgreSQL.

``ASN_TEST_INFRA`` says where they run: ``embedded`` (the default) starts them as processes of
this machine, ``containers`` as containers through testcontainers on podman
(`asn_devkit.containers`, docs/containers.md); anything else is an error.

Embedded, the broker is Apache Kafka (`asn_devkit.embedded.kafka`) unless
``ASN_TEST_BROKER=tansu`` (the no-Java smoke run). With containers it is Apache Kafka in the
rehearsal's ``localhost/asn-kafka`` image with the same server properties (Tansu is not
offered there), and `TestBroker.kafka` is None: tests that need the embedded Kafka object skip.
``ASN_TEST_KAFKA_BOOTSTRAP_SERVERS`` naming an external broker wins over both. The test Kafka has
SASL/SCRAM and ACLs on its main listener (the ACL tests use it) and an extra open listener whose
anonymous principal is a super user: test code plays the operator there, as the launcher's
admin does (see docs/kafka.md).

PostgreSQL comes from ``ASN_TEST_DATABASE_URL`` or ``DATABASE_URL`` (CI: 127.0.0.1:5432, user
postgres, trust), else an embedded server in a temporary folder, or with containers the
rehearsal's ``localhost/asn-postgres:15`` image. Every test run gets fresh databases with a
random suffix, dropped at the end. Used by tests/conftest.py; the benchmarks find their
PostgreSQL server the same way (asn_devkit.benchmarking), always without containers.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import secrets
import shutil
import socket
import tempfile
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
import httpx
import uvicorn
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from asn_devkit.embedded.kafka import EmbeddedKafka
from asn_devkit.embedded.kafka import available as kafka_available
from asn_devkit.embedded.postgres import EmbeddedPostgres
from asn_devkit.embedded.tansu import TansuBroker
from asn_devkit.oidc import DevIdentity
from asn_platform.db import with_database
from asn_platform.service import ServiceContext, ServiceDefinition, create_app

if TYPE_CHECKING:
    from asn_devkit.containers import KafkaContainer

INFRA_KINDS = ("embedded", "containers")


def test_infra() -> str:
    """Where the session's broker and PostgreSQL run: ``ASN_TEST_INFRA`` (default embedded)."""
    wanted = os.environ.get("ASN_TEST_INFRA", "").strip().lower() or "embedded"
    if wanted not in INFRA_KINDS:
        raise RuntimeError(
            f"ASN_TEST_INFRA must be {' or '.join(INFRA_KINDS)}, not {wanted!r} "
            "(containers: PostgreSQL and Kafka through testcontainers on podman)"
        )
    return wanted


test_infra.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


@dataclass
class TestBroker:
    """The session's broker. `bootstrap` needs no credentials (Tansu, or Kafka's open test
    listener); `kafka` is the embedded Kafka (None on Tansu, in a container or external);
    `container` the Kafka in a container (ASN_TEST_INFRA=containers)."""

    __test__ = False  # not a pytest class
    kind: str  # "kafka" | "tansu" | "container" | "external"
    bootstrap: str
    kafka: EmbeddedKafka | None = None
    tansu: TansuBroker | None = None
    container: KafkaContainer | None = None


def session_broker_kind() -> str:
    """kafka or tansu: the broker software of the session (Kafka in a container counts as
    kafka: the kafka_only tests run on it)."""
    wanted = os.environ.get("ASN_TEST_BROKER", "").strip().lower()
    if test_infra() == "containers":
        if wanted == "tansu":
            raise RuntimeError(
                "ASN_TEST_BROKER=tansu has no container: use ASN_TEST_INFRA=embedded"
            )
        return "kafka"
    if wanted in ("kafka", "tansu"):
        return wanted
    if wanted:
        raise RuntimeError(f"ASN_TEST_BROKER must be kafka or tansu, not {wanted!r}")
    return "kafka" if kafka_available() else "tansu"


def start_kafka(data_dir: Path | None = None, **kwargs: Any) -> EmbeddedKafka:
    """An embedded Kafka with the open test listener; data in `data_dir` (else a new temp)."""
    folder = data_dir or Path(tempfile.mkdtemp(prefix="asn-test-kafka-"))
    return EmbeddedKafka(folder, open_listener=True, **kwargs).start()


@contextmanager
def test_broker() -> Iterator[TestBroker]:
    external = os.environ.get("ASN_TEST_KAFKA_BOOTSTRAP_SERVERS")
    if external:
        yield TestBroker("external", external)
        return
    if test_infra() == "containers":
        from asn_devkit.containers import kafka_container

        with kafka_container() as container:
            yield TestBroker("container", container.open_bootstrap, container=container)
        return
    if session_broker_kind() == "tansu":
        # Tansu has no idempotent producer: every settings object of this session turns it off.
        os.environ["ASN_KAFKA_IDEMPOTENCE"] = "false"
        log = Path(tempfile.gettempdir()) / f"asn-test-tansu-{os.getpid()}.log"
        with TansuBroker(log_path=log) as tansu:
            yield TestBroker("tansu", tansu.bootstrap, tansu=tansu)
        return
    kafka = start_kafka()
    try:
        yield TestBroker("kafka", kafka.open_bootstrap, kafka=kafka)
    finally:
        kafka.stop()
        shutil.rmtree(kafka.data_dir, ignore_errors=True)


def launcher_client_options(data_dir: Path) -> dict[str, Any]:
    """aiokafka options of the admin principal of an `asn-platform run --data-dir data_dir`
    on the embedded Kafka (nothing on Tansu, which has no SASL)."""
    secret = data_dir / "kafka" / "admin.json"
    if not secret.exists():
        return {}
    admin = json.loads(secret.read_text())
    return {
        "security_protocol": "SASL_PLAINTEXT",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": admin["user"],
        "sasl_plain_password": admin["password"],
    }


@contextmanager
def postgres_server_from(env_vars: Sequence[str], *, temp_prefix: str) -> Iterator[tuple[str, str]]:
    """A PostgreSQL server: the URL in the first of `env_vars` that is set, else an embedded
    server in a new temporary folder named `temp_prefix`..., stopped at the end. Yields
    (url, where it came from: the variable's name or "embedded PostgreSQL")."""
    for name in env_vars:
        url = os.environ.get(name)
        if url:
            yield url, name
            return
    folder = Path(tempfile.mkdtemp(prefix=temp_prefix))
    with EmbeddedPostgres(folder / "pgdata") as pg:
        yield pg.url, "embedded PostgreSQL"


TEST_DATABASE_VARS = ("ASN_TEST_DATABASE_URL", "DATABASE_URL")


@contextmanager
def test_postgres_server() -> Iterator[str]:
    """The session's PostgreSQL server URL (a superuser's: it creates the test databases)."""
    if test_infra() == "containers" and not any(os.environ.get(v) for v in TEST_DATABASE_VARS):
        from asn_devkit.containers import postgres_container

        with postgres_container() as pg:
            yield pg.url
        return
    with postgres_server_from(TEST_DATABASE_VARS, temp_prefix="asn-test-pg-") as (url, _source):
        yield url


class DatabaseFactory:
    """Creates uniquely named databases on one server and drops them all at the end."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.run_id = secrets.token_hex(3)
        self.created: list[str] = []

    async def create(self, label: str = "db") -> str:
        name = f"asn_test_{label}_{self.run_id}_{len(self.created)}"
        conn = await asyncpg.connect(self.server_url)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        self.created.append(name)
        return with_database(self.server_url, name)

    async def drop_all(self) -> None:
        conn = await asyncpg.connect(self.server_url)
        try:
            for name in self.created:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


_IDENTITY: DevIdentity | None = None


def test_identity() -> DevIdentity:
    """The test session's OpenID provider (started on first use; tests/conftest.py stops it)."""
    global _IDENTITY
    if _IDENTITY is None or not _IDENTITY.alive():
        _IDENTITY = DevIdentity().start()
    return _IDENTITY


def stop_test_identity() -> None:
    global _IDENTITY
    if _IDENTITY is not None:
        _IDENTITY.stop()
        _IDENTITY = None


@asynccontextmanager
async def running_service(
    definition: ServiceDefinition[Any],
    *,
    bootstrap: str,
    server_url: str,
    db_prefix: str,
    role: str | None = "admin",
    port: int | None = None,
    **overrides: Any,
) -> AsyncIterator[tuple[ServiceContext[Any], httpx.AsyncClient]]:
    """Run a service in-process with its real lifespan (database, migrations, broker, relay)
    and an HTTP client talking to it over ASGI. The database is <db_prefix><service>.
    The service trusts the session's test OpenID provider; the client sends a token of `role`
    (admin by default; None: no token) and tests pass other tokens per request. With `port`
    it also answers HTTP on 127.0.0.1:<port> (for another program calling it, e.g. the
    console)."""
    identity = test_identity()
    settings = definition.settings_model(
        kafka_bootstrap_servers=bootstrap,
        database_url=server_url,
        database_prefix=db_prefix,
        log_format="text",
        **{**identity.settings(), **overrides},
    )
    app = create_app(definition, settings)
    headers = identity.headers(role) if role else {}
    async with app.router.lifespan_context(app), _listening(app, port):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", headers=headers
        ) as client:
            yield app.state.ctx, client


@asynccontextmanager
async def _listening(app: Any, port: int | None) -> AsyncIterator[None]:
    """Serve `app`, whose lifespan already runs, on a real port in this event loop."""
    if port is None:
        yield
        return
    # log_config/log_level None: uvicorn leaves the process's loggers as the tests set them.
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_config=None)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()  # it could not bind: say why
                raise RuntimeError(f"nothing listens on {port}")
            await asyncio.sleep(0.01)
        yield
    finally:
        server.should_exit = True
        await task


def service_base_port(count: int = 3, low: int = 20000, high: int = 32000) -> int:
    """A base port whose next `count` ports are free, below Linux's ephemeral range
    (32768-60999): ports from free_port() sit inside it, where any outgoing connection of a
    test (Kafka, PostgreSQL) may take one before the service binds it."""
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(low, high - count - 1)
        if all(_bindable(base + i) for i in range(1, count + 1)):
            return base
    raise RuntimeError(f"no {count} consecutive free ports in {low}-{high}")


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def span_recorder() -> InMemorySpanExporter:
    """The spans this process records, read back in memory (cleared on each call).

    Installs an SDK tracer provider once per process, as a service with an OTLP endpoint does
    (``asn_platform.telemetry.configure_tracing`` keeps a provider it finds); spans are exported
    as they end, so a test can wait for one."""
    global _RECORDER
    if _RECORDER is None:
        provider = trace.get_tracer_provider()
        if not isinstance(provider, TracerProvider):
            provider = TracerProvider()
            trace.set_tracer_provider(provider)
        _RECORDER = InMemorySpanExporter()
        provider.add_span_processor(SimpleSpanProcessor(_RECORDER))
    _RECORDER.clear()
    return _RECORDER


_RECORDER: InMemorySpanExporter | None = None


@asynccontextmanager
async def service_pool(ctx: ServiceContext[Any], max_size: int = 4) -> AsyncIterator[asyncpg.Pool]:
    """A pool of the test's own on a running service's database (to look at what it stored)."""
    pool = await asyncpg.create_pool(ctx.database_dsn, min_size=1, max_size=max_size)
    assert pool is not None
    try:
        yield pool
    finally:
        await pool.close()
