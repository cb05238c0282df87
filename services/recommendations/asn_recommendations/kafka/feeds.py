"""The input topics: for each, the read model it feeds (also what the replay command applies)
and the handler live consumption runs (the same projection, then the reactions)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from asn_platform import topics
from asn_platform.uow import UnitOfWork
from asn_recommendations.handlers.catalogue import apply_catalogue_changes
from asn_recommendations.handlers.deps import Deps
from asn_recommendations.handlers.gaps import apply_gaps_detected
from asn_recommendations.handlers.nudges import (
    apply_completions,
    apply_enrollment_changes,
    apply_profile_changes,
)
from asn_recommendations.handlers.recommendations import apply_programmes_scheduled
from asn_recommendations.handlers.surveys import apply_surveys_submitted
from asn_recommendations.store import readmodels as rm
from asn_recommendations.store.catalogue import apply_catalogue
from asn_recommendations.store.conn import Conn
from asn_recommendations.store.readmodels import Fact

Projection = Callable[[Conn, Sequence[Fact[Any]]], Awaitable[None]]
Handler = Callable[[UnitOfWork, Deps, Sequence[Fact[Any]]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Feed:
    """An input topic: the read model it feeds and the handler that applies it live."""

    name: str
    topic: str
    project: Projection
    handle: Handler
    description: str

    @property
    def group_id(self) -> str:
        return f"recommendations.{self.name}"


FEEDS: tuple[Feed, ...] = (
    Feed(
        "gaps",
        topics.SERVICE_GAP_DETECTED,
        rm.apply_gaps,
        apply_gaps_detected,
        "Unit gaps; an opened gap is decided (schedule, skip, flag to management).",
    ),
    Feed(
        "surveys",
        topics.SURVEY_SUBMITTED,
        rm.apply_surveys,
        apply_surveys_submitted,
        "Answer counters per unit, element and period (for impact).",
    ),
    Feed(
        "profiles",
        topics.ASN_PROFILE_CHANGED,
        rm.apply_profiles,
        apply_profile_changes,
        "The roster (latest profile per NIP).",
    ),
    Feed(
        "enrollments",
        topics.ENROLLMENT_CHANGED,
        rm.apply_enrollments,
        apply_enrollment_changes,
        "Enrollment status, declines and no-shows; nudges and their conversion.",
    ),
    Feed(
        "completions",
        topics.TRAINING_COMPLETED,
        rm.apply_completions,
        apply_completions,
        "Training history and JP balance; a fresh recommendation for the person.",
    ),
    Feed(
        "bookings",
        topics.PROGRAMME_SCHEDULED,
        rm.apply_bookings,
        apply_programmes_scheduled,
        "Session bookings from every scheduled programme (no double booking); the cohort's "
        "recommendations.",
    ),
    Feed(
        "catalogue",
        topics.PROGRAMME_CATALOGUE_CHANGED,
        apply_catalogue,
        apply_catalogue_changes,
        "Enrollment's programme catalogue (compacted, key = code): what can be scheduled and "
        "recommended.",
    ),
)
