"""Start-up of the enrollment service: seeds, the programme-scheduled consumer, the RPC client."""

from __future__ import annotations

import logging
from typing import cast

import asyncpg

from asn_enrollment.api.recommendations import RPC_CLIENT
from asn_enrollment.domain.catalogue import seed_catalogue
from asn_enrollment.domain.seed_roster import seed_roster
from asn_enrollment.scheduler import ScheduledProgrammeConsumer, SchedulerMetrics
from asn_enrollment.settings import Settings
from asn_enrollment.store import catalogue as catalogue_store
from asn_enrollment.store import roster as roster_store
from asn_platform import topics
from asn_platform.contracts import ProgrammeScheduled
from asn_platform.inbox import subscribe_idempotent
from asn_platform.rpc import RpcClient
from asn_platform.service import ServiceContext
from asn_platform.timezone import now_jakarta

log = logging.getLogger(__name__)


async def seed(ctx: ServiceContext[Settings]) -> None:
    """Catalogue first (sessions refer to it), then the roster if it is empty; both once."""
    async with ctx.pool.acquire() as proxy, proxy.transaction():
        conn = cast(asyncpg.Connection, proxy)
        if ctx.settings.enrollment_seed_catalogue:
            added = await catalogue_store.seed_programmes(conn, seed_catalogue())
            if added:
                log.info("catalogue: %d seed programme(s) added", added)
        if ctx.settings.enrollment_seed_roster:
            people = await roster_store.seed_if_empty(conn, seed_roster(), now_jakarta())
            if people:
                log.info("roster was empty: %d synthetic civil servants seeded", people)


async def on_start(ctx: ServiceContext[Settings]) -> None:
    await seed(ctx)
    consumer = ScheduledProgrammeConsumer(SchedulerMetrics(ctx.registry))
    subscribe_idempotent(
        ctx.broker,
        topic=topics.PROGRAMME_SCHEDULED,
        group_id=ctx.settings.enrollment_scheduler_group,
        pool=ctx.pool,
        handler=consumer.handle,
        settings=ctx.settings,
        expected=ProgrammeScheduled,
        on_commit=consumer.committed,
        title="enrollment-scheduler",
        description="Opens the sessions of a scheduled programme and invites its cohort.",
    )
    client = RpcClient(ctx.broker, ctx.settings, ctx.name)
    await client.start()
    ctx.extras[RPC_CLIENT] = client
    ctx.on_stop(client.stop)
