"""The enrollment lifecycle against PostgreSQL: invitations, status changes, seats, waitlist.

Concurrency (READ COMMITTED, several service instances):
- Seats: every change that takes or frees a seat locks the session row first, then counts.
  Two acceptances of the last seat therefore serialise; the second sees the first's seat.
- Double booking: accepting locks the person's roster row before checking their other bookings,
  so two acceptances by one person into overlapping sessions serialise and the second is refused
  (locking only existing enrollment rows would not stop a concurrent new one).
- Lock order is always person -> session -> enrollment rows, so these never deadlock.
- A cancellation promotes from the waitlist in the same transaction, in queue order, while the
  session lock is held: nobody is promoted twice and capacity is never exceeded.
Each change is recorded in enrollment_history and published (EnrollmentChanged, and on
completion TrainingCompleted) through the outbox in the same transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from asn_enrollment import events
from asn_enrollment.domain.jp_ledger import ledger_year
from asn_enrollment.domain.lifecycle import (
    BOOKING_STATUSES,
    Booking,
    IllegalTransition,
    InvalidScore,
    MissingReason,
    allowed_targets,
    check_transition,
    decide_accept,
    find_conflict,
    free_seats,
    jp_credit,
    promote_from_waitlist,
)
from asn_enrollment.domain.nip import mask_nip
from asn_enrollment.errors import (
    Conflict,
    FieldInvalid,
    asn_not_found,
    enrollment_not_found,
    session_not_found,
)
from asn_enrollment.store.catalogue import lock_session, seats_taken
from asn_platform.timezone import to_jakarta
from asn_platform.vocabulary import EnrollmentStatus, ProgrammeKind

log = logging.getLogger(__name__)

S = EnrollmentStatus
_BOOKING = sorted(s.value for s in BOOKING_STATUSES)
MAX_REASON_LENGTH = 2000  # the EnrollmentChanged contract's limit

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


def enrollment_json(row: asyncpg.Record) -> dict[str, Any]:
    status = S(row["status"])
    return {
        "id": str(row["id"]),
        "session_id": str(row["session_id"]),
        "programme_code": row["programme_code"],
        "nip": row["nip"],
        "status": status.value,
        "session_starts_at": to_jakarta(row["starts_at"]).isoformat(),
        "session_ends_at": to_jakarta(row["ends_at"]).isoformat(),
        "invited_at": to_jakarta(row["invited_at"]).isoformat(),
        "changed_at": to_jakarta(row["changed_at"]).isoformat(),
        "waitlisted_at": (
            to_jakarta(row["waitlisted_at"]).isoformat() if row["waitlisted_at"] else None
        ),
        "waitlist_rank": row["waitlist_rank"],
        "reason": row["reason"],
        "score": row["score"],
        "scheduled_programme_id": row["scheduled_programme_id"],
        # The waitlist is assigned by the system when accepting, never requested directly.
        "allowed_next": sorted(t.value for t in allowed_targets(status) if t is not S.WAITLISTED),
    }


async def get(conn: asyncpg.Connection, enrollment_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(_SELECT + " WHERE e.id = $1", enrollment_id)


async def require(conn: asyncpg.Connection, enrollment_id: UUID) -> asyncpg.Record:
    row = await get(conn, enrollment_id)
    if row is None:
        raise enrollment_not_found()
    return row


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


def _inactive() -> Conflict:
    return Conflict(
        "asn_inactive",
        "ASN ini tidak aktif lagi di daftar pegawai",
        "this civil servant is no longer active on the roster",
    )


# --- invitations ------------------------------------------------------------------------------

_INVITE = f"""
WITH t AS (SELECT clock_timestamp() AS now),
u AS (
    INSERT INTO enrollments (id, session_id, nip, status, invited_at, changed_at,
                             scheduled_programme_id)
    SELECT $1, $2, $3, 'invited', t.now, t.now, $4 FROM t
    WHERE EXISTS (SELECT 1 FROM sessions WHERE id = $2)
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


async def invite(
    conn: asyncpg.Connection,
    session_id: UUID,
    nip: str,
    *,
    scheduled_programme_id: str | None = None,
) -> asyncpg.Record | None:
    """Invite a person to a session; None if they already have an enrollment in it.

    An invitation holds no seat and no time: the person may weigh two offers. One statement
    writes the enrollment and its history; the reasons for a refusal are looked up only then.
    """
    row = await conn.fetchrow(_INVITE, uuid4(), session_id, nip, scheduled_programme_id)
    if row is None:
        person = await conn.fetchrow("SELECT active FROM civil_servants WHERE nip = $1", nip)
        if person is None:
            raise asn_not_found()
        if not person["active"]:
            raise _inactive()
        if not await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM sessions WHERE id = $1)", session_id
        ):
            raise session_not_found()
        return None
    await events.emit(conn, events.enrollment_changed(row, None, row["changed_at"]))
    return row


