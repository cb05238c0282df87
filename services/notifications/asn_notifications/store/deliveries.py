"""The delivery table: planned in the deciding transaction, claimed and settled by the sender."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from asn_notifications.domain.messages import NO_ADDRESS, Kind, Planned, Status
from asn_platform.outbox import DbConnection

_COLUMNS = (
    "id, message_key, kind, recipient_nip, payload, status, channel, attempts, not_before,"
    " last_error, provider_id, created_at, sent_at"
)


async def plan(
    conn: asyncpg.Connection,
    message: Planned,
    *,
    now: datetime,
    not_before: datetime,
    status: Status = Status.PENDING,
    reason: str | None = None,
) -> bool:
    """Insert the message unless its key exists; True when it is new."""
    row = await conn.fetchval(
        """INSERT INTO deliveries (message_key, kind, recipient_nip, payload, status, not_before,
               last_error, created_at)
           VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8)
           ON CONFLICT (message_key) DO NOTHING RETURNING id""",
        message.key, message.kind.value, message.recipient_nip, json.dumps(message.payload),
        status.value, not_before, reason, now,
    )  # fmt: skip
    return row is not None


async def persuasion_since(conn: asyncpg.Connection, nip: str, since: datetime) -> int:
    """Nudges planned for ``nip`` since then (sent or still to go; skipped ones not counted;
    escalations a supervisor receives about others do not use up their own cap)."""
    count: int = await conn.fetchval(
        "SELECT count(*) FROM deliveries WHERE recipient_nip = $1 AND kind = $2"
        " AND created_at >= $3 AND status <> 'skipped'",
        nip,
        Kind.NUDGE.value,
        since,
    )
    return count


async def claim_due(
    conn: asyncpg.Connection, now: datetime, lease: timedelta, limit: int
) -> list[dict[str, Any]]:
    """Claim due messages (pending, or sending with an expired lease) for this sender; other
    senders skip the locked rows."""
    rows = await conn.fetch(
        f"""UPDATE deliveries d SET status = 'sending', lease_until = $2, attempts = d.attempts + 1
            FROM (SELECT id FROM deliveries
                  WHERE status IN ('pending', 'sending') AND not_before <= $1
                    AND (status = 'pending' OR lease_until < $1)
                  ORDER BY not_before, id LIMIT $3 FOR UPDATE SKIP LOCKED) due
            WHERE d.id = due.id
            RETURNING {", ".join("d." + c.strip() for c in _COLUMNS.split(","))}""",
        now,
        now + lease,
        limit,
    )
    return [_decoded(r) for r in rows]


def _decoded(row: asyncpg.Record) -> dict[str, Any]:
    found = dict(row)
    if isinstance(found.get("payload"), str):
        found["payload"] = json.loads(found["payload"])
    return found


async def mark_sent(
    conn: asyncpg.Connection,
    delivery_id: int,
    *,
    channel: str,
    provider_id: str | None,
    now: datetime,
) -> None:
    await conn.execute(
        "UPDATE deliveries SET status = 'sent', channel = $2, provider_id = $3, sent_at = $4,"
        " lease_until = NULL, last_error = NULL WHERE id = $1",
        delivery_id,
        channel,
        provider_id,
        now,
    )


async def mark_retry(
    conn: asyncpg.Connection, delivery_id: int, *, channel: str | None, error: str, at: datetime
) -> None:
    await conn.execute(
        "UPDATE deliveries SET status = 'pending', channel = $2, last_error = $3, not_before = $4,"
        " lease_until = NULL WHERE id = $1",
        delivery_id,
        channel,
        error[:1000],
        at,
    )


async def mark_failed(
    conn: asyncpg.Connection, delivery_id: int, *, channel: str | None, error: str
) -> None:
    await conn.execute(
        "UPDATE deliveries SET status = 'failed', channel = $2, last_error = $3,"
        " lease_until = NULL WHERE id = $1",
        delivery_id,
        channel,
        error[:1000],
    )


async def undelivered(
    conn: asyncpg.Connection, statuses: list[str], limit: int, offset: int
) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM deliveries WHERE status = ANY($1::text[])"
        " ORDER BY created_at, id LIMIT $2 OFFSET $3",
        statuses,
        limit,
        offset,
    )
    return [_decoded(r) for r in rows]


async def resend(conn: asyncpg.Connection, delivery_id: int, now: datetime) -> str | None:
    """Make a failed or skipped message due again (attempts start over); its old status, or None
    when there is no such message. A sent or pending one is left as it is."""
    old: str | None = await conn.fetchval(
        "SELECT status FROM deliveries WHERE id = $1 FOR UPDATE", delivery_id
    )
    if old in (Status.FAILED.value, Status.SKIPPED.value):
        await conn.execute(
            "UPDATE deliveries SET status = 'pending', attempts = 0, not_before = $2,"
            " lease_until = NULL WHERE id = $1",
            delivery_id,
            now,
        )
    return old


async def for_recipient(conn: asyncpg.Connection, nip: str, limit: int) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM deliveries WHERE recipient_nip = $1"
        " ORDER BY created_at DESC, id DESC LIMIT $2",
        nip,
        limit,
    )
    return [_decoded(r) for r in rows]


async def retry_unaddressed(conn: asyncpg.Connection, nips: list[str], now: datetime) -> int:
    """Messages that failed for want of an address to these people are due again."""
    result: str = await conn.execute(
        "UPDATE deliveries SET status = 'pending', attempts = 0, not_before = greatest(not_before, $2),"
        " lease_until = NULL WHERE recipient_nip = ANY($1::text[]) AND status = 'failed'"
        " AND starts_with(last_error, $3)",
        nips,
        now,
        NO_ADDRESS,
    )
    return int(result.split()[-1])


async def purge_settled(conn: DbConnection, before: datetime, limit: int) -> int:
    """Delete at most ``limit`` sent or skipped rows settled before then (sent_at, or for a
    skipped one the moment it was decided); failed and pending rows stay for the admin."""
    status = await conn.execute(
        """DELETE FROM deliveries WHERE id IN (
               SELECT id FROM deliveries
               WHERE status IN ('sent', 'skipped') AND coalesce(sent_at, created_at) < $1
               LIMIT $2)""",
        before,
        limit,
    )
    return int(status.split()[-1])
