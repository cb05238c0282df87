"""The runtime every service shares: FastAPI for HTTP, FastStream's KafkaBroker for events,
an asyncpg pool on the service's own database, and the outbox relay.

A service describes itself with a ``ServiceDefinition``; ``create_app`` wires it up and
``run_service`` serves it with uvicorn. What every service gets the same way (logging, metrics,
health, tracing, error handlers) is set up by ``asn_platform.defaults``. Start-up order: database created if missing ->
migrations (shared backbone tables, then the service's own) -> pool -> the service's
``on_start`` (registers subscribers) -> broker -> outbox relay -> scheduled inbox purge
(asn_platform.inbox_purge). Shutdown (SIGTERM) reverses it: stop the purge, stop fetching and
finish in-flight handlers (broker.stop), flush the outbox, close the pool.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Generic, TypeVar

import asyncpg
import uvicorn
from fastapi import APIRouter, Depends, FastAPI
from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry

from asn_platform.audit_http import audit_router, install_audit
from asn_platform.auth.access import document_access, make_guard, undeclared_routes
from asn_platform.auth.headers import install_security_headers
from asn_platform.auth.tokens import TokenVerifier
from asn_platform.body_limit import BodyLimit
from asn_platform.db import create_pool, ensure_database, migrate, with_database
from asn_platform.dead_letters_http import dead_letters_router
from asn_platform.defaults import (
    broker_middlewares,
    configure_process,
    install_defaults,
    instrument,
)
from asn_platform.docs_site import docs_router, service_asyncapi
from asn_platform.http import ReadinessCheck
from asn_platform.inbox_purge import InboxPurger
from asn_platform.kafka import ensure_topics, make_broker
from asn_platform.outbox import OutboxRelay
from asn_platform.settings import PlatformSettings, load_settings
from asn_platform.uow import UnitsOfWork

log = logging.getLogger(__name__)

S = TypeVar("S", bound=PlatformSettings)


@dataclass
class ServiceContext(Generic[S]):
    """What a service's code gets: settings, broker, metrics and (once started) the pool."""

    name: str
    settings: S
    broker: KafkaBroker
    registry: CollectorRegistry
    _pool: asyncpg.Pool | None = None
    purger: InboxPurger | None = None  # the scheduled inbox purge, once started
    _units: UnitsOfWork | None = None
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

    @property
    def units(self) -> UnitsOfWork:
        """Units of work on this service's pool, publishing as this service."""
        if self._units is None or self._units.pool is not self.pool:  # follows a replaced pool
            self._units = UnitsOfWork(
                self.pool,
                source=self.source,
                max_event_bytes=self.settings.kafka_max_message_bytes,
            )
        return self._units


@dataclass
class ServiceParts:
    """What a service's ``bootstrap`` returns: built once per app, so the routes and the start-up
    share one typed wiring object (no string-keyed bags)."""

    routers: list[APIRouter]
    on_start: Callable[[], Awaitable[None]] | None = None  # after the pool, before the broker


@dataclass
class ServiceDefinition(Generic[S]):
    name: str
    title: str
    description: str
    settings_model: type[S]
    migration_packages: list[str]
    # bootstrap(ctx) builds the service's typed wiring once and returns its routers and start-up.
    bootstrap: Callable[[ServiceContext[S]], ServiceParts]
    version: str = "0.1.0"


async def start_broker(broker: KafkaBroker) -> None:
    """broker.start(), but subscribers start concurrently: each consumer-group join waits about
    half the session timeout (docs/kafka.md), so seven sequential joins cost ~21 s at start-up."""
    await broker.connect()
    await asyncio.gather(*(sub.start() for sub in broker.subscribers))
    for pub in broker.publishers:
        await pub.start()
    broker.running = True


