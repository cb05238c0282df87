"""SQL of webhook_subscriptions."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

# The secrets as stored: sealed (encrypted) tokens; only asn_webhooks.sealing opens them.
COLUMNS = (
    "id, agency, url, event_types, allow_personal_data, status, paused_reason, secret_sealed,"
    " previous_secret_sealed, previous_secret_until, consecutive_failures, created_at, updated_at"
)


async def insert(
    conn: asyncpg.Connection,
    *,
    id: UUID,
    agency: str,
    url: str,
    event_types: list[str],
    allow_personal_data: bool,
    secret_sealed: str,
) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"INSERT INTO webhook_subscriptions (id, agency, url, event_types, allow_personal_data,"
        f" secret_sealed) VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}",
        id,
        agency,
        url,
        event_types,
        allow_personal_data,
        secret_sealed,
    )
    assert row is not None
    return row


async def get(conn: asyncpg.Connection, id: UUID, *, lock: bool = False) -> asyncpg.Record | None:
    suffix = " FOR UPDATE" if lock else ""
    return await conn.fetchrow(
        f"SELECT {COLUMNS} FROM webhook_subscriptions WHERE id = $1{suffix}", id
    )


async def list_all(conn: asyncpg.Connection, limit: int, offset: int) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            f"SELECT {COLUMNS} FROM webhook_subscriptions ORDER BY created_at, id"
            " LIMIT $1 OFFSET $2",
            limit,
            offset,
        )
    )


async def wanting(
    conn: asyncpg.Connection, event_type: str, event_time: datetime
) -> list[asyncpg.Record]:
    """Subscriptions that take this event type and existed when it happened (paused ones too:
    they keep their queue)."""
    return list(
        await conn.fetch(
            "SELECT id FROM webhook_subscriptions"
            " WHERE event_types @> ARRAY[$1::text] AND created_at <= $2",
            event_type,
            event_time,
        )
    )


async def set_status(
    conn: asyncpg.Connection, id: UUID, status: str, reason: str | None
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "UPDATE webhook_subscriptions SET status = $2, paused_reason = $3,"
        " consecutive_failures = CASE WHEN $2 = 'active' THEN 0 ELSE consecutive_failures END,"
        f" updated_at = now() WHERE id = $1 RETURNING {COLUMNS}",
        id,
        status,
        reason,
    )


async def set_secrets(
    conn: asyncpg.Connection,
    id: UUID,
    secret_sealed: str,
    previous_sealed: str | None,
    previous_until: datetime | None,
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "UPDATE webhook_subscriptions SET secret_sealed = $2, previous_secret_sealed = $3,"
        f" previous_secret_until = $4, updated_at = now() WHERE id = $1 RETURNING {COLUMNS}",
        id,
        secret_sealed,
        previous_sealed,
        previous_until,
    )


async def stored_secrets(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Every subscription's secrets as stored, clear (from before sealing) or sealed, locked."""
    return list(
        await conn.fetch(
            "SELECT id, secret, previous_secret, secret_sealed, previous_secret_sealed"
            " FROM webhook_subscriptions ORDER BY id FOR UPDATE"
        )
    )


async def set_sealed(
    conn: asyncpg.Connection, id: UUID, secret_sealed: str, previous_sealed: str | None
) -> None:
    """Store the sealed secrets and forget any clear ones (updated_at stays: not a change an
    admin made)."""
    await conn.execute(
        "UPDATE webhook_subscriptions SET secret_sealed = $2, previous_secret_sealed = $3,"
        " secret = NULL, previous_secret = NULL WHERE id = $1",
        id,
        secret_sealed,
        previous_sealed,
    )


async def delete(conn: asyncpg.Connection, id: UUID) -> bool:
    status = await conn.execute("DELETE FROM webhook_subscriptions WHERE id = $1", id)
    return bool(status.endswith(" 1"))


async def record_success(conn: asyncpg.Connection, id: UUID) -> None:
    await conn.execute(
        "UPDATE webhook_subscriptions SET consecutive_failures = 0"
        " WHERE id = $1 AND consecutive_failures <> 0",
        id,
    )


async def record_failure(conn: asyncpg.Connection, id: UUID) -> asyncpg.Record | None:
    """One more consecutive failure; returns (status, consecutive_failures) after it."""
    return await conn.fetchrow(
        "UPDATE webhook_subscriptions SET consecutive_failures = consecutive_failures + 1"
        " WHERE id = $1 RETURNING status, consecutive_failures",
        id,
    )
