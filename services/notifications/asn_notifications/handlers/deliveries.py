"""Read side and re-send of the delivery table (the admin's view of what did not arrive)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import asyncpg

from asn_notifications.domain.messages import Status
from asn_notifications.store import deliveries
from asn_platform.outbox import DbConnection
from asn_platform.uow import UnitOfWork


async def undelivered(
    conn: asyncpg.Connection, statuses: list[Status], limit: int, offset: int
) -> list[dict[str, Any]]:
    return await deliveries.undelivered(conn, [s.value for s in statuses], limit, offset)


async def resend(uow: UnitOfWork, delivery_id: int, now: datetime) -> str | None:
    return await deliveries.resend(uow.conn, delivery_id, now)


async def messages_of(conn: asyncpg.Connection, nip: str, limit: int) -> list[dict[str, Any]]:
    return await deliveries.for_recipient(conn, nip, limit)


async def purge_settled(conn: DbConnection, now: datetime, retention: timedelta, limit: int) -> int:
    """One batch of the scheduled purge: sent and skipped messages older than the retention.

    The row is what keeps a redelivered or replayed event from sending its message again, so
    the retention must outlast the topics' (README, "Delivery you can trust"). Certificates
    live in their own table and are never purged."""
    return await deliveries.purge_settled(conn, now - retention, limit)
