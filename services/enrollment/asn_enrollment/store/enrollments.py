"""Enrollment rows against PostgreSQL: invitations, status changes with their history, waitlist,
bookings and JP entries. The rules and the lock order live in handlers/enrollments.py."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from asn_enrollment.domain.lifecycle import BOOKING_STATUSES, FINAL_STATES, Booking
from asn_platform.vocabulary import EnrollmentStatus

S = EnrollmentStatus
_BOOKING = sorted(s.value for s in BOOKING_STATUSES)
_OPEN = sorted(s.value for s in S if s not in FINAL_STATES)

_SELECT = """
SELECT e.id, e.session_id, e.nip, e.status, e.invited_at, e.changed_at, e.waitlisted_at,
       e.waitlist_position, e.reason, e.score, e.scheduled_programme_id, s.programme_code,
       s.starts_at, s.ends_at,
       CASE WHEN e.status = 'waitlisted' THEN (
           SELECT count(*) FROM enrollments w WHERE w.session_id = e.session_id
             AND w.status = 'waitlisted' AND w.waitlist_position <= e.waitlist_position)
       END AS waitlist_rank
FROM enrollments e JOIN sessions s ON s.id = e.session_id
"""


async def get(conn: asyncpg.Connection, enrollment_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(_SELECT + " WHERE e.id = $1", enrollment_id)


async def lock(conn: asyncpg.Connection, enrollment_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(_SELECT + " WHERE e.id = $1 FOR UPDATE OF e", enrollment_id)


async def list_for_session(
    conn: asyncpg.Connection, session_id: UUID, status: str | None
) -> list[asyncpg.Record]:
    return await conn.fetch(
        _SELECT + " WHERE e.session_id = $1 AND ($2::text IS NULL OR e.status = $2)"
        " ORDER BY e.waitlist_position NULLS FIRST, e.invited_at, e.id",
        session_id,
        status,
    )


async def list_for_person(conn: asyncpg.Connection, nip: str) -> list[asyncpg.Record]:
    return await conn.fetch(_SELECT + " WHERE e.nip = $1 ORDER BY s.starts_at, e.id", nip)


async def lock_open_of_session(conn: asyncpg.Connection, session_id: UUID) -> list[UUID]:
    """The ids of a session's enrollments that are not final, locked, in id order."""
    rows = await conn.fetch(
        "SELECT id FROM enrollments WHERE session_id = $1 AND status = ANY($2::text[])"
        " ORDER BY id FOR UPDATE",
        session_id,
        _OPEN,
    )
    return [r["id"] for r in rows]


_COLUMNS = (
    "id, session_id, nip, status, invited_at, changed_at, waitlisted_at, waitlist_position,"
    " reason, score, scheduled_programme_id"
)
# The row as _SELECT shows it, for a row just written by the CTE ``u``. The waitlist rank is
# counted in the statement's snapshot, which does not yet see ``u``'s own change: a row just
# put on the waitlist is behind everyone already there (its position is the newest).
_RETURNING = """
SELECT u.id, u.session_id, u.nip, u.status, u.invited_at, u.changed_at, u.waitlisted_at,
       u.waitlist_position, u.reason, u.score, u.scheduled_programme_id, s.programme_code,
       s.starts_at, s.ends_at,
       CASE WHEN u.status = 'waitlisted' THEN 1 + (
           SELECT count(*) FROM enrollments w WHERE w.session_id = u.session_id
             AND w.status = 'waitlisted' AND w.id <> u.id)
       END AS waitlist_rank
FROM u JOIN sessions s ON s.id = u.session_id
"""

_INVITE = f"""
WITH t AS (SELECT clock_timestamp() AS now),
u AS (
    INSERT INTO enrollments (id, session_id, nip, status, invited_at, changed_at,
                             scheduled_programme_id)
    SELECT $1, $2, $3, 'invited', t.now, t.now, $4 FROM t
    WHERE EXISTS (SELECT 1 FROM sessions WHERE id = $2 AND cancelled_at IS NULL)
      AND EXISTS (SELECT 1 FROM civil_servants WHERE nip = $3 AND active)
    ON CONFLICT (session_id, nip) DO NOTHING
    RETURNING {_COLUMNS}
),
h AS (
    INSERT INTO enrollment_history (enrollment_id, from_status, to_status, at)
    SELECT id, NULL, status, changed_at FROM u
)
{_RETURNING}
"""


