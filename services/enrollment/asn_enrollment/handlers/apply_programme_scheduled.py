"""asn.recommendations.programme-scheduled.v1 applied: open the sessions, invite the cohort.

Runs in the inbox's transaction (kafka/programme_scheduled.py binds it to a unit of work), so
the sessions, their SessionChanged (opened), the invitations, their EnrollmentChanged and the
inbox row commit together. Idempotent twice over: the inbox drops a redelivered event (same
event id), and the scheduled_programmes row (unique scheduled_programme_id and idempotency_key)
drops a decision re-sent as a new event; the sessions' unique (scheduled_programme_id,
session_ref) is the last guard. Cohort members unknown to the roster or inactive are logged
(masked) and counted, not fatal: the rest of the cohort is invited.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from uuid import UUID

from asn_enrollment.domain.catalogue import (
    KINDS_NEEDING_SPEAKERS,
    Programme,
    Session,
    Speaker,
    session_for,
)
from asn_enrollment.domain.nip import mask_nip
from asn_enrollment.handlers.enrollments import invite
from asn_enrollment.handlers.sessions import open_new_session
from asn_enrollment.store import catalogue as catalogue_store
from asn_enrollment.store import roster as roster_store
from asn_enrollment.store import scheduled as store
from asn_platform.contracts import ProgrammeScheduled, ScheduledSession
from asn_platform.inbox import PermanentError
from asn_platform.uow import UnitOfWork

log = logging.getLogger(__name__)

# The contract's sessions carry no speakers; a seminar or workshop must name one, so it is
# opened with this placeholder for the operators to replace (PATCH /api/v1/sessions/{id}).
PLACEHOLDER_SPEAKER_NAME = "Narasumber akan diumumkan (speaker to be announced)"


@dataclass
class ScheduleOutcome:
    duplicate: bool = False
    sessions_opened: int = 0
    invited: int = 0
    unknown_members: int = 0
    skipped_members: int = 0  # inactive on the roster, or already invited


async def apply_programme_scheduled(
    uow: UnitOfWork, event: ProgrammeScheduled, event_id: UUID | None = None
) -> ScheduleOutcome:
    """Apply one scheduling decision in the unit of work's transaction."""
    claimed = await store.claim(
        uow.conn,
        scheduled_programme_id=event.scheduled_programme_id,
        idempotency_key=event.idempotency_key,
        programme_code=event.programme_code,
        unit_id=event.unit_id,
        event_id=event_id,
    )
    if not claimed:
        log.info(
            "scheduled programme %s (key %s) already applied; nothing to do",
            event.scheduled_programme_id,
            event.idempotency_key,
        )
        return ScheduleOutcome(duplicate=True)

    programme = await _programme(uow, event)
    roster = await roster_store.activity(
        uow.conn, sorted({nip for s in event.sessions for nip in s.cohort})
    )
    outcome = ScheduleOutcome()
    for planned in event.sessions:
        session = _session(programme, event, planned)
        session_id = await open_new_session(
            uow,
            session,
            scheduled_programme_id=event.scheduled_programme_id,
            session_ref=planned.session_ref,
        )
        if session_id is None:
            continue  # opened before (guarded by the unique key)
        outcome.sessions_opened += 1
        await _invite_cohort(uow, event, session_id, planned.cohort, roster, outcome)
    await store.record_outcome(
        uow.conn,
        event.scheduled_programme_id,
        sessions_opened=outcome.sessions_opened,
        invited=outcome.invited,
        unknown_members=outcome.unknown_members,
        skipped_members=outcome.skipped_members,
    )
    log.info(
        "scheduled programme %s (%s, unit %s): %d session(s) opened, %d invited, "
        "%d unknown to the roster, %d skipped",
        event.scheduled_programme_id,
        event.programme_code,
        event.unit_id,
        outcome.sessions_opened,
        outcome.invited,
        outcome.unknown_members,
        outcome.skipped_members,
    )
    return outcome


async def _programme(uow: UnitOfWork, event: ProgrammeScheduled) -> Programme:
    row = await catalogue_store.get_programme(uow.conn, event.programme_code)
    if row is None:
        # Never applicable until the catalogue has it: dead-letter for a re-drive later.
        raise PermanentError(
            f"programme {event.programme_code} is not in the catalogue "
            f"(scheduled programme {event.scheduled_programme_id})"
        )
    return catalogue_store.programme_from_row(row)


def _session(programme: Programme, event: ProgrammeScheduled, planned: ScheduledSession) -> Session:
    speakers: tuple[Speaker, ...] = ()
    if programme.kind in KINDS_NEEDING_SPEAKERS:
        speakers = (Speaker(name=PLACEHOLDER_SPEAKER_NAME, topic=programme.title),)
    try:
        return session_for(
            programme,
            starts_at=planned.starts_at,
            ends_at=planned.ends_at,
            place=planned.place,
            online_url=planned.online_url,
            capacity=planned.capacity,
            speakers=speakers,
        )
    except ValueError as err:  # pydantic ValidationError is a ValueError
        raise PermanentError(
            f"scheduled programme {event.scheduled_programme_id} session "
            f"{planned.session_ref}: {err}"
        ) from None


async def _invite_cohort(
    uow: UnitOfWork,
    event: ProgrammeScheduled,
    session_id: UUID,
    cohort: list[str],
    roster: dict[str, bool],
    outcome: ScheduleOutcome,
) -> None:
    for nip in cohort:
        active = roster.get(nip)
        if active is None:
            outcome.unknown_members += 1
            log.warning(
                "scheduled programme %s: cohort member %s is not on the roster; not invited",
                event.scheduled_programme_id,
                mask_nip(nip),
            )
        elif not active:
            outcome.skipped_members += 1
            log.info(
                "scheduled programme %s: cohort member %s is inactive; not invited",
                event.scheduled_programme_id,
                mask_nip(nip),
            )
        elif await invite(
            uow, session_id, nip, scheduled_programme_id=event.scheduled_programme_id
        ):
            outcome.invited += 1
        else:
            outcome.skipped_members += 1
