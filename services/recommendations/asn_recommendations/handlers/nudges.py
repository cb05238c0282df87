"""Nudges: a decline or no-show -> nudge-requested, or an escalation when the reminders are
used up; a person whose profile has not arrived yet is nudged when it does. An enrollment
(enrolled/attended/completed) or a completion after a nudge marks it converted."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from asn_platform.contracts import (
    AsnProfileChanged,
    EnrollmentChanged,
    NudgeRequested,
    NudgeTone,
    TrainingCompleted,
)
from asn_platform.logmask import mask_nip
from asn_platform.uow import UnitOfWork
from asn_platform.vocabulary import EnrollmentStatus
from asn_recommendations.domain.ids import clip, derived_id
from asn_recommendations.domain.nudges import LimitReached, Nudge, decide_nudge
from asn_recommendations.handlers.deps import Deps
from asn_recommendations.handlers.recommendations import issue_recommendations
from asn_recommendations.store import decisions as store
from asn_recommendations.store import queries as q
from asn_recommendations.store import readmodels as rm
from asn_recommendations.store.catalogue import active_programmes
from asn_recommendations.store.readmodels import NON_ATTENDANCE, Fact

log = logging.getLogger(__name__)

CONVERTING = (EnrollmentStatus.ENROLLED, EnrollmentStatus.ATTENDED, EnrollmentStatus.COMPLETED)


async def apply_enrollment_changes(
    uow: UnitOfWork, deps: Deps, facts: Sequence[Fact[EnrollmentChanged]]
) -> None:
    await rm.apply_enrollments(uow.conn, facts)
    # Most enrollments concern nobody who was nudged: one query instead of one per event.
    open_nudges = await store.open_nudges(uow.conn, {f.event.nip for f in facts})
    for fact in facts:
        ev = fact.event
        key = (ev.nip, ev.programme_code)
        if ev.status in NON_ATTENDANCE:
            await nudge(
                uow,
                deps,
                nip=ev.nip,
                programme_code=ev.programme_code,
                enrollment_id=ev.enrollment_id,
                trigger_event_id=fact.event_id,
            )
            open_nudges.add(key)
        elif ev.status in CONVERTING and key in open_nudges:
            await store.mark_converted(
                uow.conn, ev.nip, ev.programme_code, ev.changed_at, ev.status.value
            )
            open_nudges.discard(key)


async def apply_completions(
    uow: UnitOfWork, deps: Deps, facts: Sequence[Fact[TrainingCompleted]]
) -> None:
    """Training history and JP; converted nudges; a fresh recommendation for each person."""
    await rm.apply_completions(uow.conn, facts)
    nips = {f.event.nip for f in facts}
    open_nudges = await store.open_nudges(uow.conn, nips)
    for fact in facts:
        ev = fact.event
        if (ev.nip, ev.programme_code) in open_nudges:
            await store.mark_converted(
                uow.conn, ev.nip, ev.programme_code, ev.completed_at, "completed"
            )
            open_nudges.discard((ev.nip, ev.programme_code))
    await issue_recommendations(uow, deps, nips, cause="completion")


async def apply_profile_changes(
    uow: UnitOfWork, deps: Deps, facts: Sequence[Fact[AsnProfileChanged]]
) -> None:
    """The roster; nudges that waited for these people's profiles go out now."""
    await rm.apply_profiles(uow.conn, facts)
    for row in await store.take_pending_nudges(uow.conn, {f.event.nip for f in facts}):
        await nudge(
            uow,
            deps,
            nip=row["nip"],
            programme_code=row["programme_code"],
            enrollment_id=row["enrollment_id"],
            trigger_event_id=row["trigger_event_id"],
        )


async def nudge(
    uow: UnitOfWork,
    deps: Deps,
    *,
    nip: str,
    programme_code: str,
    enrollment_id: str | None,
    trigger_event_id: UUID,
) -> None:
    """Decide and record one nudge (or the escalation) for a decline or no-show."""
    now = deps.clock()
    facts = await q.nudge_facts(uow.conn, nip, programme_code, now)
    if facts is None:
        # Never a silent drop: keep it and nudge as soon as the profile arrives.
        await store.add_pending_nudge(
            uow.conn,
            trigger_event_id=trigger_event_id,
            nip=nip,
            programme_code=programme_code,
            enrollment_id=enrollment_id,
            at=now,
        )
        log.info("nudge for %s waits for the profile", mask_nip(nip))
        return
    programme = (await active_programmes(uow.conn)).get(programme_code)
    if programme is None:
        log.warning(
            "no nudge for %s: programme %s is not in the catalogue, so its benefit "
            "cannot be explained",
            mask_nip(nip),
            programme_code,
        )
        return
    decision = decide_nudge(
        facts.person,
        programme,
        facts.history,
        reminders_sent=facts.reminders_sent,
        policy=deps.rules.settings.nudges,
        record=facts.record,
        next_session_day=facts.next_session_day,
    )
    if isinstance(decision, Nudge):
        await _send_nudge(uow, decision, now, enrollment_id, trigger_event_id)
    elif isinstance(decision, LimitReached):
        await store.insert_escalation(uow.conn, decision, at=now, trigger_event_id=trigger_event_id)
        log.warning(
            "reminders used up for %s about %s: escalated to supervisor and BKPSDM",
            mask_nip(nip),
            programme_code,
        )


async def _send_nudge(
    uow: UnitOfWork,
    decision: Nudge,
    now: datetime,
    enrollment_id: str | None,
    trigger_event_id: UUID,
) -> None:
    event_id = derived_id("nudge", trigger_event_id)
    event = NudgeRequested(
        nip=decision.nip,
        programme_code=decision.programme_code,
        attempt=decision.reminder_number,
        include_supervisor=decision.supervisor_nip is not None,
        supervisor_nip=decision.supervisor_nip,
        message_id=clip(decision.message_id),
        message_en=clip(decision.message_en),
        tone=NudgeTone(decision.insistence.value),
        requested_at=now,
        enrollment_id=enrollment_id,
    )
    if await store.insert_nudge(
        uow.conn,
        decision,
        event_id=event_id,
        enrollment_id=enrollment_id,
        requested_at=now,
        trigger_event_id=trigger_event_id,
    ):
        await uow.publish(event, id=event_id)
        log.info(
            "nudge %d for %s about %s (supervisor %s)",
            decision.reminder_number,
            mask_nip(decision.nip),
            decision.programme_code,
            "included" if event.include_supervisor else "not included",
        )
