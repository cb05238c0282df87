"""The registry: event type -> topic -> model -> partition key, one entry per public contract.

``EVENTS`` maps each event type (the CloudEvents ``ce_type``) to its ``EventSpec``;
``spec_for(name)`` accepts an event type or a topic name (they coincide today: one topic per
event type and major version) and raises ``KeyError`` with the known names otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

from asn_platform import topics
from asn_platform.contracts.base import Event
from asn_platform.contracts.enrollment import (
    AsnProfileChanged,
    EnrollmentChanged,
    ProgrammeCatalogueChanged,
    SessionChanged,
    TrainingCompleted,
)
from asn_platform.contracts.recommendations import (
    NudgeRequested,
    ProgrammeScheduled,
    RecommendationIssued,
)
from asn_platform.contracts.surveys import ResponseIntake, ServiceGapDetected, SurveySubmitted


@dataclass(frozen=True, slots=True)
class EventSpec:
    event_type: str
    topic: str
    model: type[Event]
    key_field: str  # the payload field whose value is the Kafka key
    producer: str  # the service that publishes it ("external" for the intake topic)
    compact: bool = False  # log-compacted topic (latest event per key is the state)
    description: str = ""

    @property
    def personal_data(self) -> bool:
        return self.model.personal_data

    @property
    def dead_letter_topic(self) -> str:
        return topics.dead_letter_topic(self.topic)


def _spec(model: type[Event], key_field: str, producer: str, compact: bool = False) -> EventSpec:
    doc = (model.__doc__ or "").strip().splitlines()[0] if model.__doc__ else ""
    return EventSpec(
        event_type=model.event_type,
        topic=model.topic,
        model=model,
        key_field=key_field,
        producer=producer,
        compact=compact,
        description=doc,
    )


EVENTS: dict[str, EventSpec] = {
    s.event_type: s
    for s in (
        _spec(SurveySubmitted, "unit_id", "surveys"),
        _spec(ServiceGapDetected, "unit_id", "surveys"),
        _spec(ResponseIntake, "unit_id", "external"),
        _spec(AsnProfileChanged, "nip", "enrollment", compact=True),
        _spec(EnrollmentChanged, "nip", "enrollment"),
        _spec(TrainingCompleted, "nip", "enrollment"),
        _spec(ProgrammeCatalogueChanged, "code", "enrollment", compact=True),
        _spec(SessionChanged, "session_id", "enrollment"),
        _spec(ProgrammeScheduled, "unit_id", "recommendations"),
        _spec(RecommendationIssued, "nip", "recommendations"),
        _spec(NudgeRequested, "nip", "recommendations"),
    )
}

_BY_TOPIC: dict[str, EventSpec] = {s.topic: s for s in EVENTS.values()}


def spec_for(name: str | type[Event]) -> EventSpec:
    """The spec of an event type, a topic name, or an event class."""
    if isinstance(name, type):
        name = name.event_type
    spec = EVENTS.get(name) or _BY_TOPIC.get(name)
    if spec is None:
        known = ", ".join(sorted(EVENTS))
        raise KeyError(f"no event contract for {name!r}; known: {known}")
    return spec


def spec_for_topic(topic: str) -> EventSpec | None:
    return _BY_TOPIC.get(topic)
