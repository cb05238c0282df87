"""Wiring of the surveys service: settings, units of work, gap policy, metrics, templates and
the client guard in one typed object, shared by the routes, the Kafka consumer and the jobs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass

from jinja2 import Environment

from asn_platform.group_commit import GroupCommit
from asn_platform.service import ServiceContext, ServiceDefinition, ServiceParts
from asn_platform.uow import UnitOfWork, UnitsOfWork
from asn_surveys.api import routers
from asn_surveys.api.clients import ClientGuard
from asn_surveys.api.templates import make_templates
from asn_surveys.domain.intake import GapPolicy
from asn_surveys.handlers.intake import Accepted
from asn_surveys.handlers.metrics import IntakeMetrics
from asn_surveys.handlers.retention import anonymise_expired_responses
from asn_surveys.kafka.intake import subscribe
from asn_surveys.seed import seed_units
from asn_surveys.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Surveys:
    ctx: ServiceContext[Settings]
    policy: GapPolicy
    metrics: IntakeMetrics
    guard: ClientGuard
    templates: Environment
    intake: GroupCommit[Accepted]  # HTTP submissions (API and form) share transactions

    @property
    def settings(self) -> Settings:
        return self.ctx.settings

    @property
    def units(self) -> UnitsOfWork:
        """Units of work on the service's pool (there once the service started)."""
        return self.ctx.units


async def seed(app: Surveys) -> None:
    async with app.ctx.pool.acquire() as conn, conn.transaction():
        added = await seed_units(conn)
    if added:
        log.info("seeded %d Tangerang Selatan service units", added)


def start_retention_job(app: Surveys) -> None:
    """Anonymise expired personal data every `retention_interval_s` (UU 27/2022)."""
    settings = app.settings

    async def anonymise(uow: UnitOfWork) -> int:
        return await anonymise_expired_responses(uow, settings.personal_data_retention_days)

    async def loop() -> None:
        while True:
            try:
                done = await app.units.run(anonymise)
                if done:
                    log.info("retention: %d response(s) anonymised", done)
            except Exception:
                log.exception(
                    "retention job failed; next try in %ss", settings.retention_interval_s
                )
            await asyncio.sleep(settings.retention_interval_s)

    task = asyncio.create_task(loop(), name="surveys-retention")

    async def stop() -> None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    app.ctx.on_stop(stop)


def build(ctx: ServiceContext[Settings]) -> ServiceParts:
    s = ctx.settings
    metrics = IntakeMetrics.register(ctx.registry)
    app = Surveys(
        ctx=ctx,
        policy=GapPolicy(s.gap_kind, s.gap_threshold, s.gap_recovery_threshold),
        metrics=metrics,
        guard=ClientGuard.of(s),
        templates=make_templates(),
        intake=GroupCommit(
            lambda: ctx.units,
            name="surveys-intake",
            max_batch=s.intake_batch_max,
            max_wait_s=s.intake_batch_wait_ms / 1000,
            on_batch=metrics.batch,
        ),
    )

    async def on_start() -> None:
        if s.seed_units:
            await seed(app)
        subscribe(app)
        start_retention_job(app)

    return ServiceParts(routers=routers(app), on_start=on_start)


DEFINITION: ServiceDefinition[Settings] = ServiceDefinition(
    name="surveys",
    title="Layanan Survei Kepuasan Masyarakat (SKM) / Public satisfaction surveys",
    description=(
        "Survei SKM per Permenpan RB 14/2017: unit layanan, kuesioner, masukan warga (formulir "
        "publik, API, Kafka), IKM per unit/unsur/periode dan deteksi kesenjangan layanan."
    ),
    settings_model=Settings,
    migration_packages=["asn_platform", "asn_surveys"],
    bootstrap=build,
)
