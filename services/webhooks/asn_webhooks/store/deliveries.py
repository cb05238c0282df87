"""SQL of webhook_deliveries: one row per (subscription, event), its attempts and outcome.

Which rows may go: per (subscription, key) only the oldest pending row (the head), so the next
event of a key waits until the one before was acknowledged or dead-lettered; only for active
subscriptions; only when due and not leased by a sender already.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import asyncpg


async def insert_for(
    conn: asyncpg.Connection,
    subscription_ids: list[UUID],
    *,
    event_id: UUID,
    event_type: str,
    event_key: str,
    body: bytes,
) -> int:
    """One row per subscription; a row that exists already (a redelivered event) is kept."""
    if not subscription_ids:
        return 0
    status = await conn.execute(
        "INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, event_key, body)"
        " SELECT s, $2, $3, $4, $5 FROM unnest($1::uuid[]) AS s"
        " ON CONFLICT (subscription_id, event_id) DO NOTHING",
        subscription_ids,
        event_id,
        event_type,
        event_key,
        body,
    )
    return int(status.split()[-1])


CLAIM = """
WITH heads AS (
    SELECT DISTINCT ON (d.subscription_id, d.event_key)
           d.id, d.next_attempt_at, d.locked_until
      FROM webhook_deliveries d
      JOIN webhook_subscriptions s ON s.id = d.subscription_id AND s.status = 'active'
     WHERE d.status = 'pending'
     ORDER BY d.subscription_id, d.event_key, d.id
), due AS (
    SELECT id FROM heads
     WHERE next_attempt_at <= $1 AND (locked_until IS NULL OR locked_until <= $1)
     ORDER BY next_attempt_at, id
     LIMIT $2
)
UPDATE webhook_deliveries d
   SET locked_until = $1 + $3::interval
  FROM due, webhook_subscriptions s
 WHERE d.id = due.id AND s.id = d.subscription_id
   AND d.status = 'pending' AND (d.locked_until IS NULL OR d.locked_until <= $1)
RETURNING d.id, d.subscription_id, d.event_id, d.event_type, d.event_key, d.body, d.attempts,
          s.url, s.secret_sealed, s.previous_secret_sealed, s.previous_secret_until
"""


async def claim_due(
    conn: asyncpg.Connection, now: datetime, limit: int, lease: timedelta
) -> list[asyncpg.Record]:
    return list(await conn.fetch(CLAIM, now, limit, lease))


async def next_due_at(conn: asyncpg.Connection) -> datetime | None:
    """When the earliest pending head of an active subscription becomes due."""
    value = await conn.fetchval(
        "SELECT min(GREATEST(d.next_attempt_at, COALESCE(d.locked_until, d.next_attempt_at)))"
        " FROM webhook_deliveries d JOIN webhook_subscriptions s"
        " ON s.id = d.subscription_id AND s.status = 'active' WHERE d.status = 'pending'"
    )
    return value  # type: ignore[no-any-return]


async def mark_delivered(
    conn: asyncpg.Connection, id: int, now: datetime, http_status: int
) -> bool:
    status = await conn.execute(
        "UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1,"
        " finished_at = $2, last_status = $3, last_error = NULL, locked_until = NULL"
        " WHERE id = $1 AND status = 'pending'",
        id,
        now,
        http_status,
    )
    return bool(status.endswith(" 1"))


async def mark_failed(
    conn: asyncpg.Connection,
    id: int,
    *,
    dead: bool,
    next_attempt_at: datetime,
    now: datetime,
    http_status: int | None,
    error: str,
) -> bool:
    status = await conn.execute(
        "UPDATE webhook_deliveries SET attempts = attempts + 1, locked_until = NULL,"
        " status = CASE WHEN $2 THEN 'dead' ELSE 'pending' END,"
        " finished_at = CASE WHEN $2 THEN $4::timestamptz END,"
        " next_attempt_at = $3, last_status = $5, last_error = $6"
        " WHERE id = $1 AND status = 'pending'",
        id,
        dead,
        next_attempt_at,
        now,
        http_status,
        error[:500],
    )
    return bool(status.endswith(" 1"))


async def make_due_now(conn: asyncpg.Connection, subscription_id: UUID, now: datetime) -> int:
    """On resume: what waited goes at once instead of at its backed-off time."""
    status = await conn.execute(
        "UPDATE webhook_deliveries SET next_attempt_at = $2"
        " WHERE subscription_id = $1 AND status = 'pending' AND next_attempt_at > $2",
        subscription_id,
        now,
    )
    return int(status.split()[-1])


async def dead_letters(
    conn: asyncpg.Connection, subscription_id: UUID, limit: int, offset: int
) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            "SELECT id, event_id, event_type, event_key, attempts, last_status, last_error,"
            " created_at, finished_at FROM webhook_deliveries"
            " WHERE subscription_id = $1 AND status = 'dead' ORDER BY id LIMIT $2 OFFSET $3",
            subscription_id,
            limit,
            offset,
        )
    )


async def redeliver(
    conn: asyncpg.Connection, subscription_id: UUID, ids: list[int] | None, now: datetime
) -> int:
    """Dead rows back to pending with fresh attempts (all of them, or the given ids)."""
    status = await conn.execute(
        "UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = $3,"
        " finished_at = NULL, locked_until = NULL"
        " WHERE subscription_id = $1 AND status = 'dead' AND ($2::bigint[] IS NULL OR id = ANY($2))",
        subscription_id,
        ids,
        now,
    )
    return int(status.split()[-1])


async def counts(conn: asyncpg.Connection, subscription_id: UUID) -> dict[str, int]:
    rows = await conn.fetch(
        "SELECT status, count(*) AS n FROM webhook_deliveries WHERE subscription_id = $1"
        " GROUP BY status",
        subscription_id,
    )
    out = {"pending": 0, "delivered": 0, "dead": 0}
    out.update({r["status"]: int(r["n"]) for r in rows})
    return out


async def purge_delivered(conn: asyncpg.Connection, older_than: datetime, limit: int) -> int:
    status = await conn.execute(
        "DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries"
        " WHERE status = 'delivered' AND finished_at < $1 LIMIT $2)",
        older_than,
        limit,
    )
    return int(status.split()[-1])
