"""Consumer of asn.recommendations.programme-scheduled.v1 (group "enrollment-scheduler"): the
inbox transaction bound to a unit of work, then handlers.apply_programme_scheduled; metrics are
counted only once that transaction committed."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry, Counter

from asn_enrollment.handlers.apply_programme_scheduled import (
    ScheduleOutcome,
    apply_programme_scheduled,
)
from asn_enrollment.settings import Settings
from asn_platform import topics
from asn_platform.contracts import ProgrammeScheduled
from asn_platform.envelope import Envelope
from asn_platform.inbox import PermanentError, subscribe_idempotent
from asn_platform.uow import UnitsOfWork


class ScheduleMetrics:
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


class ProgrammeScheduledConsumer:
    """The inbox handler plus metrics counted only once its transaction committed."""

    def __init__(self, units: UnitsOfWork, metrics: ScheduleMetrics) -> None:
        self.units = units
        self.metrics = metrics
        self._pending: dict[UUID, ScheduleOutcome] = {}

    async def handle(self, conn: Any, envelope: Envelope[Any]) -> None:
        event = envelope.data
        if not isinstance(event, ProgrammeScheduled):
            raise PermanentError(f"expected ProgrammeScheduled, got {type(event).__name__}")
        uow = self.units.bind(conn)
        self._pending[envelope.id] = await apply_programme_scheduled(uow, event, envelope.id)

    def committed(self, envelopes: list[Envelope[Any]]) -> None:
        for envelope in envelopes:
            outcome = self._pending.pop(envelope.id, None)
            if outcome is None:
                continue
            self.metrics.applied.labels("duplicate" if outcome.duplicate else "applied").inc()
            self.metrics.invited.inc(outcome.invited)
            self.metrics.unknown.inc(outcome.unknown_members)


def subscribe(
    broker: KafkaBroker,
    settings: Settings,
    units: UnitsOfWork,
    consumer: ProgrammeScheduledConsumer,
) -> None:
    subscribe_idempotent(
        broker,
        topic=topics.PROGRAMME_SCHEDULED,
        group_id=settings.enrollment_scheduler_group,
        pool=units.pool,
        handler=consumer.handle,
        settings=settings,
        expected=ProgrammeScheduled,
        on_commit=consumer.committed,
        title="enrollment-scheduler",
        description="Opens the sessions of a scheduled programme and invites its cohort.",
    )
