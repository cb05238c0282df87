"""The ASN roster table: reads, inserts, updates and row locks (handlers/roster.py decides what
changed and publishes it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from asn_enrollment.domain.roster import PROFILE_FIELDS, CivilServant
from asn_platform.vocabulary import Bidang, PositionType

_COLUMNS = ", ".join(PROFILE_FIELDS)
# One key per database: two instances starting together seed the roster once.
_SEED_LOCK = 0x41534E52  # "ASNR"


def servant_from_row(row: asyncpg.Record) -> CivilServant:
    """A stored profile (validated when written) without re-running the NIP checks."""
    return CivilServant.model_construct(
        nip=row["nip"],
        name=row["name"],
        unit_id=row["unit_id"],
        bidang=Bidang(row["bidang"]),
        position=row["position"],
        position_type=PositionType(row["position_type"]),
        rank=row["rank"],
        supervisor_nip=row["supervisor_nip"],
        active=row["active"],
    )


def values_of(servant: CivilServant) -> tuple[Any, ...]:
    return (
        servant.nip,
        servant.name,
        servant.unit_id,
        servant.bidang.value,
        servant.position,
        servant.position_type.value,
        servant.rank,
        servant.supervisor_nip,
        servant.active,
    )


async def get(conn: asyncpg.Connection, nip: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_COLUMNS}, created_at, updated_at FROM civil_servants WHERE nip = $1", nip
    )


async def search(
    conn: asyncpg.Connection,
    *,
    unit_id: str | None,
    bidang: str | None,
    active: bool | None,
    limit: int,
    offset: int,
) -> tuple[int, list[asyncpg.Record]]:
    where = (
        "($1::text IS NULL OR unit_id = $1) AND ($2::text IS NULL OR bidang = $2)"
        " AND ($3::boolean IS NULL OR active = $3)"
    )
    total = await conn.fetchval(
        f"SELECT count(*) FROM civil_servants WHERE {where}", unit_id, bidang, active
    )
    rows = await conn.fetch(
        f"SELECT {_COLUMNS}, created_at, updated_at FROM civil_servants WHERE {where}"
        " ORDER BY unit_id, nip LIMIT $4 OFFSET $5",
        unit_id,
        bidang,
        active,
        limit,
        offset,
    )
    return int(total), rows


def stored_values(row: asyncpg.Record) -> tuple[Any, ...]:
    """The profile columns of a row, comparable with values_of(servant)."""
    return tuple(row[k] for k in PROFILE_FIELDS)


async def insert(
    conn: asyncpg.Connection, servant: CivilServant, at: datetime
) -> asyncpg.Record | None:
    """The new row, or None when the NIP is already on the roster."""
    return await conn.fetchrow(
        f"INSERT INTO civil_servants ({_COLUMNS}, created_at, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)"
        f" ON CONFLICT (nip) DO NOTHING RETURNING {_COLUMNS}, created_at, updated_at",
        *values_of(servant),
        at,
    )


async def lock(conn: asyncpg.Connection, nip: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM civil_servants WHERE nip = $1 FOR NO KEY UPDATE", nip
    )


async def lock_many(conn: asyncpg.Connection, nips: Sequence[str]) -> dict[str, asyncpg.Record]:
    """Lock the existing rows in NIP order, so that two imports of overlapping files cannot
    deadlock."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM civil_servants WHERE nip = ANY($1::text[])"
        " ORDER BY nip FOR NO KEY UPDATE",
        sorted(nips),
    )
    return {row["nip"]: row for row in rows}


async def write(conn: asyncpg.Connection, servant: CivilServant, at: datetime) -> asyncpg.Record:
    row = await conn.fetchrow(
        "UPDATE civil_servants SET name = $2, unit_id = $3, bidang = $4, position = $5,"
        " position_type = $6, rank = $7, supervisor_nip = $8, active = $9, updated_at = $10"
        f" WHERE nip = $1 RETURNING {_COLUMNS}, created_at, updated_at",
        *values_of(servant),
        at,
    )
    assert row is not None
    return row


async def insert_many(
    conn: asyncpg.Connection, servants: Sequence[CivilServant], at: datetime
) -> set[str]:
    """Insert new profiles in one statement; the NIPs actually inserted (a concurrent
    transaction may have inserted some since the caller looked)."""
    if not servants:
        return set()
    inserted = await conn.fetch(
        f"INSERT INTO civil_servants ({_COLUMNS}, created_at, updated_at)"
        " SELECT n, na, u, b, p, pt, r, sup, a, $10, $10 FROM unnest("
        "$1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],"
        " $7::text[], $8::text[], $9::boolean[]) AS t(n, na, u, b, p, pt, r, sup, a)"
        " ON CONFLICT (nip) DO NOTHING RETURNING nip",
        *(list(column) for column in zip(*(values_of(s) for s in servants), strict=True)),
        at,
    )
    return {row["nip"] for row in inserted}


async def lock_for_seeding(conn: asyncpg.Connection) -> bool:
    """Take the seeding lock (transaction-scoped, so concurrent starts seed once); whether the
    roster is still empty."""
    await conn.execute("SELECT pg_advisory_xact_lock($1)", _SEED_LOCK)
    return not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM civil_servants)")


async def unit_of(conn: asyncpg.Connection, nip: str) -> str | None:
    value = await conn.fetchval("SELECT unit_id FROM civil_servants WHERE nip = $1", nip)
    return None if value is None else str(value)


async def is_active(conn: asyncpg.Connection, nip: str) -> bool | None:
    """Whether the person is active; None when not on the roster."""
    value = await conn.fetchval("SELECT active FROM civil_servants WHERE nip = $1", nip)
    return None if value is None else bool(value)


async def activity(conn: asyncpg.Connection, nips: Sequence[str]) -> dict[str, bool]:
    rows = await conn.fetch(
        "SELECT nip, active FROM civil_servants WHERE nip = ANY($1::text[])", sorted(nips)
    )
    return {r["nip"]: r["active"] for r in rows}