def _lifespan(
    definition: ServiceDefinition[S], ctx: ServiceContext[S], parts: ServiceParts
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    settings = ctx.settings

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
            if parts.on_start is not None:
                await parts.on_start()
            await start_broker(ctx.broker)
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
            ctx.purger = purger
            await purger.start()
            log.info("%s started on %s:%s", definition.name, settings.http_host, settings.http_port)
            # Everything alive now (modules, app, pools) lives as long as the process: moved out
            # of the collector's generations, a full collection no longer walks it (intake p99
            # at 100 req/s 110-158 ms without, 35-61 ms with, benchmarks/surveys_intake.py).
            gc.freeze()
            yield
        finally:
            log.info("%s stopping", definition.name)
            await _stop(ctx, relay, purger)
            log.info("%s stopped", definition.name)

    return lifespan


async def _stop(
    ctx: ServiceContext[Any], relay: OutboxRelay | None, purger: InboxPurger | None
) -> None:
    if purger is not None:
        await purger.stop()
    await ctx.broker.stop()  # stop fetching, let in-flight handlers finish and commit
    for stopper in reversed(ctx._stoppers):
        try:
            await stopper()
        except Exception:
            log.exception("error while stopping")
    if relay is not None:
        await relay.stop(flush=True)
    await ctx.pool.close()


def _readiness(ctx: ServiceContext[Any]) -> dict[str, ReadinessCheck]:
    async def db_ready() -> bool:
        if ctx._pool is None:
            return False
        async with ctx.pool.acquire(timeout=2) as conn:
            return bool(await conn.fetchval("SELECT 1", timeout=2))

    async def broker_ready() -> bool:
        return bool(await ctx.broker.ping(timeout=2.0))

    return {"database": db_ready, "broker": broker_ready}


def _asyncapi(definition: ServiceDefinition[Any]) -> Callable[[], dict[str, Any]]:
    """What the service publishes and consumes, cut out of the committed platform document
    (asn_platform.docs_site): the real payload schemas, not FastStream's view of its parser."""

    def asyncapi() -> dict[str, Any]:
        return service_asyncapi(definition.name, title=definition.title, version=definition.version)

    return asyncapi


def create_app(definition: ServiceDefinition[S], settings: S | None = None) -> FastAPI:
    settings = settings or load_settings(definition.settings_model)
    registry = CollectorRegistry()
    broker = make_broker(
        settings,
        client_id=f"asn-{definition.name}",
        middlewares=broker_middlewares(registry, definition.name),
    )
    ctx: ServiceContext[S] = ServiceContext(definition.name, settings, broker, registry)
    parts = definition.bootstrap(ctx)

    # Deny by default: one guard on every route enforces the route's declared access.
    verifier = TokenVerifier(settings)
    app = FastAPI(
        title=definition.title,
        description=definition.description,
        version=definition.version,
        lifespan=_lifespan(definition, ctx, parts),
        dependencies=[Depends(make_guard(verifier))],
        docs_url=None,  # served by docs_router from the platform's own assets (no CDN)
        redoc_url=None,
    )
    app.state.ctx = ctx
    install_defaults(
        app,
        title=definition.title,
        registry=registry,
        checks=_readiness(ctx),
        asyncapi=_asyncapi(definition),
    )
    app.include_router(docs_router(definition.name, definition.title))
    for router in parts.routers:
        app.include_router(router)
    app.include_router(audit_router())
    app.include_router(dead_letters_router())
    undeclared = undeclared_routes(app.routes)
    if undeclared:
        log.error("routes without an access declaration refuse everyone: %s", undeclared)
    if not verifier.configured:
        log.warning("ASN_OIDC_ISSUER is not set: every protected endpoint answers 401")
    document_access(app)
    install_audit(app, lambda: ctx.pool)
    install_security_headers(app, settings.cors_origins)
    instrument(app, name=definition.name, registry=registry)
    app.add_middleware(BodyLimit, max_bytes=settings.http_max_body_bytes)  # outermost
    return app


def run_service(definition: ServiceDefinition[Any]) -> None:
    """Console entry point of a service: settings, logging and tracing, uvicorn (handles
    SIGTERM/SIGINT)."""
    settings = load_settings(definition.settings_model)
    configure_process(definition.name, settings)
    app = create_app(definition, settings)
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        timeout_graceful_shutdown=20,
    )
