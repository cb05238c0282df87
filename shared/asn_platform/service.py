"""The runtime every service shares: FastAPI for HTTP, FastStream's KafkaBroker for events,
an asyncpg pool on the service's own database, and the outbox relay.

A service describes itself with a ``ServiceDefinition``; ``create_app`` wires it up and
``run_service`` serves it with uvicorn. Start-up order: database created if missing ->
migrations (shared backbone tables, then the service's own) -> pool -> the service's
``on_start`` (registers subscribers) -> broker -> outbox relay -> scheduled inbox purge
(asn_platform.inbox_purge). Shutdown (SIGTERM) reverses it: stop the purge, stop fetching and
finish in-flight handlers (broker.stop), flush the outbox, close the pool.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Generic, TypeVar

import asyncpg
import uvicorn
from fastapi import APIRouter, Depends, FastAPI
from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from faststream.specification import AsyncAPI
from prometheus_client import CollectorRegistry

from asn_platform import logmask
from asn_platform.audit import audit_router, install_audit
from asn_platform.auth.access import document_access, make_guard, undeclared_routes
from asn_platform.auth.headers import install_security_headers
from asn_platform.auth.tokens import TokenVerifier
from asn_platform.body_limit import BodyLimit
from asn_platform.db import create_pool, ensure_database, migrate, with_database
from asn_platform.http import instrument_http, ops_router
from asn_platform.http_errors import install_error_handlers
from asn_platform.inbox_purge import InboxPurger
from asn_platform.kafka import ensure_topics, make_broker
from asn_platform.logs import configure_logging
from asn_platform.outbox import OutboxRelay
from asn_platform.settings import PlatformSettings, load_settings

log = logging.getLogger(__name__)

S = TypeVar("S", bound=PlatformSettings)
INBOX_PURGER = "inbox_purger"  # key in ServiceContext.extras


@dataclass
class ServiceContext(Generic[S]):
    """What a service's code gets: settings, broker, metrics and (once started) the pool."""

    name: str
    settings: S
    broker: KafkaBroker
    registry: CollectorRegistry
    _pool: asyncpg.Pool | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    _stoppers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    @property
    def source(self) -> str:
        """CloudEvents source of everything this service publishes."""
        return f"/tangsel/{self.name}"

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("database pool used before the service started")
        return self._pool

    @property
    def database_name(self) -> str:
        return f"{self.settings.database_prefix}{self.name}"

    @property
    def database_dsn(self) -> str:
        return with_database(self.settings.database_url, self.database_name)

    def on_stop(self, stopper: Callable[[], Awaitable[None]]) -> None:
        """Register a coroutine run at shutdown, after the broker stopped (reverse order)."""
        self._stoppers.append(stopper)


@dataclass
class ServiceDefinition(Generic[S]):
    name: str
    title: str
    description: str
    settings_model: type[S]
    migration_packages: list[str]
    routers: Callable[[ServiceContext[S]], list[APIRouter]] = lambda ctx: []
    on_start: Callable[[ServiceContext[S]], Awaitable[None]] | None = None
    version: str = "0.1.0"


async def start_broker(broker: KafkaBroker) -> None:
    """broker.start(), but subscribers start concurrently: each consumer-group join waits about
    half the session timeout (docs/kafka.md), so seven sequential joins cost ~21 s at start-up."""
    await broker.connect()
    await asyncio.gather(*(sub.start() for sub in broker.subscribers))
    for pub in broker.publishers:
        await pub.start()
    broker.running = True


def create_app(definition: ServiceDefinition[S], settings: S | None = None) -> FastAPI:
    settings = settings or load_settings(definition.settings_model)
    registry = CollectorRegistry()
    broker = make_broker(
        settings,
        client_id=f"asn-{definition.name}",
        middlewares=[
            KafkaPrometheusMiddleware(registry=registry, app_name=f"asn-{definition.name}")
        ],
    )
    ctx: ServiceContext[S] = ServiceContext(definition.name, settings, broker, registry)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await ensure_database(settings.database_url, ctx.database_name)
        applied = await migrate(ctx.database_dsn, definition.migration_packages)
        if applied:
            log.info("migrations applied: %s", ", ".join(applied))
        ctx._pool = await create_pool(ctx.database_dsn, settings.db_pool_min, settings.db_pool_max)
        relay = None
        purger: InboxPurger | None = None
        try:
            await ensure_topics(settings.kafka_bootstrap_servers, settings=settings)
            if definition.on_start:
                await definition.on_start(ctx)
            await start_broker(broker)
            relay = OutboxRelay(
                ctx.pool, settings, name=ctx.name, retention_s=settings.outbox_retention_s
            )
            await relay.start()
            purger = InboxPurger(
                ctx.pool,
                retention=timedelta(days=settings.inbox_retention_days),
                interval_s=settings.inbox_purge_interval_s,
                name=ctx.name,
            )
            ctx.extras[INBOX_PURGER] = purger
            await purger.start()
            log.info("%s started on %s:%s", definition.name, settings.http_host, settings.http_port)
            yield
        finally:
            log.info("%s stopping", definition.name)
            if purger is not None:
                await purger.stop()
            await broker.stop()  # stop fetching, let in-flight handlers finish and commit
            for stopper in reversed(ctx._stoppers):
                try:
                    await stopper()
                except Exception:
                    log.exception("error while stopping")
            if relay is not None:
                await relay.stop(flush=True)
            await ctx.pool.close()
            log.info("%s stopped", definition.name)

    # Deny by default: one guard on every route enforces the route's declared access.
    verifier = TokenVerifier(settings)
    app = FastAPI(
        title=definition.title,
        description=definition.description,
        version=definition.version,
        lifespan=lifespan,
        dependencies=[Depends(make_guard(verifier))],
    )
    app.state.ctx = ctx
    logmask.install()  # every service: paths and handler errors may carry a NIP
    install_error_handlers(app)

    async def db_ready() -> bool:
        if ctx._pool is None:
            return False
        async with ctx.pool.acquire(timeout=2) as conn:
            return bool(await conn.fetchval("SELECT 1", timeout=2))

    async def broker_ready() -> bool:
        return bool(await broker.ping(timeout=2.0))

    def asyncapi() -> dict[str, Any]:
        spec = AsyncAPI(
            broker,
            title=f"{definition.title} (Kafka)",
            version=definition.version,
            schema_version="3.0.0",
        )
        return spec.to_specification().to_jsonable()  # type: ignore[no-any-return]

    app.include_router(
        ops_router(
            registry, {"database": db_ready, "broker": broker_ready}, asyncapi, definition.title
        )
    )
    for router in definition.routers(ctx):
        app.include_router(router)
    app.include_router(audit_router())
    undeclared = undeclared_routes(app.routes)
    if undeclared:
        log.error("routes without an access declaration refuse everyone: %s", undeclared)
    if not verifier.configured:
        log.warning("ASN_OIDC_ISSUER is not set: every protected endpoint answers 401")
    document_access(app)
    install_audit(app, lambda: ctx.pool)
    install_security_headers(app, settings.cors_origins)
    instrument_http(app, registry, definition.name)
    app.add_middleware(BodyLimit, max_bytes=settings.http_max_body_bytes)  # outermost
    return app


def run_service(definition: ServiceDefinition[Any]) -> None:
    """Console entry point of a service: settings, logging, uvicorn (handles SIGTERM/SIGINT)."""
    settings = load_settings(definition.settings_model)
    configure_logging(definition.name, settings.log_level, settings.log_format)
    app = create_app(definition, settings)
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        timeout_graceful_shutdown=20,
    )
