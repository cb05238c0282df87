"""What each event changes: the read models, and the messages it decides to send (planned in
the same transaction as the inbox row, so a redelivered event plans nothing twice)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from asn_notifications.domain.certificate import certificate_number
from asn_notifications.domain.messages import (
    IN_SESSION,
    Kind,
    Planned,
    Status,
    completion_key,
    enrollment_key,
    enrollment_notice,
    nudge_keys,
    persuasion_refusal,
    session_change_key,
)
from asn_notifications.domain.schedule import QuietHours
from asn_notifications.store import certificates, contacts, deliveries
from asn_notifications.store import readmodels as rm
from asn_platform.contracts import AsnProfileChanged, EnrollmentChanged, TrainingCompleted
from asn_platform.contracts.enrollment import (
    ProgrammeCatalogueChanged,
    SessionChange,
    SessionChanged,
)
from asn_platform.contracts.recommendations import NudgeRequested
from asn_platform.uow import UnitOfWork

WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Policy:
    quiet: QuietHours
    weekly_cap: int


async def apply_profile(uow: UnitOfWork, event: AsnProfileChanged) -> None:
    await rm.upsert_profile(uow.conn, event)


async def apply_programme(uow: UnitOfWork, event: ProgrammeCatalogueChanged) -> None:
    await rm.upsert_programme(uow.conn, event)


async def apply_session_change(uow: UnitOfWork, event: SessionChanged, now: datetime) -> int:
    """A rescheduled or cancelled session tells everyone invited or enrolled; the number of
    messages planned."""
    news = await rm.upsert_session(uow.conn, event)
    if not news or event.change is SessionChange.OPENED:
        return 0
    kind = Kind.CANCELLED if event.change is SessionChange.CANCELLED else Kind.RESCHEDULED
    people = await rm.people_in_session(uow.conn, event.session_id, [s.value for s in IN_SESSION])
    planned = 0
    for person in people:
        message = Planned(
            session_change_key(kind, event.session_id, event.sequence, person["nip"]),
            kind,
            person["nip"],
            {
                "session_id": event.session_id,
                "enrollment_id": person["enrollment_id"],
                "programme_code": event.programme_code,
                "reason": event.reason,
            },
        )
        planned += await deliveries.plan(uow.conn, message, now=now, not_before=now)
    return planned


async def apply_enrollment_change(uow: UnitOfWork, event: EnrollmentChanged, now: datetime) -> bool:
    """Invited -> invitation; enrolled -> confirmation; cancelled (from invited or enrolled) ->
    the calendar entry is cancelled. True when a message was planned."""
    latest = await rm.upsert_enrollment(uow.conn, event)
    kind = enrollment_notice(event.status)
    if not latest or kind is None:
        return False
    if kind is Kind.CANCELLED and event.previous_status not in IN_SESSION:
        return False
    if kind is Kind.CANCELLED and await _session_cancelled(uow, event.session_id):
        return False  # everyone in it was told when the session was cancelled
    message = Planned(
        enrollment_key(kind, event.enrollment_id, event.session_id),
        kind,
        event.nip,
        {
            "session_id": event.session_id,
            "enrollment_id": event.enrollment_id,
            "programme_code": event.programme_code,
            "reason": event.reason,
        },
    )
    return await deliveries.plan(uow.conn, message, now=now, not_before=now)


async def _session_cancelled(uow: UnitOfWork, session_id: str) -> bool:
    found = await rm.session(uow.conn, session_id)
    return found is not None and found["change"] == SessionChange.CANCELLED.value


async def apply_completion(uow: UnitOfWork, event: TrainingCompleted, now: datetime) -> str:
    """Issue the certificate (its number is stable for the enrollment) and plan the notice."""
    number = certificate_number(event.enrollment_id, event.completed_at)
    salt = 0
    while await certificates.number_taken(uow.conn, number):
        existing = await certificates.get(uow.conn, number)
        if existing is not None and existing["enrollment_id"] == event.enrollment_id:
            break
        salt += 1  # another enrollment hashed to it: derive a different one
        number = certificate_number(f"{event.enrollment_id}#{salt}", event.completed_at)
    number = await certificates.issue(uow.conn, number, event, now)
    message = Planned(
        completion_key(event.enrollment_id),
        Kind.COMPLETION,
        event.nip,
        {
            "certificate_number": number,
            "enrollment_id": event.enrollment_id,
            "programme_code": event.programme_code,
            "session_id": event.session_id,
            "jp": event.jp_credited,
        },
    )
    await deliveries.plan(uow.conn, message, now=now, not_before=now)
    return number


async def apply_nudge(
    uow: UnitOfWork, event: NudgeRequested, now: datetime, policy: Policy
) -> Status:
    """The nudge (and, when asked, the supervisor's message) waits for the next allowed hour;
    an opt-out or a used-up weekly cap records it as skipped with the reason."""
    contact = await contacts.get(uow.conn, event.nip)
    sent = await deliveries.persuasion_since(uow.conn, event.nip, now - WEEK)
    refusal = persuasion_refusal(
        opted_out=bool(contact and contact.nudge_opt_out),
        sent_this_week=sent,
        weekly_cap=policy.weekly_cap,
    )
    status = Status.SKIPPED if refusal else Status.PENDING
    when = policy.quiet.next_allowed(now)
    nudge_key, escalation_key = nudge_keys(
        event.nip,
        event.programme_code,
        event.attempt,
        event.supervisor_nip if event.include_supervisor else None,
    )
    payload = {
        "programme_code": event.programme_code,
        "attempt": event.attempt,
        "tone": event.tone.value,
        "message_id": event.message_id,
        "message_en": event.message_en,
        "enrollment_id": event.enrollment_id,
        "person_nip": event.nip,
    }
    await deliveries.plan(
        uow.conn,
        Planned(nudge_key, Kind.NUDGE, event.nip, payload),
        now=now,
        not_before=when,
        status=status,
        reason=refusal,
    )
    if escalation_key is not None and event.supervisor_nip is not None:
        await deliveries.plan(
            uow.conn,
            Planned(escalation_key, Kind.ESCALATION, event.supervisor_nip, payload),
            now=now,
            not_before=when,
            status=status,
            reason=refusal,
        )
    return status
