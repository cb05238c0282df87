"""The sender's units of work: claim due messages, gather what a message says, settle it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from asn_notifications.domain.contacts import Contact
from asn_notifications.store import contacts, deliveries
from asn_notifications.store import readmodels as rm
from asn_platform.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything a message's templates need, read at send time (the latest session state)."""

    delivery: dict[str, Any]
    contact: Contact | None
    recipient: dict[str, Any] | None
    person: dict[str, Any] | None  # whom an escalation is about
    programme: dict[str, Any] | None
    session: dict[str, Any] | None


async def claim(
    uow: UnitOfWork, now: datetime, lease: timedelta, limit: int
) -> list[dict[str, Any]]:
    return await deliveries.claim_due(uow.conn, now, lease, limit)


async def gather(conn: asyncpg.Connection, delivery: dict[str, Any]) -> Facts:
    payload = delivery["payload"]
    recipient = await rm.profile(conn, delivery["recipient_nip"])
    person_nip = payload.get("person_nip")
    person = await rm.profile(conn, person_nip) if person_nip else None
    code = payload.get("programme_code")
    programme = await rm.programme(conn, code) if code else None
    session_id = payload.get("session_id")
    session = await rm.session(conn, session_id) if session_id else None
    if programme is None and session is not None:
        programme = await rm.programme(conn, session["programme_code"])
    return Facts(
        delivery=delivery,
        contact=await contacts.get(conn, delivery["recipient_nip"]),
        recipient=dict(recipient) if recipient else None,
        person=dict(person) if person else None,
        programme=dict(programme) if programme else None,
        session=session,
    )


async def settle_sent(
    uow: UnitOfWork, delivery_id: int, *, channel: str, provider_id: str | None, now: datetime
) -> None:
    await deliveries.mark_sent(
        uow.conn, delivery_id, channel=channel, provider_id=provider_id, now=now
    )


async def settle_retry(
    uow: UnitOfWork, delivery_id: int, *, channel: str | None, error: str, at: datetime
) -> None:
    await deliveries.mark_retry(uow.conn, delivery_id, channel=channel, error=error, at=at)


async def settle_failed(
    uow: UnitOfWork, delivery_id: int, *, channel: str | None, error: str
) -> None:
    await deliveries.mark_failed(uow.conn, delivery_id, channel=channel, error=error)
