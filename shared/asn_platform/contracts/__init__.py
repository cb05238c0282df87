"""Event contracts: the public API of the platform for its services and for other agencies.

Pydantic v2 models, one per event type and major version, grouped by producing service
(``surveys``, ``enrollment``, ``recommendations``). Every model derives from ``Event``
(extra="forbid", frozen) and declares ``event_type`` (the CloudEvents ``ce_type``), ``topic``,
``partition_key()`` (the Kafka key) and ``subject()`` (``ce_subject``).

``registry.EVENTS`` maps event type -> ``EventSpec`` (topic, model, key field, producer);
``spec_for(topic_or_type)`` looks one up. JSON Schema and an AsyncAPI 3.0 document are generated
from these models by ``python -m asn_platform.contracts.export`` into ``asn_platform/schemas``.

Example::

    from asn_platform.contracts import SurveySubmitted, spec_for
    event = SurveySubmitted(response_id=..., unit_id="disdukcapil", ...)
    spec_for(event.topic).key_field == "unit_id"; event.partition_key() == "disdukcapil"
"""

from asn_platform.contracts.base import Event
from asn_platform.contracts.enrollment import (
    AsnProfileChanged,
    EnrollmentChanged,
    ProfileChange,
    TrainingCompleted,
)
from asn_platform.contracts.recommendations import (
    GapRef,
    NudgeRequested,
    NudgeTone,
    ProgrammeScheduled,
    RecommendationIssued,
    RecommendationItem,
    ScheduledSession,
)
from asn_platform.contracts.registry import EVENTS, EventSpec, spec_for, spec_for_topic
from asn_platform.contracts.surveys import (
    GapStatus,
    GapTrend,
    IntakeChannel,
    IntakeRespondent,
    RespondentProfile,
    ResponseIntake,
    ServiceGapDetected,
    SurveySubmitted,
)

__all__ = [
    "EVENTS",
    "AsnProfileChanged",
    "EnrollmentChanged",
    "Event",
    "EventSpec",
    "GapRef",
    "GapStatus",
    "GapTrend",
    "IntakeChannel",
    "IntakeRespondent",
    "NudgeRequested",
    "NudgeTone",
    "ProfileChange",
    "ProgrammeScheduled",
    "RecommendationIssued",
    "RecommendationItem",
    "RespondentProfile",
    "ResponseIntake",
    "ScheduledSession",
    "ServiceGapDetected",
    "SurveySubmitted",
    "TrainingCompleted",
    "spec_for",
    "spec_for_topic",
]
