"""The ASN roster table: reads, single changes, CSV imports and the start-up seed.

Each change that alters a profile writes one AsnProfileChanged (the whole profile, keyed by NIP)
to the outbox in the same transaction; a write that changes nothing publishes nothing, so
re-importing the same file is harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from asn_enrollment import events
from asn_enrollment.domain.nip import mask_nip
from asn_enrollment.domain.roster import CivilServant
from asn_enrollment.errors import Conflict, asn_not_found
from asn_platform.contracts import ProfileChange
from asn_platform.timezone import to_jakarta
from asn_platform.vocabulary import Bidang, PositionType

log = logging.getLogger(__name__)

PROFILE_FIELDS = (
    "nip",
    "name",
    "unit_id",
    "bidang",
    "position",
    "position_type",
    "rank",
    "supervisor_nip",
    "active",
)
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


def servant_json(row: asyncpg.Record) -> dict[str, Any]:
    return {
        **{name: row[name] for name in PROFILE_FIELDS},
        "created_at": to_jakarta(row["created_at"]).isoformat(),
        "updated_at": to_jakarta(row["updated_at"]).isoformat(),
    }


def _values(servant: CivilServant) -> tuple[Any, ...]:
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


async def require(conn: asyncpg.Connection, nip: str) -> asyncpg.Record:
    row = await get(conn, nip)
    if row is None:
        raise asn_not_found()
    return row


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


async def create(conn: asyncpg.Connection, servant: CivilServant, at: datetime) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"INSERT INTO civil_servants ({_COLUMNS}, created_at, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)"
        f" ON CONFLICT (nip) DO NOTHING RETURNING {_COLUMNS}, created_at, updated_at",
        *_values(servant),
        at,
    )
    if row is None:
        raise Conflict(
            "asn_exists",
            "NIP sudah terdaftar; ubah dengan PATCH",
            "this NIP is already on the roster; change it with PATCH",
        )
    await events.emit(conn, events.profile_changed(servant, ProfileChange.CREATED, at))
    log.info("roster: created %s", mask_nip(servant.nip))
    return row


async def update(
    conn: asyncpg.Connection, nip: str, changes: dict[str, Any], at: datetime
) -> asyncpg.Record:
    """Apply a partial change; the merged profile is validated as a whole (422 names fields)."""
    current = await conn.fetchrow(
        f"SELECT {_COLUMNS} FROM civil_servants WHERE nip = $1 FOR NO KEY UPDATE", nip
    )
    if current is None:
        raise asn_not_found()
    merged = {**{k: current[k] for k in PROFILE_FIELDS}, **changes, "nip": nip}
    servant = CivilServant.model_validate(merged)  # ValidationError -> 422 by the runtime
    return await _write(conn, current, servant, at)


async def _write(
    conn: asyncpg.Connection, current: asyncpg.Record, servant: CivilServant, at: datetime
) -> asyncpg.Record:
    if _values(servant) == tuple(current[k] for k in PROFILE_FIELDS):
        unchanged = await get(conn, servant.nip)
        assert unchanged is not None
        return unchanged
    row = await conn.fetchrow(
        "UPDATE civil_servants SET name = $2, unit_id = $3, bidang = $4, position = $5,"
        " position_type = $6, rank = $7, supervisor_nip = $8, active = $9, updated_at = $10"
        f" WHERE nip = $1 RETURNING {_COLUMNS}, created_at, updated_at",
        *_values(servant),
        at,
    )
    assert row is not None
    change = (
        ProfileChange.DEACTIVATED
        if current["active"] and not servant.active
        else ProfileChange.UPDATED
    )
    await events.emit(conn, events.profile_changed(servant, change, at))
    log.info("roster: %s %s", change.value, mask_nip(servant.nip))
    return row


async def deactivate(conn: asyncpg.Connection, nip: str, at: datetime) -> asyncpg.Record:
    return await update(conn, nip, {"active": False}, at)


@dataclass(frozen=True, slots=True)
class UpsertCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


async def upsert_many(
    conn: asyncpg.Connection, servants: Sequence[CivilServant], at: datetime
) -> UpsertCounts:
    """Insert new profiles and update changed ones (e.g. a CSV import); one event per change.

    Rows are locked in NIP order so that two imports of overlapping files cannot deadlock.
    """
    by_nip = {s.nip: s for s in servants}
    existing = {
        row["nip"]: row
        for row in await conn.fetch(
            f"SELECT {_COLUMNS} FROM civil_servants WHERE nip = ANY($1::text[])"
            " ORDER BY nip FOR NO KEY UPDATE",
            sorted(by_nip),
        )
    }
    new = [s for nip, s in sorted(by_nip.items()) if nip not in existing]
    if new:
        inserted = await conn.fetch(
            f"INSERT INTO civil_servants ({_COLUMNS}, created_at, updated_at)"
            " SELECT n, na, u, b, p, pt, r, sup, a, $10, $10 FROM unnest("
            "$1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],"
            " $7::text[], $8::text[], $9::boolean[]) AS t(n, na, u, b, p, pt, r, sup, a)"
            " ON CONFLICT (nip) DO NOTHING RETURNING nip",
            *(list(column) for column in zip(*(_values(s) for s in new), strict=True)),
            at,
        )
        created = {row["nip"] for row in inserted}
        for servant in new:
            if servant.nip in created:
                await events.emit(conn, events.profile_changed(servant, ProfileChange.CREATED, at))
            else:
                # Inserted by a concurrent transaction since our read: update it instead.
                raced = await conn.fetchrow(
                    f"SELECT {_COLUMNS} FROM civil_servants WHERE nip = $1 FOR NO KEY UPDATE",
                    servant.nip,
                )
                assert raced is not None
                existing[servant.nip] = raced
    else:
        created = set()
    updated = unchanged = 0
    for nip, current in sorted(existing.items()):
        servant = by_nip[nip]
        if _values(servant) == tuple(current[k] for k in PROFILE_FIELDS):
            unchanged += 1
        else:
            await _write(conn, current, servant, at)
            updated += 1
    return UpsertCounts(len(created), updated, unchanged)


async def seed_if_empty(
    conn: asyncpg.Connection, roster: Iterable[CivilServant], at: datetime
) -> int:
    """Insert the seed roster when the roster is empty; returns how many were inserted.

    Under a transaction-scoped advisory lock, so concurrent starts seed (and publish) once.
    """
    await conn.execute("SELECT pg_advisory_xact_lock($1)", _SEED_LOCK)
    if await conn.fetchval("SELECT EXISTS (SELECT 1 FROM civil_servants)"):
        return 0
    counts = await upsert_many(conn, list(roster), at)
    return counts.created
