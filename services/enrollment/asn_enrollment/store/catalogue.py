"""Programmes (the catalogue) and their sessions: the SQL, rows in, rows or domain objects out."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from asn_enrollment.domain.catalogue import Programme, Session, Speaker
from asn_platform.timezone import to_jakarta
from asn_platform.vocabulary import Bidang, ProgrammeKind

PROGRAMME_FIELDS = (
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
_P_COLUMNS = ", ".join(PROGRAMME_FIELDS)
_P_RETURNING = f"{_P_COLUMNS}, active, updated_at"

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
    return await conn.fetchrow(f"SELECT {_P_RETURNING} FROM programmes WHERE code = $1", code)


async def lock_programme(conn: asyncpg.Connection, code: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        f"SELECT {_P_RETURNING} FROM programmes WHERE code = $1 FOR NO KEY UPDATE", code
    )


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
        f"SELECT {_P_RETURNING} FROM programmes"
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


async def insert_programme(
    conn: asyncpg.Connection, programme: Programme, active: bool = True
) -> asyncpg.Record | None:
    """The new row, or None when the code is taken (a concurrent insert waits for the other
    transaction and then also finds it taken, so two seeding instances insert once)."""
    return await conn.fetchrow(
        f"INSERT INTO programmes ({_P_COLUMNS}, active)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        f" ON CONFLICT (code) DO NOTHING RETURNING {_P_RETURNING}",
        *_programme_values(programme),
        active,
    )


async def write_programme(
    conn: asyncpg.Connection, programme: Programme, active: bool
) -> asyncpg.Record:
    row = await conn.fetchrow(
        "UPDATE programmes SET title = $2, kind = $3, competencies = $4, target_fields = $5,"
        " jp = $6, benefit_id = $7, benefit_en = $8, default_capacity = $9, days = $10,"
        f" active = $11, updated_at = now() WHERE code = $1 RETURNING {_P_RETURNING}",
        *_programme_values(programme),
        active,
    )
    assert row is not None
    return row


async def programme_credit(conn: asyncpg.Connection, code: str) -> asyncpg.Record:
    """JP, kind and competencies of a programme (for a completion)."""
    row = await conn.fetchrow("SELECT jp, kind, competencies FROM programmes WHERE code = $1", code)
    assert row is not None  # sessions reference programmes
    return row


# --- sessions ---------------------------------------------------------------------------------

_SEAT_ARRAY = "{" + ",".join(SEAT_STATUSES) + "}"
_SESSION_SELECT = f"""
SELECT s.id, s.programme_code, p.title AS programme_title, p.kind AS programme_kind,
       s.starts_at, s.ends_at, s.place, s.online_url, s.capacity, s.speakers,
       s.scheduled_programme_id, s.session_ref, s.sequence, s.cancelled_at, s.cancel_reason,
       s.updated_at,
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


async def get_session(conn: asyncpg.Connection, session_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(_SESSION_SELECT + " WHERE s.id = $1", session_id)


async def session_exists(conn: asyncpg.Connection, session_id: UUID) -> bool:
    return bool(
        await conn.fetchval("SELECT EXISTS (SELECT 1 FROM sessions WHERE id = $1)", session_id)
    )


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


def _speakers_json(session: Session) -> str:
    return json.dumps([s.model_dump() for s in session.speakers])


async def insert_session(
    conn: asyncpg.Connection,
    session: Session,
    *,
    scheduled_programme_id: str | None = None,
    session_ref: str | None = None,
) -> UUID | None:
    """Store a validated session; None when (scheduled_programme_id, session_ref) exists."""
    inserted: UUID | None = await conn.fetchval(
        "INSERT INTO sessions (id, programme_code, starts_at, ends_at, place, online_url,"
        " capacity, speakers, scheduled_programme_id, session_ref)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        " ON CONFLICT (scheduled_programme_id, session_ref) DO NOTHING RETURNING id",
        uuid4(),
        session.programme_code,
        session.starts_at,
        session.ends_at,
        session.place,
        session.online_url,
        session.capacity,
        _speakers_json(session),
        scheduled_programme_id,
        session_ref,
    )
    return inserted


async def lock_session(conn: asyncpg.Connection, session_id: UUID) -> asyncpg.Record | None:
    """Lock the session row for seat counting; also returns the DB clock under the lock.

    FOR NO KEY UPDATE: exclusive among seat counters (and against capacity changes), yet it
    does not block new invitations, whose foreign key takes only a KEY SHARE lock.
    """
    return await conn.fetchrow(
        "SELECT s.id, s.programme_code, s.capacity, s.starts_at, s.ends_at, s.cancelled_at,"
        " clock_timestamp() AS now FROM sessions s WHERE s.id = $1 FOR NO KEY UPDATE",
        session_id,
    )


async def seats_taken(conn: asyncpg.Connection, session_id: UUID) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM enrollments WHERE session_id = $1 AND status = ANY($2::text[])",
            session_id,
            list(SEAT_STATUSES),
        )
    )


async def write_session_details(
    conn: asyncpg.Connection, session_id: UUID, session: Session, *, next_sequence: bool
) -> None:
    """Place, link, capacity and speakers (the caller holds the session lock); with
    ``next_sequence`` when the change is one the invitees are told of."""
    await conn.execute(
        "UPDATE sessions SET place = $2, online_url = $3, capacity = $4, speakers = $5,"
        " sequence = sequence + $6::int, updated_at = now() WHERE id = $1",
        session_id,
        session.place,
        session.online_url,
        session.capacity,
        _speakers_json(session),
        1 if next_sequence else 0,
    )


async def write_reschedule(
    conn: asyncpg.Connection, session_id: UUID, session: Session, at: datetime
) -> None:
    """New times (and place, link) with the next sequence number."""
    await conn.execute(
        "UPDATE sessions SET starts_at = $2, ends_at = $3, place = $4, online_url = $5,"
        " sequence = sequence + 1, updated_at = $6 WHERE id = $1",
        session_id,
        session.starts_at,
        session.ends_at,
        session.place,
        session.online_url,
        at,
    )


async def write_cancellation(
    conn: asyncpg.Connection, session_id: UUID, reason: str, at: datetime
) -> None:
    await conn.execute(
        "UPDATE sessions SET cancelled_at = $2, cancel_reason = $3, sequence = sequence + 1,"
        " updated_at = $2 WHERE id = $1",
        session_id,
        at,
        reason,
    )
