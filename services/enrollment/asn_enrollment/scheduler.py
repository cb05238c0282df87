"""Consumer of asn.recommendations.programme-scheduled.v1: open the sessions, invite the cohort.

Runs inside the inbox transaction (subscribe_idempotent, group "enrollment-scheduler"), so the
sessions, invitations, their EnrollmentChanged events and the inbox row commit together.
Idempotent twice over: the inbox drops a redelivered event (same event id), and the
scheduled_programmes row (unique scheduled_programme_id and idempotency_key) drops a decision
re-sent as a new event; the sessions' unique (scheduled_programme_id, session_ref) is the last
guard. Cohort members unknown to the roster or inactive are logged (masked) and counted, not
fatal: the rest of the cohort is invited.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
from prometheus_client import CollectorRegistry, Counter

from asn_enrollment.domain.catalogue import KINDS_NEEDING_SPEAKERS, Speaker, session_for
from asn_enrollment.domain.nip import mask_nip
from asn_enrollment.store import catalogue as catalogue_store
from asn_enrollment.store import enrollments as enrollment_store
from asn_platform.contracts import ProgrammeScheduled
from asn_platform.envelope import Envelope
from asn_platform.inbox import PermanentError

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


class SchedulerMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.applied = Counter(
            "enrollment_scheduled_programmes_total",
            "ProgrammeScheduled decisions, by outcome",
            ["outcome"],
            registry=registry,
        )
        self.invited = Counter(
            "enrollment_cohort_invitations_total",
            "Invitations sent for scheduled programmes",
            registry=registry,
        )
        self.unknown = Counter(
            "enrollment_cohort_unknown_members_total",
            "Cohort members not on the roster (reported, not invited)",
            registry=registry,
        )


async def apply_scheduled(
    conn: asyncpg.Connection, event: ProgrammeScheduled, event_id: UUID | None = None
) -> ScheduleOutcome:
    """Apply one scheduling decision in the caller's transaction."""
    claimed = await conn.fetchval(
        "INSERT INTO scheduled_programmes (scheduled_programme_id, idempotency_key,"
        " programme_code, unit_id, event_id, sessions_opened, invited, unknown_members,"
        " skipped_members) VALUES ($1, $2, $3, $4, $5, 0, 0, 0, 0)"
        " ON CONFLICT DO NOTHING RETURNING scheduled_programme_id",
        event.scheduled_programme_id,
        event.idempotency_key,
        event.programme_code,
        event.unit_id,
        event_id,
    )
    if claimed is None:
        log.info(
            "scheduled programme %s (key %s) already applied; nothing to do",
            event.scheduled_programme_id,
            event.idempotency_key,
        )
        return ScheduleOutcome(duplicate=True)

    programme_row = await catalogue_store.get_programme(conn, event.programme_code)
    if programme_row is None:
        # Never applicable until the catalogue has it: dead-letter for a re-drive later.
        raise PermanentError(
            f"programme {event.programme_code} is not in the catalogue "
            f"(scheduled programme {event.scheduled_programme_id})"
        )
    programme = catalogue_store.programme_from_row(programme_row)
    speakers: tuple[Speaker, ...] = ()
    if programme.kind in KINDS_NEEDING_SPEAKERS:
        speakers = (Speaker(name=PLACEHOLDER_SPEAKER_NAME, topic=programme.title),)

    all_nips = sorted({nip for s in event.sessions for nip in s.cohort})
    roster = {
        r["nip"]: r["active"]
        for r in await conn.fetch(
            "SELECT nip, active FROM civil_servants WHERE nip = ANY($1::text[])", all_nips
        )
    }
    outcome = ScheduleOutcome()
    for planned in event.sessions:
        fields: dict[str, Any] = {
            "starts_at": planned.starts_at,
            "ends_at": planned.ends_at,
            "place": planned.place,
            "online_url": planned.online_url,
            "capacity": planned.capacity,
            "speakers": speakers,
        }
        try:
            session = session_for(programme, **fields)
        except ValueError as err:  # pydantic ValidationError is a ValueError
            raise PermanentError(
                f"scheduled programme {event.scheduled_programme_id} session "
                f"{planned.session_ref}: {err}"
            ) from None
        session_id = await catalogue_store.insert_session(
            conn,
            session,
            scheduled_programme_id=event.scheduled_programme_id,
            session_ref=planned.session_ref,
        )
        if session_id is None:
            continue  # opened before (guarded by the unique key)
        outcome.sessions_opened += 1
        for nip in planned.cohort:
            active = roster.get(nip)
            if active is None:
                outcome.unknown_members += 1
                log.warning(
                    "scheduled programme %s: cohort member %s is not on the roster; not invited",
                    event.scheduled_programme_id,
                    mask_nip(nip),
                )
                continue
            if not active:
                outcome.skipped_members += 1
                log.info(
                    "scheduled programme %s: cohort member %s is inactive; not invited",
                    event.scheduled_programme_id,
                    mask_nip(nip),
                )
                continue
            row = await enrollment_store.invite(
                conn, session_id, nip, scheduled_programme_id=event.scheduled_programme_id
            )
            if row is None:
                outcome.skipped_members += 1
            else:
                outcome.invited += 1
    await conn.execute(
        "UPDATE scheduled_programmes SET sessions_opened = $2, invited = $3,"
        " unknown_members = $4, skipped_members = $5 WHERE scheduled_programme_id = $1",
        event.scheduled_programme_id,
        outcome.sessions_opened,
        outcome.invited,
        outcome.unknown_members,
        outcome.skipped_members,
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


class ScheduledProgrammeConsumer:
    """The inbox handler plus metrics counted only once its transaction committed."""

    def __init__(self, metrics: SchedulerMetrics | None = None) -> None:
        self.metrics = metrics
        self._pending: dict[UUID, ScheduleOutcome] = {}

    async def handle(self, conn: asyncpg.Connection, envelope: Envelope[Any]) -> None:
        event = envelope.data
        if not isinstance(event, ProgrammeScheduled):
            raise PermanentError(f"expected ProgrammeScheduled, got {type(event).__name__}")
        self._pending[envelope.id] = await apply_scheduled(conn, event, envelope.id)

    def committed(self, envelopes: list[Envelope[Any]]) -> None:
        for envelope in envelopes:
            outcome = self._pending.pop(envelope.id, None)
            if outcome is None or self.metrics is None:
                continue
            self.metrics.applied.labels("duplicate" if outcome.duplicate else "applied").inc()
            self.metrics.invited.inc(outcome.invited)
            self.metrics.unknown.inc(outcome.unknown_members)
