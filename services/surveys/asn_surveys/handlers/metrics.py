"""Counters of the intake: responses by channel and outcome, gap events by status."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Histogram

from asn_platform.contracts import ServiceGapDetected


@dataclass(frozen=True, slots=True)
class IntakeMetrics:
    intakes: Counter
    gap_events: Counter
    batches: Histogram

    @classmethod
    def register(cls, registry: CollectorRegistry) -> IntakeMetrics:
        return cls(
            intakes=Counter(
                "surveys_intake_total",
                "SKM responses by channel and outcome",
                ["channel", "outcome"],
                registry=registry,
            ),
            gap_events=Counter(
                "surveys_gap_events_total",
                "Service-gap events enqueued, by status",
                ["status"],
                registry=registry,
            ),
            batches=Histogram(
                "surveys_intake_batch_size",
                "HTTP submissions per group-commit transaction",
                buckets=(1, 2, 4, 8, 16, 32, 64),
                registry=registry,
            ),
        )

    def count(self, channel: str, outcome: str) -> None:
        self.intakes.labels(channel, outcome).inc()

    def accepted(self, channel: str, created: bool, gaps: list[ServiceGapDetected]) -> None:
        self.count(channel, "accepted" if created else "duplicate")
        for gap in gaps:
            self.gap_events.labels(gap.status.value).inc()

    def batch(self, size: int) -> None:
        self.batches.observe(size)