async def invite_or_conflict(
    conn: asyncpg.Connection, session_id: UUID, nip: str
) -> asyncpg.Record:
    row = await invite(conn, session_id, nip)
    if row is None:
        raise Conflict(
            "already_invited",
            "ASN ini sudah terdaftar atau diundang ke sesi ini",
            "this civil servant is already invited to or enrolled in this session",
        )
    return row


# --- status changes ---------------------------------------------------------------------------


@dataclass
class TransitionResult:
    enrollment: asyncpg.Record
    promoted: list[UUID] = field(default_factory=list)


def _illegal(err: IllegalTransition) -> Conflict:
    allowed = [s for s in err.allowed if s != S.WAITLISTED.value]
    return Conflict(
        "illegal_transition",
        f"perubahan status dari '{err.from_state}' ke '{err.to_state}' tidak diizinkan; "
        f"yang diizinkan: {', '.join(allowed) or 'tidak ada (status akhir)'}",
        f"transition from '{err.from_state}' to '{err.to_state}' is not allowed; "
        f"allowed: {', '.join(allowed) or 'none (final state)'}",
        **{"from": err.from_state.value, "to": err.to_state.value, "allowed": allowed},
    )


def _check(
    current: EnrollmentStatus,
    target: EnrollmentStatus,
    reason: str | None,
    score: int | None,
) -> None:
    try:
        check_transition(current, target, reason=reason, score=score)
    except IllegalTransition as err:
        raise _illegal(err) from None
    except MissingReason as err:
        raise FieldInvalid("reason", str(err)) from None
    except InvalidScore as err:
        raise FieldInvalid("score", str(err)) from None


async def _conflicting_booking(
    conn: asyncpg.Connection, nip: str, exclude: UUID, starts_at: datetime, ends_at: datetime
) -> Booking | None:
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
    bookings = [
        Booking(str(r["session_id"]), r["starts_at"], r["ends_at"], S(r["status"])) for r in rows
    ]
    return find_conflict(starts_at, ends_at, bookings)


async def transition(
    conn: asyncpg.Connection,
    enrollment_id: UUID,
    target: EnrollmentStatus,
    *,
    reason: str | None = None,
    score: int | None = None,
    completed_at: datetime | None = None,
) -> TransitionResult:
    """Move an enrollment to ``target``; raises ApiError subclasses (404, 409, 422) if refused.

    ``enrolled`` from ``invited`` accepts the invitation: a seat if one is free, else the
    waitlist. Cancelling a seat promotes the head of the waitlist in this transaction.

    Every status change of an enrollment first locks its person's row, so once that lock is
    held the enrollment can change under us only by promotion, i.e. only if it is waitlisted.
    That lets the refusals and the overlap check run before the session lock is taken, which
    keeps the session lock (the contended one) held for as few statements as possible.
    """
    if target is S.WAITLISTED:
        raise FieldInvalid(
            "to",
            "daftar tunggu ditetapkan sistem saat menerima undangan; minta 'enrolled' "
            "(the waitlist is assigned when accepting; request 'enrolled')",
        )
    person = await conn.fetchrow(
        "SELECT e.session_id, c.nip, c.unit_id, c.active"
        " FROM enrollments e JOIN civil_servants c ON c.nip = e.nip"
        " WHERE e.id = $1 FOR NO KEY UPDATE OF c",
        enrollment_id,
    )
    if person is None:
        raise enrollment_not_found()
    row = await require(conn, enrollment_id)
    current = S(row["status"])
    _check(current, target, reason, score)
    if target is S.ENROLLED and not person["active"]:
        raise _inactive()
    if target is S.ENROLLED and current is S.INVITED:
        clash = await _conflicting_booking(
            conn, person["nip"], enrollment_id, row["starts_at"], row["ends_at"]
        )
        if clash is not None:
            raise Conflict(
                "schedule_conflict",
                "jadwal bentrok dengan sesi lain yang sudah diikuti ASN ini",
                "the time overlaps another session this civil servant is booked into",
                conflicting_session_id=clash.ref,
                conflicting_status=clash.status.value,
            )
    if completed_at is not None:
        if target is not S.COMPLETED:
            raise FieldInvalid("completed_at", "hanya untuk 'completed' (only for 'completed')")
        if completed_at < row["starts_at"]:
            raise FieldInvalid("completed_at", "sebelum sesi dimulai (before the session started)")

    session = await lock_session(conn, person["session_id"])
    at: datetime = session["now"]
    if current is S.WAITLISTED:
        # Promotion may have moved it while we waited for the session lock.
        locked = await conn.fetchrow(_SELECT + " WHERE e.id = $1 FOR UPDATE OF e", enrollment_id)
        assert locked is not None
        current = S(locked["status"])
        _check(current, target, reason, score)
    if completed_at is not None and completed_at > at:
        raise FieldInvalid("completed_at", "tidak boleh di masa depan (must not be in the future)")

    new_status: EnrollmentStatus = target
    if target is S.ENROLLED:
        taken = await seats_taken(conn, person["session_id"])
        if current is S.INVITED:
            new_status = decide_accept(session["capacity"], taken)
        elif free_seats(session["capacity"], taken) == 0:
            raise Conflict(
                "session_full",
                "sesi penuh; peserta daftar tunggu dipindahkan otomatis saat ada kursi kosong",
                "the session is full; the waitlist moves up automatically when a seat frees",
            )

    clean_reason = reason.strip()[:MAX_REASON_LENGTH] if reason and reason.strip() else None
    updated = await _set_status(conn, enrollment_id, current, new_status, at, clean_reason, score)
    log.info(
        "enrollment %s of %s: %s -> %s",
        enrollment_id,
        mask_nip(person["nip"]),
        current.value,
        new_status.value,
    )
    result = TransitionResult(updated)
    if new_status is S.CANCELLED and current is S.ENROLLED:
        result.promoted = await promote(conn, person["session_id"], session["capacity"], at)
    if new_status is S.COMPLETED:
        assert score is not None
        await _credit(conn, updated, person["unit_id"], score, completed_at or at)
    return result


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


