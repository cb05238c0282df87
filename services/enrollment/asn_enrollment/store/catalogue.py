"""Programmes (the catalogue) and their sessions."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from asn_enrollment.domain.catalogue import Programme, Session, Speaker, session_for
from asn_enrollment.errors import Conflict, programme_not_found, session_not_found
from asn_platform.timezone import to_jakarta
from asn_platform.vocabulary import Bidang, ProgrammeKind

_PROGRAMME_FIELDS = (
    "code",
    "title",
    "kind",
    "competencies",
    "target_fields",
    "jp",
    "benefit_id",
    "benefit_en",
    "default_capacity",
    "days",
)
_P_COLUMNS = ", ".join(_PROGRAMME_FIELDS)

# Statuses that hold a seat. Once given, a seat is freed only by cancelling: attendance,
# no-show and completion happen at or after the session, when nobody can take the seat anyway.
SEAT_STATUSES = ("enrolled", "attended", "no_show", "completed")


def programme_from_row(row: asyncpg.Record) -> Programme:
    return Programme.model_construct(
        code=row["code"],
        title=row["title"],
        kind=ProgrammeKind(row["kind"]),
        competencies=tuple(row["competencies"]),
        target_fields=tuple(Bidang(f) for f in row["target_fields"]),
        jp=row["jp"],
        benefit_id=row["benefit_id"],
        benefit_en=row["benefit_en"],
        default_capacity=row["default_capacity"],
        days=row["days"],
    )


def programme_json(row: asyncpg.Record) -> dict[str, Any]:
    return {
        **{k: row[k] for k in _PROGRAMME_FIELDS},
        "competencies": list(row["competencies"]),
        "target_fields": list(row["target_fields"]),
        "active": row["active"],
    }


def _programme_values(p: Programme) -> tuple[Any, ...]:
    return (
        p.code,
        p.title,
        p.kind.value,
        list(p.competencies),
        [f.value for f in p.target_fields],
        p.jp,
        p.benefit_id,
        p.benefit_en,
        p.default_capacity,
        p.days,
    )


async def get_programme(conn: asyncpg.Connection, code: str) -> asyncpg.Record | None:
    return await conn.fetchrow(f"SELECT {_P_COLUMNS}, active FROM programmes WHERE code = $1", code)


async def require_programme(conn: asyncpg.Connection, code: str) -> asyncpg.Record:
    row = await get_programme(conn, code)
    if row is None:
        raise programme_not_found(code)
    return row


async def list_programmes(
    conn: asyncpg.Connection,
    *,
    kind: str | None,
    bidang: str | None,
    competency: str | None,
    active: bool | None,
) -> list[asyncpg.Record]:
    # A programme with no target fields is open to every field.
    return await conn.fetch(
        f"SELECT {_P_COLUMNS}, active FROM programmes"
        " WHERE ($1::text IS NULL OR kind = $1)"
        " AND ($2::text IS NULL OR target_fields = '{}' OR $2 = ANY(target_fields))"
        " AND ($3::text IS NULL OR $3 = ANY(competencies))"
        " AND ($4::boolean IS NULL OR active = $4)"
        " ORDER BY code",
        kind,
        bidang,
        competency,
        active,
    )


async def create_programme(
    conn: asyncpg.Connection, programme: Programme, active: bool = True
) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"INSERT INTO programmes ({_P_COLUMNS}, active)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        f" ON CONFLICT (code) DO NOTHING RETURNING {_P_COLUMNS}, active",
        *_programme_values(programme),
        active,
    )
    if row is None:
        raise Conflict(
            "programme_exists",
            f"kode program {programme.code} sudah dipakai",
            f"programme code {programme.code} is already taken",
        )
    return row


async def update_programme(
    conn: asyncpg.Connection, code: str, changes: dict[str, Any]
) -> asyncpg.Record:
    current = await conn.fetchrow(
        f"SELECT {_P_COLUMNS}, active FROM programmes WHERE code = $1 FOR NO KEY UPDATE", code
    )
    if current is None:
        raise programme_not_found(code)
    active = changes.pop("active", current["active"])
    merged = {**programme_from_row(current).model_dump(), **changes, "code": code}
    programme = Programme.model_validate(merged)
    row = await conn.fetchrow(
        "UPDATE programmes SET title = $2, kind = $3, competencies = $4, target_fields = $5,"
        " jp = $6, benefit_id = $7, benefit_en = $8, default_capacity = $9, days = $10,"
        f" active = $11, updated_at = now() WHERE code = $1 RETURNING {_P_COLUMNS}, active",
        *_programme_values(programme),
        active,
    )
    assert row is not None
    return row


async def seed_programmes(conn: asyncpg.Connection, programmes: Iterable[Programme]) -> int:
    """Insert the seed programmes that are missing; an operator's edits to existing ones stay."""
    inserted = 0
    for programme in programmes:
        status = await conn.execute(
            f"INSERT INTO programmes ({_P_COLUMNS})"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (code) DO NOTHING",
            *_programme_values(programme),
        )
        inserted += status == "INSERT 0 1"
    return inserted


# --- sessions ---------------------------------------------------------------------------------

_SEAT_ARRAY = "{" + ",".join(SEAT_STATUSES) + "}"
_SESSION_SELECT = f"""
SELECT s.id, s.programme_code, p.title AS programme_title, p.kind AS programme_kind,
       s.starts_at, s.ends_at, s.place, s.online_url, s.capacity, s.speakers,
       s.scheduled_programme_id, s.session_ref,
       (SELECT count(*) FROM enrollments e WHERE e.session_id = s.id
          AND e.status = ANY('{_SEAT_ARRAY}')) AS seats_taken,
       (SELECT count(*) FROM enrollments e WHERE e.session_id = s.id
          AND e.status = 'waitlisted') AS waitlisted,
       (SELECT count(*) FROM enrollments e WHERE e.session_id = s.id
          AND e.status = 'invited') AS invited
FROM sessions s JOIN programmes p ON p.code = s.programme_code
"""


