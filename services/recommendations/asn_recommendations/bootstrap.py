"""Wiring of the recommendations service: settings -> rules -> handler dependencies -> routes,
consumers, the request/reply responder and the follow-up timer.

``build(ctx)`` runs once per app (``ServiceDefinition.bootstrap``); it loads the rules first, so
a bad rules file stops the start before the database or the broker is touched."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from asn_platform import logmask
from asn_platform.inbox import IdempotentConsumer
from asn_platform.service import ServiceContext, ServiceDefinition, ServiceParts
from asn_platform.uow import UnitsOfWork
from asn_recommendations.api import router
from asn_recommendations.handlers.deps import Deps
from asn_recommendations.handlers.follow_ups import sweep_follow_ups
from asn_recommendations.kafka.consumers import (
    register_recommendations_responder,
    subscribe_feeds,
)
from asn_recommendations.rules_file import load_configured_rules
from asn_recommendations.settings import Settings

log = logging.getLogger(__name__)

# Handler errors are logged by the backbone with their message, which may quote a NIP (the
# shared runtime masks uvicorn's and the backbone's loggers).
MASKED_LOGGERS = ("asn_recommendations.handlers", "asn_recommendations.kafka")


def build_deps(settings: Settings) -> Deps:
    """The handlers' dependencies from the settings (the rules file is read here)."""
    rules = load_configured_rules(settings)
    log.info(
        "rules version %s loaded from %s (%d rules)", rules.version, rules.source, len(rules.rules)
    )
    return Deps(
        rules=rules,
        session_place=settings.session_place,
        online_url=settings.online_url,
        recommendation_limit=settings.recommendation_limit,
    )


@dataclass
class FollowUpTimer:
    """Runs the follow-up sweep every ``interval_s`` seconds (first run after one interval)."""

    units: UnitsOfWork
    deps: Deps
    interval_s: float
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.interval_s > 0 and self._task is None:
            self._task = asyncio.create_task(self._run(), name="recommendations-follow-ups")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                await sweep_follow_ups(self.units, self.deps)
            except Exception:
                log.exception("follow-up sweep failed; trying again in %.0f s", self.interval_s)


@dataclass
class Recommendations:
    """The service's wiring, shared by its routes and its start-up."""

    ctx: ServiceContext[Settings]
    deps: Deps
    consumers: dict[str, IdempotentConsumer] = field(default_factory=dict)
    follow_ups: FollowUpTimer | None = None

    @property
    def units(self) -> UnitsOfWork:
        return self.ctx.units  # needs the pool: valid once the service started

    async def start(self) -> None:
        """Consumers, responder and the follow-up timer (after the pool, before the broker)."""
        logmask.install(MASKED_LOGGERS)
        settings = self.ctx.settings

        def units() -> UnitsOfWork:
            return self.ctx.units

        self.consumers = subscribe_feeds(self.ctx.broker, self.ctx.pool, units, self.deps, settings)
        register_recommendations_responder(self.ctx.broker, units, self.deps, settings)
        self.follow_ups = FollowUpTimer(self.units, self.deps, settings.follow_up_interval_s)
        self.follow_ups.start()
        self.ctx.on_stop(self.follow_ups.stop)


def build(ctx: ServiceContext[Settings]) -> ServiceParts:
    app = Recommendations(ctx, build_deps(ctx.settings))
    return ServiceParts(routers=[router(app)], on_start=app.start)


DEFINITION: ServiceDefinition[Settings] = ServiceDefinition(
    name="recommendations",
    title="Layanan Rekomendasi Pengembangan ASN / ASN development recommendations",
    description="Dari kesenjangan layanan dan riwayat pelatihan menjadi program terarah, terjadwal dan dijelaskan.",
    settings_model=Settings,
    migration_packages=["asn_platform", "asn_recommendations"],
    bootstrap=build,
)
