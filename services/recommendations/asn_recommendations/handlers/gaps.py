"""A gap announced by the surveys service: decided once per gap key, in the consumer's
transaction (the inbox row, the read model, the decision and programme-scheduled commit
together, or none of them does)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from asn_platform.contracts import (
    GapRef,
    GapStatus,
    ProgrammeScheduled,
    ScheduledSession,
    ServiceGapDetected,
)
from asn_platform.periods import Period
from asn_platform.uow import UnitOfWork
from asn_platform.vocabulary import ProgrammeKind
from asn_recommendations.domain.catalogue import Catalogue, ProgrammeInfo
from asn_recommendations.domain.decisions import (
    FlagManagement,
    Schedule,
    Skip,
    SkipReason,
    decide_for_gap,
)
from asn_recommendations.domain.facts import Gap
from asn_recommendations.domain.ids import clip, derived_id, scheduled_programme_id
from asn_recommendations.handlers.deps import Deps
from asn_recommendations.store import catalogue as catalogue_store
from asn_recommendations.store import decisions as store
from asn_recommendations.store import queries as q
from asn_recommendations.store import readmodels as rm
from asn_recommendations.store.readmodels import Fact

log = logging.getLogger(__name__)

ONLINE_PLACE = "Daring, tautan menyusul dari BKPSDM / online, link to follow"


def gap_from_event(ev: ServiceGapDetected) -> Gap:
    return Gap(
        unit_id=ev.unit_id,
        bidang=ev.bidang,
        element=ev.element,
        score=ev.score_converted,
        mutu=ev.mutu,
        sample_size=ev.sample_size,
        period=Period.parse(ev.period),
        provisional=ev.sample_size < ev.required_sample,
        unit_name=ev.unit_name,
    )


async def apply_gaps_detected(
    uow: UnitOfWork, deps: Deps, facts: Sequence[Fact[ServiceGapDetected]]
) -> None:
    """The read model first, then a decision for every opened gap."""
    await rm.apply_gaps(uow.conn, facts)
    opened = [f for f in facts if f.event.status is GapStatus.OPENED]
    if not opened:
        return
    catalogue = await catalogue_store.active_programmes(uow.conn)
    for fact in opened:
        await decide_gap(uow, deps, gap_from_event(fact.event), fact.event_id, catalogue)


async def decide_gap(
    uow: UnitOfWork,
    deps: Deps,
    gap: Gap,
    trigger_event_id: UUID,
    catalogue: Catalogue | None = None,
) -> str:
    """Decide one gap and store the outcome: scheduled, flagged, skipped, or already."""
    conn = uow.conn
    if await store.decision_outcome(conn, gap.key) == "scheduled":
        return "already"  # the cheap path for the many re-announcements of a scheduled gap
    if catalogue is None:
        catalogue = await catalogue_store.active_programmes(conn)
    now = deps.clock()
    staff = await q.staff_of_unit(conn, gap.unit_id)
    nips = [s.nip for s in staff]
    decision = decide_for_gap(
        gap,
        rules=deps.rules,
        catalogue=catalogue,
        staff=staff,
        records=await q.learning_records(conn, nips, now.year),
        busy=await q.busy_intervals(conn, nips, now),
        prior=await q.prior_schedules(conn, gap.unit_id, gap.element),
        today=now.date(),
        calendar=deps.calendar,
    )
    common: dict[str, Any] = {
        "gap_key": gap.key,
        "unit_id": gap.unit_id,
        "element": gap.element.value,
        "period": gap.period.key,
        "at": now,
        "trigger_event_id": trigger_event_id,
    }
    if isinstance(decision, Schedule):
        place, url = session_place(deps, catalogue[decision.programme_code])
        return await schedule_programme(uow, decision, now, common, place, url)
    if isinstance(decision, FlagManagement):
        await _save(uow, "flagged", decision.reason.value, decision, decision.rule_version, common)
        log.info("gap %s flagged to management: %s", gap.key, decision.reason.value)
        return "flagged"
    if isinstance(decision, Skip) and decision.reason is not SkipReason.ALREADY_DECIDED:
        await _save(
            uow,
            "skipped",
            decision.reason.value,
            decision,
            deps.rules.version,
            common,
            retry_after=decision.retry_after,
        )
        log.info("gap %s skipped: %s", gap.key, decision.reason.value)
        return "skipped"
    return "already"


async def _save(
    uow: UnitOfWork,
    outcome: str,
    reason: str,
    decision: FlagManagement | Skip,
    rule_version: str,
    common: dict[str, Any],
    *,
    retry_after: date | None = None,
) -> None:
    await store.save_gap_decision(
        uow.conn,
        outcome=outcome,
        reason=reason,
        explanation_id=decision.explanation_id,
        explanation_en=decision.explanation_en,
        rule_version=rule_version,
        scheduled_programme_id=None,
        retry_after=retry_after,
        **common,
    )


def session_place(deps: Deps, programme: ProgrammeInfo) -> tuple[str | None, str | None]:
    """(place, online link) written on the sessions of a programme."""
    if programme.kind is ProgrammeKind.E_LEARNING:
        if deps.online_url:
            return None, deps.online_url
        return ONLINE_PLACE, None
    return deps.session_place, None


def _session_rows(decision: Schedule, place: str | None, url: str | None) -> list[store.SessionRow]:
    return [
        store.SessionRow(
            session_ref=str(s.number),
            days=s.days,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            capacity=s.capacity,
            place=place,
            online_url=url,
            cohort=s.participants,
        )
        for s in decision.sessions
    ]


def _announcement(
    decision: Schedule, sp_id: str, sessions: Sequence[store.SessionRow]
) -> ProgrammeScheduled:
    gap = decision.gap
    return ProgrammeScheduled(
        scheduled_programme_id=sp_id,
        idempotency_key=decision.idempotency_key,
        programme_code=decision.programme_code,
        unit_id=gap.unit_id,
        gap=GapRef(
            element=gap.element,
            period=gap.period.key,
            score_converted=float(gap.score),
            mutu=gap.mutu,
        ),
        sessions=[
            ScheduledSession(
                session_ref=s.session_ref,
                starts_at=s.starts_at,
                ends_at=s.ends_at,
                place=s.place,
                online_url=s.online_url,
                capacity=s.capacity,
                cohort=list(s.cohort),
            )
            for s in sessions
        ],
        explanation_id=clip(decision.explanation_id),
        explanation_en=clip(decision.explanation_en),
    )


async def schedule_programme(
    uow: UnitOfWork,
    decision: Schedule,
    now: datetime,
    common: dict[str, Any],
    place: str | None,
    url: str | None,
) -> str:
    """Store the schedule and its sessions once per idempotency key; programme-scheduled out."""
    key = decision.idempotency_key
    sp_id = scheduled_programme_id(key)
    sessions = _session_rows(decision, place, url)
    event = _announcement(decision, sp_id, sessions)
    event_id = derived_id("programme-scheduled", key)
    inserted = await store.insert_schedule(
        uow.conn,
        decision,
        scheduled_programme_id=sp_id,
        sessions=sessions,
        explanation_id=event.explanation_id,
        explanation_en=event.explanation_en,
        event_id=event_id,
        at=now,
    )
    if not inserted:  # another delivery won the unique idempotency key
        return "already"
    await store.save_gap_decision(
        uow.conn,
        outcome="scheduled",
        reason=None,
        explanation_id=event.explanation_id,
        explanation_en=event.explanation_en,
        rule_version=decision.rule_version,
        scheduled_programme_id=sp_id,
        retry_after=None,
        **common,
    )
    await uow.publish(event, id=event_id)
    log.info(
        "gap %s: scheduled %s in %d session(s) for %d people",
        key,
        decision.programme_code,
        len(sessions),
        sum(len(s.cohort) for s in sessions),
    )
    return "scheduled"
