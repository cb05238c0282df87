"""The contacts table (personal data: email and mobile number)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg

from asn_notifications.domain.contacts import Channel, Contact

_UPSERT = """
INSERT INTO contacts (nip, email, mobile, channel, lang, nudge_opt_out, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (nip) DO UPDATE SET email = $2, mobile = $3, channel = $4, lang = $5,
    nudge_opt_out = $6, updated_at = $7
"""


def _row(c: Contact, now: datetime) -> tuple[object, ...]:
    return (c.nip, c.email, c.mobile, c.channel.value, c.lang, c.nudge_opt_out, now)


async def upsert(conn: asyncpg.Connection, contact: Contact, now: datetime) -> None:
    await conn.execute(_UPSERT, *_row(contact, now))


async def upsert_many(conn: asyncpg.Connection, contacts: Sequence[Contact], now: datetime) -> None:
    if contacts:
        await conn.executemany(_UPSERT, [_row(c, now) for c in contacts])


def _contact(row: asyncpg.Record) -> Contact:
    return Contact(
        nip=row["nip"],
        email=row["email"],
        mobile=row["mobile"],
        channel=Channel(row["channel"]),
        lang=row["lang"],
        nudge_opt_out=row["nudge_opt_out"],
    )


async def get(conn: asyncpg.Connection, nip: str) -> Contact | None:
    row = await conn.fetchrow("SELECT * FROM contacts WHERE nip = $1", nip)
    return _contact(row) if row else None


async def updated_at(conn: asyncpg.Connection, nip: str) -> datetime | None:
    value: datetime | None = await conn.fetchval(
        "SELECT updated_at FROM contacts WHERE nip = $1", nip
    )
    return value
