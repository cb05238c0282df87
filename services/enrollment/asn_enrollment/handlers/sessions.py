"""Sessions of a programme: open, change details, reschedule, cancel.

Opening, rescheduling and cancelling publish SessionChanged (the whole current session, with
its sequence: 0 when opened, one more on each later change) in the same unit of work; so does a
change of place, link or speakers (as ``rescheduled``: the invitees' calendar entry changes),
but not a change of seats alone. A
cancellation cancels every enrollment of the session that is not final, each with its own
EnrollmentChanged; a session that started (or was cancelled) is no longer rescheduled or
cancelled (409).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from asn_enrollment.domain.catalogue import Session, session_for
from asn_enrollment.domain.session_changes import (
    SessionChangeRefused,
    cancelled_with_session,
    check_changeable,
    told_to_invitees,
)
from asn_enrollment.errors import (
    FieldInvalid,
    programme_inactive,
    programme_not_found,
    refused,
    session_cancelled,
    session_not_found,
)
from asn_enrollment.handlers import events
from asn_enrollment.handlers.enrollments import promote, set_status
from asn_enrollment.store import catalogue as store
from asn_enrollment.store import enrollments as enrollment_store
from asn_platform.contracts.enrollment import SessionChange
from asn_platform.uow import UnitOfWork
from asn_platform.vocabulary import EnrollmentStatus

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Reschedule:
    starts_at: datetime
    ends_at: datetime
    reason: str
    place: str | None = None  # None: keep
    online_url: str | None = None  # None: keep


@dataclass
class SessionUpdate:
    session: asyncpg.Record
    promoted: list[UUID]


async def _current(uow: UnitOfWork, session_id: UUID) -> asyncpg.Record:
    row = await store.get_session(uow.conn, session_id)
    if row is None:
        raise session_not_found()
    return row


async def _publish(
    uow: UnitOfWork,
    session_id: UUID,
    change: SessionChange,
    at: datetime,
    reason: str | None = None,
) -> asyncpg.Record:
    row = await _current(uow, session_id)
    session = store.session_model(row)
    await uow.publish(events.session_changed(row, session, change, at, reason))
    return row


async def open_new_session(
    uow: UnitOfWork,
    session: Session,
    *,
    scheduled_programme_id: str | None = None,
    session_ref: str | None = None,
) -> UUID | None:
    """Store a validated session and publish it as opened (sequence 0); None when the
    (scheduled_programme_id, session_ref) pair was opened before."""
    session_id = await store.insert_session(
        uow.conn, session, scheduled_programme_id=scheduled_programme_id, session_ref=session_ref
    )
    if session_id is not None:
        row = await _current(uow, session_id)
        await uow.publish(
            events.session_changed(row, session, SessionChange.OPENED, row["updated_at"])
        )
    return session_id


async def open_session(
    uow: UnitOfWork, programme_code: str, fields: dict[str, Any]
) -> asyncpg.Record:
    """Open a session of an active programme (an operator's request)."""
    programme = await store.get_programme(uow.conn, programme_code)
    if programme is None:
        raise programme_not_found(programme_code)
    if not programme["active"]:
        raise programme_inactive(programme_code)
    session = session_for(store.programme_from_row(programme), **fields)
    session_id = await open_new_session(uow, session)
    assert session_id is not None  # no scheduled_programme_id: never a duplicate
    return await _current(uow, session_id)


async def _lock(uow: UnitOfWork, session_id: UUID) -> asyncpg.Record:
    locked = await store.lock_session(uow.conn, session_id)
    if locked is None:
        raise session_not_found()
    return locked


async def update_session(
    uow: UnitOfWork, session_id: UUID, changes: dict[str, Any]
) -> SessionUpdate:
    """Change capacity, place, link or speakers (times only by rescheduling); more seats
    promote from the waitlist in the same unit of work. A cancelled session stays as it was."""
    locked = await _lock(uow, session_id)
    if locked["cancelled_at"] is not None:
        raise session_cancelled()
    before = store.session_model(await _current(uow, session_id))
    session = Session.model_validate({**before.model_dump(), **changes})
    told = told_to_invitees(before, session)
    await store.write_session_details(uow.conn, session_id, session, next_sequence=told)
    promoted = await promote(uow, session_id, session.capacity, locked["now"])
    if told:
        await _publish(uow, session_id, SessionChange.RESCHEDULED, locked["now"])
    return SessionUpdate(await _current(uow, session_id), promoted)


def _check_changeable(locked: asyncpg.Record) -> None:
    try:
        check_changeable(
            cancelled=locked["cancelled_at"] is not None,
            starts_at=locked["starts_at"],
            now=locked["now"],
        )
    except SessionChangeRefused as err:
        raise refused(err) from None


async def reschedule_session(
    uow: UnitOfWork, session_id: UUID, change: Reschedule
) -> asyncpg.Record:
    """New times (and optionally place or link) for a session that has not started."""
    locked = await _lock(uow, session_id)
    _check_changeable(locked)
    at: datetime = locked["now"]
    current = store.session_model(await _current(uow, session_id))
    fields: dict[str, Any] = {"starts_at": change.starts_at, "ends_at": change.ends_at}
    if change.place is not None:
        fields["place"] = change.place
    if change.online_url is not None:
        fields["online_url"] = change.online_url
    session = Session.model_validate({**current.model_dump(), **fields})  # 422 names fields
    if session.starts_at <= at:
        raise FieldInvalid("starts_at", "harus di masa depan (must be in the future)")
    await store.write_reschedule(uow.conn, session_id, session, at)
    log.info("session %s rescheduled to %s", session_id, session.starts_at.isoformat())
    return await _publish(uow, session_id, SessionChange.RESCHEDULED, at, change.reason)


@dataclass
class Cancellation:
    session: asyncpg.Record
    cancelled_enrollments: list[UUID]


async def cancel_session(uow: UnitOfWork, session_id: UUID, reason: str) -> Cancellation:
    """Cancel a session that has not started, and every enrollment of it that is not final.

    Lock order session -> enrollment rows (as a seat change after its person lock), so a
    concurrent acceptance waits for the cancellation and then finds its enrollment cancelled.
    """
    locked = await _lock(uow, session_id)
    _check_changeable(locked)
    at: datetime = locked["now"]
    await store.write_cancellation(uow.conn, session_id, reason, at)
    cancelled: list[UUID] = []
    for enrollment_id in await enrollment_store.lock_open_of_session(uow.conn, session_id):
        row = await enrollment_store.get(uow.conn, enrollment_id)
        assert row is not None
        previous = EnrollmentStatus(row["status"])
        if cancelled_with_session(previous):
            await set_status(
                uow, enrollment_id, previous, EnrollmentStatus.CANCELLED, at, reason, None
            )
            cancelled.append(enrollment_id)
    log.info("session %s cancelled: %d enrollment(s) cancelled", session_id, len(cancelled))
    row = await _publish(uow, session_id, SessionChange.CANCELLED, at, reason)
    return Cancellation(row, cancelled)
