"""Topic names and partition counts: the public stream names other agencies subscribe to.

One topic per event type and major version. Partition counts are chosen for a city today and
leave room to add consumer instances; a national roll-out creates new topics with more.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    partitions: int
    compact: bool = False  # log-compacted (latest value per key), e.g. the ASN roster

    @property
    def dlq(self) -> str:
        return dead_letter_topic(self.name)


SURVEY_SUBMITTED = "asn.surveys.survey-submitted.v1"
SERVICE_GAP_DETECTED = "asn.surveys.service-gap-detected.v1"
RESPONSE_INTAKE = "asn.surveys.response-intake.v1"
ASN_PROFILE_CHANGED = "asn.enrollment.asn-profile-changed.v1"
ENROLLMENT_CHANGED = "asn.enrollment.enrollment-changed.v1"
TRAINING_COMPLETED = "asn.enrollment.training-completed.v1"
PROGRAMME_CATALOGUE_CHANGED = "asn.enrollment.programme-catalogue-changed.v1"
SESSION_CHANGED = "asn.enrollment.session-changed.v1"
PROGRAMME_SCHEDULED = "asn.recommendations.programme-scheduled.v1"
RECOMMENDATION_ISSUED = "asn.recommendations.recommendation-issued.v1"
NUDGE_REQUESTED = "asn.recommendations.nudge-requested.v1"

# Request/reply between services: not public contracts, and they carry a NIP in key and body
# without CloudEvents headers. They live under a prefix of their own that no partner ACL covers
# (a partner granted "asn.*" topics by prefix would otherwise read them; see docs/kafka.md).
INTERNAL_PREFIX = "asn-internal."
RPC_PREFIX = f"{INTERNAL_PREFIX}rpc."
RPC_REPLY_PREFIX = f"{RPC_PREFIX}reply."
RPC_RECOMMENDATIONS_REQUEST = f"{RPC_PREFIX}recommendations.request.v1"

TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec(SURVEY_SUBMITTED, 6),
    TopicSpec(SERVICE_GAP_DETECTED, 3),
    TopicSpec(RESPONSE_INTAKE, 6),
    TopicSpec(ASN_PROFILE_CHANGED, 6, compact=True),
    TopicSpec(ENROLLMENT_CHANGED, 6),
    TopicSpec(TRAINING_COMPLETED, 6),
    TopicSpec(PROGRAMME_CATALOGUE_CHANGED, 1, compact=True),
    TopicSpec(SESSION_CHANGED, 3),
    TopicSpec(PROGRAMME_SCHEDULED, 3),
    TopicSpec(RECOMMENDATION_ISSUED, 6),
    TopicSpec(NUDGE_REQUESTED, 3),
    TopicSpec(RPC_RECOMMENDATIONS_REQUEST, 3),
)


def dead_letter_topic(topic: str) -> str:
    return f"{topic}.dlq"


def reply_topic(service: str, instance_id: str) -> str:
    """A reply topic per caller instance, so replies reach the instance that asked."""
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in instance_id)
    return f"{reply_topic_prefix(service)}{safe}"


def reply_topic_prefix(service: str) -> str:
    """Every reply topic of `service` starts with this (its ACLs are granted on the prefix)."""
    return f"{RPC_REPLY_PREFIX}{service}."


def all_topic_specs() -> list[TopicSpec]:
    """Every topic with its dead-letter twin (same partitions: DLQ keeps the key's order)."""
    specs = list(TOPICS)
    specs += [TopicSpec(t.dlq, 1) for t in TOPICS]
    return specs
