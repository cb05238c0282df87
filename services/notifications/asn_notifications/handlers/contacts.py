"""Contacts: changed over the API or imported by CSV."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from asn_notifications.domain.contacts import Contact
from asn_notifications.store import contacts, deliveries
from asn_platform.uow import UnitOfWork


async def put_contact(uow: UnitOfWork, contact: Contact, now: datetime) -> Contact:
    """Store the contact; what failed for want of an address to this person goes again."""
    await contacts.upsert(uow.conn, contact, now)
    await deliveries.retry_unaddressed(uow.conn, [contact.nip], now)
    return contact


async def import_contacts(uow: UnitOfWork, found: Sequence[Contact], now: datetime) -> int:
    await contacts.upsert_many(uow.conn, found, now)
    await deliveries.retry_unaddressed(uow.conn, [c.nip for c in found], now)
    return len(found)


async def contact_of(conn: asyncpg.Connection, nip: str) -> Contact | None:
    return await contacts.get(conn, nip)
