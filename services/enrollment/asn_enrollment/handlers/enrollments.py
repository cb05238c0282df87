"""The enrollment lifecycle: invitations, status changes, seats, waitlist, completion.

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
completion TrainingCompleted) in the same unit of work.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

import asyncpg

from asn_enrollment.domain.jp_ledger import ledger_year
from asn_enrollment.domain.lifecycle import (
    IllegalTransition,
    InvalidScore,
    MissingReason,
    SessionNotStarted,
    check_started,
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
    asn_inactive,
    asn_not_found,
    enrollment_not_found,
    session_cancelled,
    session_not_found,
)
from asn_enrollment.handlers import events
from asn_enrollment.store import catalogue as catalogue_store
from asn_enrollment.store import enrollments as store
from asn_enrollment.store import roster as roster_store
from asn_platform.timezone import to_jakarta
from asn_platform.uow import UnitOfWork
from asn_platform.vocabulary import EnrollmentStatus, ProgrammeKind

log = logging.getLogger(__name__)

S = EnrollmentStatus
MAX_REASON_LENGTH = 2000  # the EnrollmentChanged contract's limit
PROMOTED = "kursi kosong, dipindahkan dari daftar tunggu (promoted from the waitlist: a seat freed)"


@dataclass
class TransitionResult:
    enrollment: asyncpg.Record
    promoted: list[UUID] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StatusRequest:
    """A requested status change, as the route or another handler asks for it."""

    target: EnrollmentStatus
    reason: str | None = None
    score: int | None = None
    completed_at: datetime | None = None


# --- invitations ------------------------------------------------------------------------------


async def invite(
    uow: UnitOfWork,
    session_id: UUID,
    nip: str,
    *,
    scheduled_programme_id: str | None = None,
) -> asyncpg.Record | None:
    """Invite a person to a session; None if they already have an enrollment in it.

    An invitation holds no seat and no time: the person may weigh two offers. The reasons for a
    refusal are looked up only when the one insert statement wrote nothing.
    """
    row = await store.insert_invitation(uow.conn, session_id, nip, scheduled_programme_id)
    if row is None:
        await _refuse_invitation(uow, session_id, nip)
        return None
    await uow.publish(events.enrollment_changed(row, None, row["changed_at"]))
    return row


async def _refuse_invitation(uow: UnitOfWork, session_id: UUID, nip: str) -> None:
    active = await roster_store.is_active(uow.conn, nip)
    if active is None:
        raise asn_not_found()
    if not active:
        raise asn_inactive()
    session = await catalogue_store.get_session(uow.conn, session_id)
    if session is None:
        raise session_not_found()
    if session["cancelled_at"] is not None:
        raise session_cancelled()


async def invite_new(uow: UnitOfWork, session_id: UUID, nip: str) -> asyncpg.Record:
    """An invitation the operator asked for: a 409 if the person already has one."""
    row = await invite(uow, session_id, nip)
    if row is None:
        raise Conflict(
            "already_invited",
            "ASN ini sudah terdaftar atau diundang ke sesi ini",
            "this civil servant is already invited to or enrolled in this session",
        )
    return row


async def register(uow: UnitOfWork, session_id: UUID, nip: str) -> TransitionResult:
    """Invite and accept at once (an operator enrolling someone directly)."""
    invited = await invite_new(uow, session_id, nip)
    return await change_status(uow, invited["id"], StatusRequest(S.ENROLLED))


# --- status changes ---------------------------------------------------------------------------


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


def _check(current: EnrollmentStatus, request: StatusRequest) -> None:
    try:
        check_transition(current, request.target, reason=request.reason, score=request.score)
    except IllegalTransition as err:
        raise _illegal(err) from None
    except MissingReason as err:
        raise FieldInvalid("reason", str(err)) from None
    except InvalidScore as err:
        raise FieldInvalid("score", str(err)) from None


async def _refuse_double_booking(uow: UnitOfWork, nip: str, row: asyncpg.Record) -> None:
    bookings = await store.overlapping_bookings(
        uow.conn, nip, row["id"], row["starts_at"], row["ends_at"]
    )
    clash = find_conflict(row["starts_at"], row["ends_at"], bookings)
    if clash is not None:
        raise Conflict(
            "schedule_conflict",
            "jadwal bentrok dengan sesi lain yang sudah diikuti ASN ini",
            "the time overlaps another session this civil servant is booked into",
            conflicting_session_id=clash.ref,
            conflicting_status=clash.status.value,
        )


def _refuse_before_start(target: EnrollmentStatus, starts_at: datetime, now: datetime) -> None:
    try:
        check_started(target, starts_at, now)
    except SessionNotStarted as err:
        starts = to_jakarta(err.starts_at).isoformat()
        raise Conflict(
            "session_not_started",
            f"kehadiran, ketidakhadiran dan kelulusan dicatat setelah sesi dimulai "
            f"({starts}); '{err.target}' ditolak",
            f"attendance, no-show and completion are recorded once the session has started "
            f"({starts}); '{err.target}' refused",
            rule="attendance_after_start",
            session_starts_at=starts,
            to=err.target.value,
        ) from None


def _check_completed_at(request: StatusRequest, starts_at: datetime) -> None:
    if request.completed_at is None:
        return
    if request.target is not S.COMPLETED:
        raise FieldInvalid("completed_at", "hanya untuk 'completed' (only for 'completed')")
    if request.completed_at < starts_at:
        raise FieldInvalid("completed_at", "sebelum sesi dimulai (before the session started)")


async def _refuse_early(
    uow: UnitOfWork, person: asyncpg.Record, row: asyncpg.Record, request: StatusRequest
) -> EnrollmentStatus:
    """The refusals that need no session lock; the current status."""
    current = S(row["status"])
    _check(current, request)
    if request.target is S.ENROLLED and not person["active"]:
        raise asn_inactive()
    if request.target is S.ENROLLED and current is S.INVITED:
        await _refuse_double_booking(uow, person["nip"], row)
    _check_completed_at(request, row["starts_at"])
    return current


async def _new_status(
    uow: UnitOfWork,
    session: asyncpg.Record,
    current: EnrollmentStatus,
    target: EnrollmentStatus,
) -> EnrollmentStatus:
    """What ``target`` becomes under the session lock: accepting a full session waitlists."""
    if target is not S.ENROLLED:
        return target
    taken = await catalogue_store.seats_taken(uow.conn, session["id"])
    if current is S.INVITED:
        return decide_accept(session["capacity"], taken)
    if free_seats(session["capacity"], taken) == 0:
        raise Conflict(
            "session_full",
            "sesi penuh; peserta daftar tunggu dipindahkan otomatis saat ada kursi kosong",
            "the session is full; the waitlist moves up automatically when a seat frees",
        )
    return target


async def change_status(
    uow: UnitOfWork, enrollment_id: UUID, request: StatusRequest
) -> TransitionResult:
    """Move an enrollment to ``request.target``; raises ApiError subclasses (404, 409, 422).

    ``enrolled`` from ``invited`` accepts the invitation: a seat if one is free, else the
    waitlist. Cancelling a seat promotes the head of the waitlist in this unit of work.

    Every status change of an enrollment first locks its person's row, so once that lock is
    held the enrollment can change under us only by promotion, i.e. only if it is waitlisted.
    That lets the refusals and the overlap check run before the session lock is taken, which
    keeps the session lock (the contended one) held for as few statements as possible.
    """
    if request.target is S.WAITLISTED:
        raise FieldInvalid(
            "to",
            "daftar tunggu ditetapkan sistem saat menerima undangan; minta 'enrolled' "
            "(the waitlist is assigned when accepting; request 'enrolled')",
        )
    person = await store.lock_person_of(uow.conn, enrollment_id)
    row = await store.get(uow.conn, enrollment_id) if person is not None else None
    if person is None or row is None:
        raise enrollment_not_found()
    current = await _refuse_early(uow, person, row, request)

    session = await catalogue_store.lock_session(uow.conn, person["session_id"])
    assert session is not None  # the enrollment references it
    if session["cancelled_at"] is not None:
        raise session_cancelled()  # cancelled while we waited for its lock
    at: datetime = session["now"]
    _refuse_before_start(request.target, session["starts_at"], at)
    if current is S.WAITLISTED:
        # Promotion may have moved it while we waited for the session lock.
        locked = await store.lock(uow.conn, enrollment_id)
        assert locked is not None
        current = S(locked["status"])
        _check(current, request)
    if request.completed_at is not None and request.completed_at > at:
        raise FieldInvalid("completed_at", "tidak boleh di masa depan (must not be in the future)")

    new_status = await _new_status(uow, session, current, request.target)
    reason = _clean(request.reason)
    updated = await set_status(uow, enrollment_id, current, new_status, at, reason, request.score)
    log.info(
        "enrollment %s of %s: %s -> %s",
        enrollment_id,
        mask_nip(person["nip"]),
        current.value,
        new_status.value,
    )
    result = TransitionResult(updated)
    if new_status is S.CANCELLED and current is S.ENROLLED:
        result.promoted = await promote(uow, session["id"], session["capacity"], at)
    if new_status is S.COMPLETED:
        assert request.score is not None
        await _credit(uow, updated, person["unit_id"], request.score, request.completed_at or at)
    return result


def _clean(reason: str | None) -> str | None:
    return reason.strip()[:MAX_REASON_LENGTH] if reason and reason.strip() else None


async def set_status(
    uow: UnitOfWork,
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
    row = await store.write_status(
        uow.conn,
        enrollment_id,
        previous,
        status,
        at,
        reason=reason,
        score=score,
        history_reason=shown,
    )
    await uow.publish(events.enrollment_changed(row, previous, at, shown))
    return row


@dataclass(frozen=True, slots=True)
class _Queued:
    enrollment_id: UUID
    waitlisted_at: datetime | None


async def promote(uow: UnitOfWork, session_id: UUID, capacity: int, at: datetime) -> list[UUID]:
    """Fill free seats from the waitlist, first come first served. Caller holds the session lock."""
    free = free_seats(capacity, await catalogue_store.seats_taken(uow.conn, session_id))
    if free == 0:
        return []
    queue = await store.lock_waitlist_head(uow.conn, session_id, free)
    chosen = promote_from_waitlist([_Queued(r["id"], r["waitlisted_at"]) for r in queue], free)
    for entry in chosen:
        await set_status(
            uow, entry.enrollment_id, S.WAITLISTED, S.ENROLLED, at, None, None, PROMOTED
        )
    return [entry.enrollment_id for entry in chosen]


async def _credit(
    uow: UnitOfWork, row: asyncpg.Record, unit_id: str, score: int, completed_at: datetime
) -> None:
    """The JP ledger entry and TrainingCompleted of a completion."""
    programme = await catalogue_store.programme_credit(uow.conn, row["programme_code"])
    jp = jp_credit(programme["jp"], S.COMPLETED)
    await store.insert_jp_entry(uow.conn, row, jp, completed_at, ledger_year(completed_at))
    await uow.publish(
        events.training_completed(
            row,
            unit_id=unit_id,
            programme_kind=ProgrammeKind(programme["kind"]),
            competencies=list(programme["competencies"]),
            jp=jp,
            score=score,
            completed_at=completed_at,
        )
    )
