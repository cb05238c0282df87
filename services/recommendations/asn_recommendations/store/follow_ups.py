"""The queries of the follow-up sweep: persisting gaps due for a follow-up, flagged gaps worth
deciding again, and a unit's element score in a later period."""

from __future__ import annotations

from datetime import date

import asyncpg

from asn_recommendations.store.conn import Conn

# Open gaps (latest announcement per unit, element, period kind) whose latest programme for
# that unit and element ended at least the cool-down ago.
_CANDIDATES = """
WITH current AS (
    SELECT DISTINCT ON (unit_id, element, period_kind) *
    FROM rm_gaps
    ORDER BY unit_id, element, period_kind, period_start DESC, detected_at DESC, event_id DESC
), latest AS (
    SELECT DISTINCT ON (unit_id, element) unit_id, element, last_day
    FROM scheduled_programmes ORDER BY unit_id, element, last_day DESC
)
SELECT c.*, l.last_day FROM current c JOIN latest l USING (unit_id, element)
WHERE c.status = 'opened' AND l.last_day + $1::int <= $2::date
ORDER BY c.unit_id, c.element, c.period_kind
"""

# Open gaps flagged only for something that may change by itself: nobody eligible yet (the
# roster lags), no free dates, or no programme of the rule in the catalogue read model yet.
_RETRY = """
WITH current AS (
    SELECT DISTINCT ON (unit_id, element, period_kind) *
    FROM rm_gaps
    ORDER BY unit_id, element, period_kind, period_start DESC, detected_at DESC, event_id DESC
)
SELECT c.* FROM current c JOIN gap_decisions d USING (gap_key)
WHERE c.status = 'opened' AND d.outcome = 'flagged'
  AND d.reason IN ('no_eligible_staff', 'no_dates', 'no_programme_fits')
ORDER BY c.unit_id, c.element, c.period_kind
"""

_LATER_SCORE = """
SELECT period, answer_sum, answer_count FROM rm_element_counts
WHERE unit_id = $1 AND element = $2 AND period_kind = $3 AND period_start > $4
  AND period_start <= $5
ORDER BY period_start DESC LIMIT 1
"""


async def follow_up_candidates(conn: Conn, cooldown_days: int, today: date) -> list[asyncpg.Record]:
    return list(await conn.fetch(_CANDIDATES, cooldown_days, today))


async def gaps_to_retry(conn: Conn) -> list[asyncpg.Record]:
    return list(await conn.fetch(_RETRY))


async def later_counts(
    conn: Conn, unit_id: str, element: str, period_kind: str, after: date, today: date
) -> asyncpg.Record | None:
    """The answer counters of the latest period of that kind that started after ``after``."""
    row: asyncpg.Record | None = await conn.fetchrow(
        _LATER_SCORE, unit_id, element, period_kind, after, today
    )
    return row


_NO_PROGRAMME = """
WITH current AS (
    SELECT DISTINCT ON (unit_id, element, period_kind) *
    FROM rm_gaps
    ORDER BY unit_id, element, period_kind, period_start DESC, detected_at DESC, event_id DESC
)
SELECT c.* FROM current c JOIN gap_decisions d USING (gap_key)
WHERE c.status = 'opened' AND d.outcome = 'flagged' AND d.reason = 'no_programme_fits'
ORDER BY c.unit_id, c.element, c.period_kind
"""


async def gaps_without_programme(conn: Conn) -> list[asyncpg.Record]:
    """Open gaps flagged because no programme of their rule was in the catalogue read model."""
    return list(await conn.fetch(_NO_PROGRAMME))
