"""IKM aggregate rows (ikm_buckets): the incremental counters behind every IKM figure.

One row per (unit, period, service), service '' being the whole unit. A response adds its
counters to its eight rows with one upsert statement, so intake cost does not depend on how many
responses are stored; reads rebuild a SurveyAggregate from a row (or from several, summed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg

from asn_platform.outbox import DbConnection
from asn_surveys.domain.aggregate import COUNTER_NAMES, BucketKey, SurveyAggregate

UNIT_WIDE = ""  # service column value of the whole-unit bucket

_COLS = ", ".join(COUNTER_NAMES)
_PARAMS = ", ".join(f"${i + 4}::bigint" for i in range(len(COUNTER_NAMES)))
_ADD = ", ".join(f"{c} = b.{c} + EXCLUDED.{c}" for c in COUNTER_NAMES)

# All buckets of one response in one statement. Rows are taken in key order so that concurrent
# intakes for the same unit lock them in the same order (no deadlock); the row locks are held to
# commit, which also serialises the gap decision of that unit.
ADD_TO_BUCKETS = f"""
INSERT INTO ikm_buckets AS b (unit_id, period_key, service, {_COLS})
SELECT k.unit_id, k.period_key, k.service, {_PARAMS}
FROM unnest($1::text[], $2::text[], $3::text[]) AS k(unit_id, period_key, service)
ORDER BY k.unit_id, k.period_key, k.service
ON CONFLICT (unit_id, period_key, service) DO UPDATE SET {_ADD}, updated_at = now()
RETURNING b.*
"""


def sorted_keys(keys: Sequence[BucketKey]) -> list[BucketKey]:
    return sorted(keys, key=lambda k: (k.unit_id, k.period_key, k.service or UNIT_WIDE))


async def add_to_buckets(
    conn: DbConnection, keys: Sequence[BucketKey], delta: Mapping[str, int]
) -> list[asyncpg.Record]:
    """Add one response's counters to its buckets; returns the updated rows."""
    ordered = sorted_keys(keys)
    return list(
        await conn.fetch(
            ADD_TO_BUCKETS,
            [k.unit_id for k in ordered],
            [k.period_key for k in ordered],
            [k.service or UNIT_WIDE for k in ordered],
            *[delta.get(name, 0) for name in COUNTER_NAMES],
        )
    )


def aggregate_of(row: asyncpg.Record | Mapping[str, Any] | None) -> SurveyAggregate:
    if row is None:
        return SurveyAggregate()
    return SurveyAggregate.from_counters({name: int(row[name]) for name in COUNTER_NAMES})


async def unit_buckets(
    conn: DbConnection, unit_id: str, period_key: str
) -> dict[str, SurveyAggregate]:
    """The unit-wide bucket ('') and every service bucket of a unit in a period."""
    rows = await conn.fetch(
        "SELECT * FROM ikm_buckets WHERE unit_id = $1 AND period_key = $2", unit_id, period_key
    )
    return {r["service"]: aggregate_of(r) for r in rows}


async def unit_bucket(
    conn: DbConnection, unit_id: str, period_key: str, service: str = UNIT_WIDE
) -> SurveyAggregate:
    row = await conn.fetchrow(
        "SELECT * FROM ikm_buckets WHERE unit_id = $1 AND period_key = $2 AND service = $3",
        unit_id,
        period_key,
        service,
    )
    return aggregate_of(row)


async def city_buckets(conn: DbConnection, period_key: str) -> dict[str, SurveyAggregate]:
    """Every unit's whole-unit bucket of a period (the parts of the city-wide figure)."""
    rows = await conn.fetch(
        "SELECT * FROM ikm_buckets WHERE period_key = $1 AND service = '' ORDER BY unit_id",
        period_key,
    )
    return {r["unit_id"]: aggregate_of(r) for r in rows}
