"""The responses table: one row per accepted SKM response (personal data, never published)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from uuid import UUID

import asyncpg

from asn_platform.contracts import IntakeChannel
from asn_platform.outbox import DbConnection
from asn_surveys.domain.ikm import ELEMENT_CODES
from asn_surveys.domain.response import SurveyResponseIn
from asn_surveys.domain.units import Unit
from asn_surveys.store.units import UNIT_COLUMNS, unit_from_row

# The unit lookup and the insert in one round trip: the response is inserted only if its unit
# exists, is active and offers the service; the unit row comes back either way (none: unknown).
_INSERT_RESPONSE = f"""
WITH u AS (
    SELECT {UNIT_COLUMNS} FROM units WHERE unit_id = $2
), ins AS (
    INSERT INTO responses (response_id, unit_id, service, submitted_at, channel,
                           u1, u2, u3, u4, u5, u6, u7, u8, u9,
                           sex, age, education, occupation, comment, client_ref)
    SELECT $1, u.unit_id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
           $15, $16, $17, $18, $19, $20
    FROM u WHERE u.active AND $3 = ANY (u.services)
    ON CONFLICT (unit_id, client_ref) DO NOTHING
    RETURNING response_id
)
SELECT u.*, (SELECT response_id FROM ins) AS inserted FROM u
"""


async def insert_response(
    conn: DbConnection, response_id: UUID, response: SurveyResponseIn, channel: IntakeChannel
) -> tuple[Unit | None, UUID | None]:
    """Insert the response if its unit takes it. Returns the unit (None: no such unit) and the
    id inserted (None: the unit refused it, or its client_ref was seen before)."""
    answers = response.answers_by_code
    r = response.respondent
    row = await conn.fetchrow(
        _INSERT_RESPONSE,
        response_id,
        response.unit_id,
        response.service,
        response.submitted_at,
        channel.value,
        *[answers[code] for code in ELEMENT_CODES],
        r.sex.value,
        r.age,
        r.education.value,
        r.occupation.value,
        response.comment,
        response.client_ref,
    )
    if row is None:
        return None, None
    return unit_from_row(row), row["inserted"]


async def response_by_client_ref(
    conn: DbConnection, unit_id: str, client_ref: str | None
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM responses WHERE unit_id = $1 AND client_ref = $2", unit_id, client_ref
    )


_ANONYMISE = """
UPDATE responses SET
    comment = NULL,
    age = NULL,
    age_band = CASE WHEN age < 20 THEN '<20' WHEN age >= 60 THEN '60+'
                    ELSE (age / 10 * 10)::text || '-' || (age / 10 * 10 + 9)::text END,
    anonymised_at = now()
WHERE anonymised_at IS NULL AND received_at < now() - make_interval(days => $1)
"""


async def anonymise_expired(conn: DbConnection | asyncpg.Pool, retention_days: int) -> int:
    """Drop the comment and exact age (the age band stays) of every response older than the
    retention period; returns how many."""
    status = await conn.execute(_ANONYMISE, retention_days)
    return int(status.split()[-1])


# The processing table's rows: oldest first, on the (unit_id, submitted_at) index; response_id
# breaks ties so that pages never overlap.
_RESPONDENTS = """
SELECT submitted_at, service, u1, u2, u3, u4, u5, u6, u7, u8, u9 FROM responses
WHERE unit_id = $1 AND submitted_at >= $2 AND submitted_at < $3
  AND ($4::text IS NULL OR service = $4)
ORDER BY submitted_at, response_id
"""


async def respondent_page(
    conn: DbConnection,
    unit_id: str,
    start: datetime,
    end: datetime,
    service: str | None,
    limit: int,
    offset: int,
) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            _RESPONDENTS + " LIMIT $5 OFFSET $6", unit_id, start, end, service, limit, offset
        )
    )


async def respondent_cursor(
    conn: asyncpg.Connection, unit_id: str, start: datetime, end: datetime, service: str | None
) -> AsyncIterator[asyncpg.Record]:
    """Every row of the period, fetched in batches (call inside a transaction)."""
    async for record in conn.cursor(_RESPONDENTS, unit_id, start, end, service, prefetch=2000):
        yield record
