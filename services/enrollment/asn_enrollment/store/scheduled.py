"""Applied ProgrammeScheduled decisions (one row per decision; both keys unique)."""

from __future__ import annotations

from uuid import UUID

import asyncpg


async def claim(
    conn: asyncpg.Connection,
    *,
    scheduled_programme_id: str,
    idempotency_key: str,
    programme_code: str,
    unit_id: str,
    event_id: UUID | None,
) -> bool:
    """Record the decision; False when it (or another with its key) was applied before."""
    claimed = await conn.fetchval(
        "INSERT INTO scheduled_programmes (scheduled_programme_id, idempotency_key,"
        " programme_code, unit_id, event_id, sessions_opened, invited, unknown_members,"
        " skipped_members) VALUES ($1, $2, $3, $4, $5, 0, 0, 0, 0)"
        " ON CONFLICT DO NOTHING RETURNING scheduled_programme_id",
        scheduled_programme_id,
        idempotency_key,
        programme_code,
        unit_id,
        event_id,
    )
    return claimed is not None


async def record_outcome(
    conn: asyncpg.Connection,
    scheduled_programme_id: str,
    *,
    sessions_opened: int,
    invited: int,
    unknown_members: int,
    skipped_members: int,
) -> None:
    await conn.execute(
        "UPDATE scheduled_programmes SET sessions_opened = $2, invited = $3,"
        " unknown_members = $4, skipped_members = $5 WHERE scheduled_programme_id = $1",
        scheduled_programme_id,
        sessions_opened,
        invited,
        unknown_members,
        skipped_members,
    )
