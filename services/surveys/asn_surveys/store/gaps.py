"""The gap_state table: per (unit, period, element) whether a service gap is open."""

from __future__ import annotations

from decimal import Decimal

import asyncpg

from asn_platform.outbox import DbConnection
from asn_platform.vocabulary import ElementCode
from asn_surveys.domain.ikm import ELEMENT_CODES

_LOCK = (
    "SELECT element, open FROM gap_state WHERE unit_id = $1 AND period_key = $2"
    " ORDER BY element FOR UPDATE"
)


async def lock_states(conn: DbConnection, unit_id: str, period_key: str) -> dict[ElementCode, bool]:
    """Lock the period's nine state rows (creating them once), in key order, so that one
    decision is taken per crossing even when intakes for the unit run concurrently."""
    rows = await conn.fetch(_LOCK, unit_id, period_key)
    if len(rows) < len(ELEMENT_CODES):
        await conn.execute(
            "INSERT INTO gap_state (unit_id, period_key, element)"
            " SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING",
            unit_id,
            period_key,
            [code.value for code in ELEMENT_CODES],
        )
        rows = await conn.fetch(_LOCK, unit_id, period_key)
    return {ElementCode(r["element"]): bool(r["open"]) for r in rows}


async def set_state(
    conn: DbConnection,
    unit_id: str,
    period_key: str,
    element: ElementCode,
    *,
    opened: bool,
    score: Decimal,
    sample_size: int,
) -> None:
    await conn.execute(
        """UPDATE gap_state SET open = $4, score = $5, sample_size = $6, updated_at = now(),
               opened_at = CASE WHEN $4 THEN now() ELSE opened_at END,
               closed_at = CASE WHEN $4 THEN NULL ELSE now() END
           WHERE unit_id = $1 AND period_key = $2 AND element = $3""",
        unit_id,
        period_key,
        element.value,
        opened,
        score,
        sample_size,
    )


async def list_gaps(
    conn: DbConnection, *, unit_id: str | None, period_key: str | None, open_only: bool
) -> list[asyncpg.Record]:
    """Decided gaps (a score was judged), newest period first."""
    return list(
        await conn.fetch(
            """SELECT unit_id, element, period_key, open, score, sample_size, opened_at,
                      closed_at
               FROM gap_state
               WHERE ($1::text IS NULL OR unit_id = $1)
                 AND ($2::text IS NULL OR period_key = $2)
                 AND (open OR NOT $3) AND score IS NOT NULL
               ORDER BY period_key DESC, unit_id, element""",
            unit_id,
            period_key,
            open_only,
        )
    )