async def _set_status(
    conn: asyncpg.Connection,
    enrollment_id: UUID,
    previous: EnrollmentStatus,
    status: EnrollmentStatus,
    at: datetime,
    reason: str | None,
    score: int | None,
    event_reason: str | None = None,
) -> asyncpg.Record:
    """Change the status, record the history and publish EnrollmentChanged; the new row."""
    shown = event_reason or reason
    row = await conn.fetchrow(
        _SET_STATUS, enrollment_id, status.value, at, reason, score, previous.value, shown
    )
    assert row is not None
    await events.emit(conn, events.enrollment_changed(row, previous, at, shown))
    return row


@dataclass(frozen=True, slots=True)
class _Queued:
    enrollment_id: UUID
    waitlisted_at: datetime | None


_PROMOTED = (
    "kursi kosong, dipindahkan dari daftar tunggu (promoted from the waitlist: a seat freed)"
)


async def promote(
    conn: asyncpg.Connection, session_id: UUID, capacity: int, at: datetime
) -> list[UUID]:
    """Fill free seats from the waitlist, first come first served. Caller holds the session lock."""
    free = free_seats(capacity, await seats_taken(conn, session_id))
    if free == 0:
        return []
    queue = await conn.fetch(
        "SELECT id, waitlisted_at FROM enrollments WHERE session_id = $1"
        " AND status = 'waitlisted' ORDER BY waitlist_position LIMIT $2 FOR UPDATE",
        session_id,
        free,
    )
    chosen = promote_from_waitlist([_Queued(r["id"], r["waitlisted_at"]) for r in queue], free)
    for entry in chosen:
        await _set_status(
            conn, entry.enrollment_id, S.WAITLISTED, S.ENROLLED, at, None, None, _PROMOTED
        )
    return [entry.enrollment_id for entry in chosen]


async def promote_after_capacity_change(conn: asyncpg.Connection, session_id: UUID) -> list[UUID]:
    """Fill seats a larger capacity opened (same transaction as the capacity change)."""
    session = await lock_session(conn, session_id)
    return await promote(conn, session_id, session["capacity"], session["now"])


async def _credit(
    conn: asyncpg.Connection,
    row: asyncpg.Record,
    unit_id: str,
    score: int,
    completed_at: datetime,
) -> None:
    """The JP ledger entry and TrainingCompleted of a completion."""
    programme = await conn.fetchrow(
        "SELECT jp, kind, competencies FROM programmes WHERE code = $1", row["programme_code"]
    )
    assert programme is not None
    jp = jp_credit(programme["jp"], S.COMPLETED)
    await conn.execute(
        "INSERT INTO jp_entries (enrollment_id, nip, programme_code, jp, completed_at, year)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        row["id"],
        row["nip"],
        row["programme_code"],
        jp,
        completed_at,
        ledger_year(completed_at),
    )
    await events.emit(
        conn,
        events.training_completed(
            row,
            unit_id=unit_id,
            programme_kind=ProgrammeKind(programme["kind"]),
            competencies=list(programme["competencies"]),
            jp=jp,
            score=score,
            completed_at=completed_at,
        ),
    )


async def register(conn: asyncpg.Connection, session_id: UUID, nip: str) -> TransitionResult:
    """Invite and accept at once (an operator enrolling someone directly)."""
    invited = await invite_or_conflict(conn, session_id, nip)
    return await transition(conn, invited["id"], S.ENROLLED)