async def insert_invitation(
    conn: asyncpg.Connection,
    session_id: UUID,
    nip: str,
    scheduled_programme_id: str | None,
) -> asyncpg.Record | None:
    """One statement writes the enrollment and its history; None when the person is unknown or
    inactive, the session unknown or cancelled, or the person already has an enrollment in it."""
    return await conn.fetchrow(_INVITE, uuid4(), session_id, nip, scheduled_programme_id)


_SET_STATUS = f"""
WITH u AS (
    UPDATE enrollments SET status = $2, changed_at = $3,
        reason = COALESCE($4, reason), score = COALESCE($5, score),
        waitlisted_at = CASE WHEN $2 = 'waitlisted' THEN $3 ELSE waitlisted_at END,
        waitlist_position = CASE WHEN $2 = 'waitlisted' THEN nextval('waitlist_position')
                                 ELSE waitlist_position END
    WHERE id = $1
    RETURNING {_COLUMNS}
),
h AS (
    INSERT INTO enrollment_history (enrollment_id, from_status, to_status, at, reason, score)
    SELECT id, $6, status, changed_at, $7, score FROM u
)
{_RETURNING}
"""


async def write_status(
    conn: asyncpg.Connection,
    enrollment_id: UUID,
    previous: EnrollmentStatus,
    status: EnrollmentStatus,
    at: datetime,
    *,
    reason: str | None,
    score: int | None,
    history_reason: str | None,
) -> asyncpg.Record:
    """Change the status and record the history; the new row."""
    row = await conn.fetchrow(
        _SET_STATUS,
        enrollment_id,
        status.value,
        at,
        reason,
        score,
        previous.value,
        history_reason,
    )
    assert row is not None
    return row


async def lock_person_of(conn: asyncpg.Connection, enrollment_id: UUID) -> asyncpg.Record | None:
    """Lock the roster row of the enrollment's person (the first lock of every status change)."""
    return await conn.fetchrow(
        "SELECT e.session_id, c.nip, c.unit_id, c.active"
        " FROM enrollments e JOIN civil_servants c ON c.nip = e.nip"
        " WHERE e.id = $1 FOR NO KEY UPDATE OF c",
        enrollment_id,
    )


async def overlapping_bookings(
    conn: asyncpg.Connection, nip: str, exclude: UUID, starts_at: datetime, ends_at: datetime
) -> list[Booking]:
    rows = await conn.fetch(
        "SELECT e.session_id, s.starts_at, s.ends_at, e.status"
        " FROM enrollments e JOIN sessions s ON s.id = e.session_id"
        " WHERE e.nip = $1 AND e.id <> $2 AND e.status = ANY($3::text[])"
        " AND s.starts_at < $5 AND s.ends_at > $4",
        nip,
        exclude,
        _BOOKING,
        starts_at,
        ends_at,
    )
    return [
        Booking(str(r["session_id"]), r["starts_at"], r["ends_at"], S(r["status"])) for r in rows
    ]


async def lock_waitlist_head(
    conn: asyncpg.Connection, session_id: UUID, limit: int
) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT id, waitlisted_at FROM enrollments WHERE session_id = $1"
        " AND status = 'waitlisted' ORDER BY waitlist_position LIMIT $2 FOR UPDATE",
        session_id,
        limit,
    )


async def insert_jp_entry(
    conn: asyncpg.Connection,
    row: asyncpg.Record,
    jp: int,
    completed_at: datetime,
    year: int,
) -> None:
    await conn.execute(
        "INSERT INTO jp_entries (enrollment_id, nip, programme_code, jp, completed_at, year)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        row["id"],
        row["nip"],
        row["programme_code"],
        jp,
        completed_at,
        year,
    )


async def unit_of(conn: asyncpg.Connection, enrollment_id: UUID) -> str | None:
    value = await conn.fetchval(
        "SELECT c.unit_id FROM enrollments e JOIN civil_servants c USING (nip) WHERE e.id = $1",
        enrollment_id,
    )
    return None if value is None else str(value)


async def nip_of(conn: asyncpg.Connection, enrollment_id: UUID) -> str | None:
    value = await conn.fetchval("SELECT nip FROM enrollments WHERE id = $1", enrollment_id)
    return None if value is None else str(value)
