"""Queries behind the HTTP API and the request/reply answer: rows as they are stored (the
handlers shape them)."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from asn_recommendations.store.conn import Conn

_GAPS_ALL = """
SELECT * FROM rm_gaps
WHERE ($1::text IS NULL OR unit_id = $1) AND ($2::text IS NULL OR element = $2)
ORDER BY unit_id, element, period_start DESC, gap_key LIMIT $3 OFFSET $4
"""
_GAPS_CURRENT = """
SELECT * FROM (
    SELECT DISTINCT ON (unit_id, element, period_kind) *
    FROM rm_gaps WHERE ($1::text IS NULL OR unit_id = $1) AND ($2::text IS NULL OR element = $2)
    ORDER BY unit_id, element, period_kind, period_start DESC, detected_at DESC, event_id DESC
) latest WHERE status = $5
ORDER BY unit_id, element, period_kind LIMIT $3 OFFSET $4
"""


async def gap_rows(
    conn: Conn,
    *,
    status: str | None,
    unit_id: str | None,
    element: str | None,
    limit: int,
    offset: int,
) -> list[asyncpg.Record]:
    """Every announcement (status None) or the current state per unit/element/period kind."""
    if status is None:
        return list(await conn.fetch(_GAPS_ALL, unit_id, element, limit, offset))
    return list(await conn.fetch(_GAPS_CURRENT, unit_id, element, limit, offset, status))


async def decisions_by_gap(conn: Conn, keys: Sequence[str]) -> dict[str, asyncpg.Record]:
    rows = await conn.fetch(
        "SELECT * FROM gap_decisions WHERE gap_key = ANY($1::text[])", list(keys)
    )
    return {r["gap_key"]: r for r in rows}


async def decisions_of_unit(conn: Conn, unit_id: str) -> dict[str, asyncpg.Record]:
    rows = await conn.fetch("SELECT * FROM gap_decisions WHERE unit_id = $1", unit_id)
    return {r["gap_key"]: r for r in rows}


async def flagged_rows(
    conn: Conn, unit_id: str | None, limit: int, offset: int
) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            "SELECT d.*, g.unit_name, g.score_converted, g.mutu, g.sample_size"
            " FROM gap_decisions d LEFT JOIN rm_gaps g USING (gap_key)"
            " WHERE d.outcome = 'flagged' AND ($1::text IS NULL OR d.unit_id = $1)"
            " ORDER BY d.decided_at DESC, d.gap_key LIMIT $2 OFFSET $3",
            unit_id,
            limit,
            offset,
        )
    )


async def scheduled_programme_rows(
    conn: Conn, unit_id: str | None, limit: int, offset: int
) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            "SELECT * FROM scheduled_programmes WHERE ($1::text IS NULL OR unit_id = $1)"
            " ORDER BY scheduled_at DESC, scheduled_programme_id LIMIT $2 OFFSET $3",
            unit_id,
            limit,
            offset,
        )
    )


async def scheduled_programme_row(conn: Conn, scheduled_programme_id: str) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT * FROM scheduled_programmes WHERE scheduled_programme_id = $1",
        scheduled_programme_id,
    )
    return row


async def session_rows(conn: Conn, scheduled_programme_ids: Sequence[str]) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            "SELECT * FROM scheduled_sessions WHERE scheduled_programme_id = ANY($1::text[])"
            " ORDER BY scheduled_programme_id, session_ref",
            list(scheduled_programme_ids),
        )
    )


async def nudge_rows(
    conn: Conn, nip: str | None, programme_code: str | None, limit: int, offset: int
) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            "SELECT * FROM nudges WHERE ($1::text IS NULL OR nip = $1)"
            " AND ($2::text IS NULL OR programme_code = $2)"
            " ORDER BY requested_at DESC, event_id LIMIT $3 OFFSET $4",
            nip,
            programme_code,
            limit,
            offset,
        )
    )


_CONVERSION = """
SELECT programme_code, count(*) AS nudged,
       count(*) FILTER (WHERE converted) AS converted, sum(sent) AS nudges_sent
FROM (SELECT nip, programme_code, count(*) AS sent,
             bool_or(converted_at IS NOT NULL) AS converted
      FROM nudges GROUP BY nip, programme_code) pairs
GROUP BY programme_code ORDER BY programme_code
"""


async def conversion_rows(conn: Conn) -> tuple[list[asyncpg.Record], int, int]:
    """Per programme: people nudged, converted, nudges sent; and the escalation and waiting
    counts."""
    rows = list(await conn.fetch(_CONVERSION))
    escalated = int(await conn.fetchval("SELECT count(*) FROM nudge_escalations"))
    pending = int(await conn.fetchval("SELECT count(*) FROM pending_nudges"))
    return rows, escalated, pending


async def escalation_rows(conn: Conn, limit: int, offset: int) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            "SELECT * FROM nudge_escalations ORDER BY escalated_at DESC, trigger_event_id"
            " LIMIT $1 OFFSET $2",
            limit,
            offset,
        )
    )


async def unit_row(conn: Conn, unit_id: str) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT * FROM rm_units WHERE unit_id = $1", unit_id
    )
    return row


_PROGRAMMES_WITH_COMPLETIONS = """
SELECT p.*, u.unit_name, count(c.enrollment_id) AS completions,
       min(c.completed_on) AS first_completed_on, max(c.completed_on) AS last_completed_on
FROM scheduled_programmes p
LEFT JOIN rm_completions c ON c.scheduled_programme_id = p.scheduled_programme_id
LEFT JOIN rm_units u ON u.unit_id = p.unit_id
WHERE ($1::text IS NULL OR p.unit_id = $1)
GROUP BY p.scheduled_programme_id, u.unit_name
ORDER BY p.first_day, p.scheduled_programme_id
"""


async def programmes_with_completions(conn: Conn, unit_id: str | None) -> list[asyncpg.Record]:
    return list(await conn.fetch(_PROGRAMMES_WITH_COMPLETIONS, unit_id))