def session_model(row: asyncpg.Record) -> Session:
    return Session.model_construct(
        programme_code=row["programme_code"],
        programme_kind=ProgrammeKind(row["programme_kind"]),
        starts_at=to_jakarta(row["starts_at"]),
        ends_at=to_jakarta(row["ends_at"]),
        place=row["place"],
        online_url=row["online_url"],
        capacity=row["capacity"],
        speakers=tuple(Speaker.model_validate(s) for s in json.loads(row["speakers"])),
    )


def session_json(row: asyncpg.Record) -> dict[str, Any]:
    session = session_model(row)
    return {
        "id": str(row["id"]),
        "programme_code": row["programme_code"],
        "programme_title": row["programme_title"],
        "programme_kind": row["programme_kind"],
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "timezone": "Asia/Jakarta",
        "place": row["place"],
        "online_url": row["online_url"],
        "mode": session.mode.value,
        "capacity": row["capacity"],
        "speakers": [s.model_dump() for s in session.speakers],
        "seats": {
            "taken": row["seats_taken"],
            "free": max(0, row["capacity"] - row["seats_taken"]),
            "waitlisted": row["waitlisted"],
            "invited": row["invited"],
        },
        "scheduled_programme_id": row["scheduled_programme_id"],
        "session_ref": row["session_ref"],
    }


async def get_session(conn: asyncpg.Connection, session_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(_SESSION_SELECT + " WHERE s.id = $1", session_id)


async def require_session(conn: asyncpg.Connection, session_id: UUID) -> asyncpg.Record:
    row = await get_session(conn, session_id)
    if row is None:
        raise session_not_found()
    return row


async def list_sessions(
    conn: asyncpg.Connection,
    *,
    programme_code: str | None,
    starts_from: datetime | None,
    starts_before: datetime | None,
    limit: int,
    offset: int,
) -> list[asyncpg.Record]:
    return await conn.fetch(
        _SESSION_SELECT + " WHERE ($1::text IS NULL OR s.programme_code = $1)"
        " AND ($2::timestamptz IS NULL OR s.starts_at >= $2)"
        " AND ($3::timestamptz IS NULL OR s.starts_at < $3)"
        " ORDER BY s.starts_at, s.id LIMIT $4 OFFSET $5",
        programme_code,
        starts_from,
        starts_before,
        limit,
        offset,
    )


async def insert_session(
    conn: asyncpg.Connection,
    session: Session,
    *,
    scheduled_programme_id: str | None = None,
    session_ref: str | None = None,
) -> UUID | None:
    """Store a validated session; None when (scheduled_programme_id, session_ref) exists."""
    session_id = uuid4()
    inserted = await conn.fetchval(
        "INSERT INTO sessions (id, programme_code, starts_at, ends_at, place, online_url,"
        " capacity, speakers, scheduled_programme_id, session_ref)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        " ON CONFLICT (scheduled_programme_id, session_ref) DO NOTHING RETURNING id",
        session_id,
        session.programme_code,
        session.starts_at,
        session.ends_at,
        session.place,
        session.online_url,
        session.capacity,
        json.dumps([s.model_dump() for s in session.speakers]),
        scheduled_programme_id,
        session_ref,
    )
    return inserted if inserted is not None else None


async def create_session(
    conn: asyncpg.Connection, programme_code: str, fields: dict[str, Any]
) -> UUID:
    programme_row = await require_programme(conn, programme_code)
    if not programme_row["active"]:
        raise Conflict(
            "programme_inactive",
            f"program {programme_code} tidak aktif; aktifkan dulu",
            f"programme {programme_code} is inactive; activate it first",
        )
    session = session_for(programme_from_row(programme_row), **fields)
    session_id = await insert_session(conn, session)
    assert session_id is not None
    return session_id


async def lock_session(conn: asyncpg.Connection, session_id: UUID) -> asyncpg.Record:
    """Lock the session row for seat counting; also returns the DB clock under the lock.

    FOR NO KEY UPDATE: exclusive among seat counters (and against capacity changes), yet it
    does not block new invitations, whose foreign key takes only a KEY SHARE lock.
    """
    row = await conn.fetchrow(
        "SELECT s.id, s.programme_code, s.capacity, s.starts_at, s.ends_at,"
        " clock_timestamp() AS now FROM sessions s WHERE s.id = $1 FOR NO KEY UPDATE",
        session_id,
    )
    if row is None:
        raise session_not_found()
    return row


async def seats_taken(conn: asyncpg.Connection, session_id: UUID) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM enrollments WHERE session_id = $1 AND status = ANY($2::text[])",
            session_id,
            list(SEAT_STATUSES),
        )
    )


async def update_session(
    conn: asyncpg.Connection, session_id: UUID, changes: dict[str, Any]
) -> asyncpg.Record:
    """Change capacity, place, link or speakers (times are fixed once people may hold them)."""
    await lock_session(conn, session_id)
    current = await require_session(conn, session_id)
    merged = {**session_model(current).model_dump(), **changes}
    session = Session.model_validate(merged)
    await conn.execute(
        "UPDATE sessions SET place = $2, online_url = $3, capacity = $4, speakers = $5,"
        " updated_at = now() WHERE id = $1",
        session_id,
        session.place,
        session.online_url,
        session.capacity,
        json.dumps([s.model_dump() for s in session.speakers]),
    )
    return current
