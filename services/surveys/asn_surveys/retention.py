"""Retention of citizens' personal data (UU 27/2022): comments and exact ages are anonymised
after `personal_data_retention_days` (default 365) by a job that runs every
`retention_interval_s`. The age band stays (the report's profile needs it); counts and IKM live
in the aggregate buckets and do not change."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg

from asn_platform.service import ServiceContext
from asn_surveys.settings import Settings

log = logging.getLogger(__name__)

_ANONYMISE = """
UPDATE responses SET
    comment = NULL,
    age = NULL,
    age_band = CASE WHEN age < 20 THEN '<20' WHEN age >= 60 THEN '60+'
                    ELSE (age / 10 * 10)::text || '-' || (age / 10 * 10 + 9)::text END,
    anonymised_at = now()
WHERE anonymised_at IS NULL AND received_at < now() - make_interval(days => $1)
"""


async def anonymise_expired(pool: asyncpg.Pool, retention_days: int) -> int:
    """Anonymise every response older than the retention period; returns how many."""
    async with pool.acquire() as conn:
        status = await conn.execute(_ANONYMISE, retention_days)
    return int(status.split()[-1])


def start_retention_job(ctx: ServiceContext[Settings]) -> None:
    settings = ctx.settings

    async def loop() -> None:
        while True:
            try:
                done = await anonymise_expired(ctx.pool, settings.personal_data_retention_days)
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

    ctx.on_stop(stop)
