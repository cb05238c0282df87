"""Reactions: what the service decides when facts change, in the transaction that applied them.

Each reaction runs inside the consumer's transaction (the inbox row, the read-model update,
the decision and its outgoing event commit together, or none of them does):

- an opened gap -> decide_for_gap -> Schedule (stored once per gap key, programme-scheduled
  via the outbox, recommendation-issued for the cohort), FlagManagement (stored, listed), or
  Skip (stored, nothing published);
- a decline or no-show -> decide_nudge -> nudge-requested, or an escalation when the reminders
  are used up; a person whose profile has not arrived yet is nudged when it does;
- an enrollment (enrolled/attended/completed) or completion after a nudge -> marks it converted;
- a completion -> a fresh recommendation-issued for that person (their JP and history changed).

Event ids are derived from what caused them (uuid5), so the same decision always carries the
same CloudEvents id, and receivers' inboxes recognise a repeat.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from asn_platform import outbox
from asn_platform.contracts import (
    AsnProfileChanged,
    EnrollmentChanged,
    GapRef,
    GapStatus,
    NudgeRequested,
    NudgeTone,
    ProgrammeScheduled,
    RecommendationIssued,
    RecommendationItem,
    ScheduledSession,
    ServiceGapDetected,
    TrainingCompleted,
)
from asn_platform.logmask import mask_nip
from asn_platform.periods import Period
from asn_platform.timezone import now_jakarta
from asn_platform.vocabulary import Bidang, EnrollmentStatus, ProgrammeKind
from asn_recommendations.domain.catalogue import Catalogue, ProgrammeInfo
from asn_recommendations.domain.decisions import (
    FlagManagement,
    Schedule,
    Skip,
    SkipReason,
    decide_for_gap,
)
from asn_recommendations.domain.facts import Gap, LearningRecord, StaffProfile
from asn_recommendations.domain.nudges import LimitReached, Nudge, decide_nudge
from asn_recommendations.domain.recommend import Recommendation, recommend_for
from asn_recommendations.domain.rules import RuleSet
from asn_recommendations.domain.scheduling import WorkingCalendar
from asn_recommendations.settings import Settings
from asn_recommendations.store import decisions as store
from asn_recommendations.store import queries as q
from asn_recommendations.store.conn import Conn
from asn_recommendations.store.readmodels import NON_ATTENDANCE, Fact

log = logging.getLogger(__name__)

# Namespace of the ids this service derives (scheduled programmes, event ids).
ID_NAMESPACE = UUID("5b8f0c2e-7a41-4f3e-9d65-1c0e6a2b9f17")
CONVERTING = (EnrollmentStatus.ENROLLED, EnrollmentStatus.ATTENDED, EnrollmentStatus.COMPLETED)
MAX_TEXT = 2000  # contracts' Explanation limit
ONLINE_PLACE = "Daring, tautan menyusul dari BKPSDM / online, link to follow"


def derived_id(*parts: object) -> UUID:
    return uuid5(ID_NAMESPACE, ":".join(str(p) for p in parts))


def scheduled_programme_id(gap_key: str) -> str:
    """Stable per gap: the same decision gets the same id on any instance."""
    return f"sp-{derived_id('scheduled-programme', gap_key)}"


def clip(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


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


def recommendation_items(recs: Sequence[Recommendation]) -> list[RecommendationItem]:
    return [
        RecommendationItem(
            rank=r.rank,
            programme_code=r.programme_code,
            reason_id=clip(r.reason_id),
            reason_en=clip(r.reason_en),
            evidence={"title": r.title, "jp": r.jp, **r.evidence},  # type: ignore[dict-item]
        )
        for r in recs
    ]


@dataclass
class Engine:
    """The decisions of the service, given the rules loaded at start."""

    rules: RuleSet
    catalogue: Catalogue
    settings: Settings
    source: str
    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)
    clock: Callable[[], datetime] = now_jakarta

    async def _enqueue(self, conn: Conn, event: Any, event_id: UUID) -> None:
        await outbox.enqueue(
            conn,
            event,
            source=self.source,
            id=event_id,
            max_bytes=self.settings.kafka_max_message_bytes,
        )

    # -- gaps -----------------------------------------------------------------------------------

    async def on_gaps(self, conn: Conn, facts: Sequence[Fact[ServiceGapDetected]]) -> None:
        for fact in facts:
            if fact.event.status is GapStatus.OPENED:
                await self.decide_gap(conn, fact)

    async def decide_gap(self, conn: Conn, fact: Fact[ServiceGapDetected]) -> None:
        await self.decide(conn, gap_from_event(fact.event), fact.event_id)

    async def decide(self, conn: Conn, gap: Gap, trigger_event_id: UUID) -> str:
        """Decide one gap and store the outcome (scheduled, flagged, skipped, or already)."""
        key = gap.key
        if await store.decision_outcome(conn, key) == "scheduled":
            return "already"  # the cheap path for the many re-announcements of a scheduled gap
        now = self.clock()
        staff = await q.staff_of_unit(conn, gap.unit_id)
        nips = [s.nip for s in staff]
        decision = decide_for_gap(
            gap,
            rules=self.rules,
            catalogue=self.catalogue,
            staff=staff,
            records=await q.learning_records(conn, nips, now.year),
            busy=await q.busy_intervals(conn, nips, now),
            prior=await q.prior_schedules(conn, gap.unit_id, gap.element),
            today=now.date(),
            calendar=self.calendar,
        )
        common: dict[str, Any] = {
            "gap_key": key,
            "unit_id": gap.unit_id,
            "element": gap.element.value,
            "period": gap.period.key,
            "at": now,
            "trigger_event_id": trigger_event_id,
        }
        if isinstance(decision, Schedule):
            return await self._schedule(conn, decision, now, common)
        elif isinstance(decision, FlagManagement):
            await store.save_gap_decision(
                conn,
                outcome="flagged",
                reason=decision.reason.value,
                explanation_id=decision.explanation_id,
                explanation_en=decision.explanation_en,
                rule_version=decision.rule_version,
                scheduled_programme_id=None,
                retry_after=None,
                **common,
            )
            log.info("gap %s flagged to management: %s", key, decision.reason.value)
            return "flagged"
        if isinstance(decision, Skip) and decision.reason is not SkipReason.ALREADY_DECIDED:
            await store.save_gap_decision(
                conn,
                outcome="skipped",
                reason=decision.reason.value,
                explanation_id=decision.explanation_id,
                explanation_en=decision.explanation_en,
                rule_version=self.rules.version,
                scheduled_programme_id=None,
                retry_after=decision.retry_after,
                **common,
            )
            log.info("gap %s skipped: %s", key, decision.reason.value)
            return "skipped"
        return "already"

    def _session_place(self, programme: ProgrammeInfo) -> tuple[str | None, str | None]:
        if programme.kind is ProgrammeKind.E_LEARNING:
            if self.settings.online_url:
                return None, self.settings.online_url
            return ONLINE_PLACE, None
        return self.settings.session_place, None

    async def _schedule(
        self,
        conn: Conn,
        decision: Schedule,
        now: datetime,
        common: dict[str, Any],
    ) -> str:
        key = decision.idempotency_key
        sp_id = scheduled_programme_id(key)
        place, url = self._session_place(self.catalogue[decision.programme_code])
        sessions = [
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
        text_id, text_en = clip(decision.explanation_id), clip(decision.explanation_en)
        gap = decision.gap
        event = ProgrammeScheduled(
            scheduled_programme_id=sp_id,
            idempotency_key=key,
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
            explanation_id=text_id,
            explanation_en=text_en,
        )
        event_id = derived_id("programme-scheduled", key)
        inserted = await store.insert_schedule(
            conn,
            decision,
            scheduled_programme_id=sp_id,
            sessions=sessions,
            explanation_id=text_id,
            explanation_en=text_en,
            event_id=event_id,
            at=now,
        )
        if not inserted:  # another delivery won the unique idempotency key
            return "already"
        await store.save_gap_decision(
            conn,
            outcome="scheduled",
            reason=None,
            explanation_id=text_id,
            explanation_en=text_en,
            rule_version=decision.rule_version,
            scheduled_programme_id=sp_id,
            retry_after=None,
            **common,
        )
        await self._enqueue(conn, event, event_id)
        log.info(
            "gap %s: scheduled %s in %d session(s) for %d people",
            key,
            decision.programme_code,
            len(sessions),
            sum(len(s.cohort) for s in sessions),
        )
        return "scheduled"

    async def on_programmes_scheduled(
        self, conn: Conn, facts: Sequence[Fact[ProgrammeScheduled]]
    ) -> None:
        """The cohort's situation changed: tell each member what they are invited to and why.

        Done when our own programme-scheduled event comes back (bookings consumer), not in the
        gap's transaction: the gap's programme goes out without waiting for ~60 personal
        recommendations, and whichever instance scheduled it, each cohort hears it once."""
        for fact in facts:
            nips = [nip for s in fact.event.sessions for nip in s.cohort]
            await self.issue_recommendations(conn, nips, cause="gap_scheduled")

    # -- personal recommendations ---------------------------------------------------------------

    async def recommend(
        self,
        conn: Conn,
        person: StaffProfile,
        record: LearningRecord | None = None,
        *,
        limit: int | None = None,
        unit_gaps: Sequence[Gap] | None = None,
    ) -> tuple[LearningRecord, tuple[Recommendation, ...]]:
        year = self.clock().year
        if record is None:
            record = await q.learning_record(conn, person.nip, year)
        if unit_gaps is None:
            unit_gaps = await q.open_gaps(conn, person.unit_id)
        recs = recommend_for(
            person,
            record,
            year=year,
            unit_gaps=unit_gaps,
            rules=self.rules,
            catalogue=self.catalogue,
            unit_bidang=await q.unit_bidang(conn, person.unit_id),
            limit=limit if limit is not None else self.settings.recommendation_limit,
        )
        return record, recs

    async def issue_recommendations(
        self,
        conn: Conn,
        nips: Iterable[str],
        *,
        cause: str,
    ) -> int:
        """Publish recommendation-issued for each active person among `nips`; how many."""
        wanted = sorted(set(nips))
        people = await q.profiles(conn, wanted)
        now = self.clock()
        records = await q.learning_records(conn, wanted, now.year)
        gaps_of_unit: dict[str, list[Gap]] = {}
        bidang_of_unit: dict[str, Bidang | None] = {}
        events: list[RecommendationIssued] = []
        for nip in wanted:
            person = people.get(nip)
            if person is None or not person.active:
                continue
            unit = person.unit_id
            if unit not in gaps_of_unit:
                gaps_of_unit[unit] = await q.open_gaps(conn, unit)
                bidang_of_unit[unit] = await q.unit_bidang(conn, unit)
            recs = recommend_for(
                person,
                records.get(nip) or LearningRecord(nip=nip),
                year=now.year,
                unit_gaps=gaps_of_unit[unit],
                rules=self.rules,
                catalogue=self.catalogue,
                unit_bidang=bidang_of_unit[unit],
                limit=self.settings.recommendation_limit,
            )
            if recs:
                events.append(
                    RecommendationIssued(
                        nip=nip, unit_id=unit, items=recommendation_items(recs), issued_at=now
                    )
                )
        if not events:
            return 0
        # One statement for the lot (outbox.enqueue_many picks the event ids).
        ids = await outbox.enqueue_many(
            conn, events, source=self.source, max_bytes=self.settings.kafka_max_message_bytes
        )
        await store.insert_recommendations(
            conn,
            [
                (event_id, e.nip, e.unit_id, cause, [i.model_dump(mode="json") for i in e.items])
                for event_id, e in zip(ids, events, strict=True)
            ],
            issued_at=now,
        )
        return len(events)

    # -- enrollments: nudges and conversions ----------------------------------------------------

    async def on_enrollments(self, conn: Conn, facts: Sequence[Fact[EnrollmentChanged]]) -> None:
        # Most enrollments concern nobody who was nudged: one query instead of one per event.
        open_nudges = await store.open_nudges(conn, {f.event.nip for f in facts})
        for fact in facts:
            ev = fact.event
            key = (ev.nip, ev.programme_code)
            if ev.status in NON_ATTENDANCE:
                await self.nudge(
                    conn,
                    nip=ev.nip,
                    programme_code=ev.programme_code,
                    enrollment_id=ev.enrollment_id,
                    trigger_event_id=fact.event_id,
                )
                open_nudges.add(key)
            elif ev.status in CONVERTING and key in open_nudges:
                await store.mark_converted(
                    conn, ev.nip, ev.programme_code, ev.changed_at, ev.status.value
                )
                open_nudges.discard(key)

    async def nudge(
        self,
        conn: Conn,
        *,
        nip: str,
        programme_code: str,
        enrollment_id: str | None,
        trigger_event_id: UUID,
    ) -> None:
        now = self.clock()
        facts = await q.nudge_facts(conn, nip, programme_code, now)
        if facts is None:
            # Never a silent drop: keep it and nudge as soon as the profile arrives.
            await store.add_pending_nudge(
                conn,
                trigger_event_id=trigger_event_id,
                nip=nip,
                programme_code=programme_code,
                enrollment_id=enrollment_id,
                at=now,
            )
            log.info("nudge for %s waits for the profile", mask_nip(nip))
            return
        programme = self.catalogue.get(programme_code)
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
            policy=self.rules.settings.nudges,
            record=facts.record,
            next_session_day=facts.next_session_day,
        )
        if isinstance(decision, Nudge):
            event_id = derived_id("nudge", trigger_event_id)
            event = NudgeRequested(
                nip=nip,
                programme_code=programme_code,
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
                conn,
                decision,
                event_id=event_id,
                enrollment_id=enrollment_id,
                requested_at=now,
                trigger_event_id=trigger_event_id,
            ):
                await self._enqueue(conn, event, event_id)
                log.info(
                    "nudge %d for %s about %s (supervisor %s)",
                    decision.reminder_number,
                    mask_nip(nip),
                    programme_code,
                    "included" if event.include_supervisor else "not included",
                )
        elif isinstance(decision, LimitReached):
            await store.insert_escalation(conn, decision, at=now, trigger_event_id=trigger_event_id)
            log.warning(
                "reminders used up for %s about %s: escalated to supervisor and BKPSDM",
                mask_nip(nip),
                programme_code,
            )

    # -- completions and profiles ---------------------------------------------------------------

    async def on_completions(self, conn: Conn, facts: Sequence[Fact[TrainingCompleted]]) -> None:
        nips = {f.event.nip for f in facts}
        open_nudges = await store.open_nudges(conn, nips)
        for fact in facts:
            ev = fact.event
            if (ev.nip, ev.programme_code) in open_nudges:
                await store.mark_converted(
                    conn, ev.nip, ev.programme_code, ev.completed_at, "completed"
                )
                open_nudges.discard((ev.nip, ev.programme_code))
        await self.issue_recommendations(conn, nips, cause="completion")

    async def on_profiles(self, conn: Conn, facts: Sequence[Fact[AsnProfileChanged]]) -> None:
        for row in await store.take_pending_nudges(conn, {f.event.nip for f in facts}):
            await self.nudge(
                conn,
                nip=row["nip"],
                programme_code=row["programme_code"],
                enrollment_id=row["enrollment_id"],
                trigger_event_id=row["trigger_event_id"],
            )
