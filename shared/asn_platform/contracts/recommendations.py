"""Events of the recommendations service: scheduled programmes, recommendations, nudges.

- ``ProgrammeScheduled`` (asn.recommendations.programme-scheduled.v1, key unit_id): a targeted
  programme with its sessions and cohort; enrollment opens the sessions and invites the cohort.
  ``idempotency_key`` lets enrollment apply a re-sent decision once.
- ``RecommendationIssued`` (asn.recommendations.recommendation-issued.v1, key NIP): ranked
  programmes for one civil servant, each with the reason and its evidence.
- ``NudgeRequested`` (asn.recommendations.nudge-requested.v1, key NIP): persuade someone who
  declined or skipped: the message, the attempt number and whether to copy the supervisor.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

from asn_platform import topics
from asn_platform.contracts.base import (
    EntityId,
    Event,
    Explanation,
    Moment,
    Nip,
    PeriodKey,
    ProgrammeCode,
    ShortText,
    UnitId,
)
from asn_platform.vocabulary import ElementCode, Mutu


class GapRef(BaseModel):
    """The SKM gap a programme answers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    element: ElementCode = Field(description="The weak SKM element.")
    period: PeriodKey
    score_converted: float = Field(ge=25, le=100, description="Its converted score (25-100).")
    mutu: Mutu = Field(description="Its quality band.")


class ScheduledSession(BaseModel):
    """One session of a scheduled programme, with the cohort invited to it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    session_ref: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="Reference of the session within this scheduled programme."
    )
    starts_at: Moment
    ends_at: Moment
    place: ShortText | None = Field(default=None, description="Venue, for sessions in person.")
    online_url: str | None = Field(
        default=None,
        max_length=500,
        pattern=r"^https?://\S+$",
        description="Meeting link, for online sessions.",
    )
    capacity: int = Field(ge=1, le=10_000, description="Seats in the session.")
    cohort: list[Nip] = Field(description="Civil servants invited to this session.")

    @model_validator(mode="after")
    def _consistent(self) -> ScheduledSession:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if self.place is None and self.online_url is None:
            raise ValueError("a session needs a place, an online_url, or both")
        if len(set(self.cohort)) != len(self.cohort):
            raise ValueError("cohort lists a NIP twice")
        return self


class ProgrammeScheduled(Event):
    """A targeted programme scheduled for a unit's cohort."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "scheduled_programme_id": "sp-0b9e7c1e",
                    "idempotency_key": "disdukcapil:U7:2026-Q3:PLP-PRIMA",
                    "programme_code": "PLP-PRIMA",
                    "unit_id": "disdukcapil",
                    "gap": {
                        "element": "U7",
                        "period": "2026-Q3",
                        "score_converted": 60.25,
                        "mutu": "D",
                    },
                    "sessions": [
                        {
                            "session_ref": "1",
                            "starts_at": "2026-10-05T08:00:00+07:00",
                            "ends_at": "2026-10-07T16:00:00+07:00",
                            "place": "Aula BKPSDM, Pamulang",
                            "online_url": None,
                            "capacity": 30,
                            "cohort": ["198504122010011001", "199001012015032001"],
                        }
                    ],
                    "explanation_id": (
                        "Skor Perilaku Pelaksana (U7) Disdukcapil 60,25 (D) pada Triwulan III "
                        "2026; Pelatihan Pelayanan Prima melatih pelayanan publik dan komunikasi."
                    ),
                    "explanation_en": (
                        "Disdukcapil scored 60.25 (D) on staff behaviour (U7) in Q3 2026; "
                        "Service Excellence training builds public service and communication."
                    ),
                }
            ]
        }
    )
    event_type: ClassVar[str] = topics.PROGRAMME_SCHEDULED
    topic: ClassVar[str] = topics.PROGRAMME_SCHEDULED
    personal_data: ClassVar[bool] = True  # the cohort lists NIPs

    scheduled_programme_id: EntityId
    idempotency_key: Annotated[str, Field(min_length=1, max_length=200)] = Field(
        description="Same decision, same key: a receiver applies it once."
    )
    programme_code: ProgrammeCode
    unit_id: UnitId
    gap: GapRef | None = Field(
        default=None, description="The SKM gap that motivated it; null if not gap-driven."
    )
    sessions: list[ScheduledSession] = Field(min_length=1, description="When and where.")
    explanation_id: Explanation = Field(description="Why, in Indonesian.")
    explanation_en: Explanation = Field(description="Why, in English.")

    def partition_key(self) -> str:
        return self.unit_id

    def subject(self) -> str:
        return f"units/{self.unit_id}/programmes/{self.scheduled_programme_id}"


class RecommendationItem(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rank: int = Field(ge=1, description="1 is the strongest recommendation.")
    programme_code: ProgrammeCode
    reason_id: Explanation = Field(description="Why this programme, in Indonesian.")
    reason_en: Explanation = Field(description="Why this programme, in English.")
    evidence: dict[str, JsonValue] = Field(
        default_factory=dict,
        description="The facts behind the reason (gap scores, JP balance, history), by name.",
        examples=[{"element": "U7", "score_converted": 60.25, "jp_this_year": 6}],
    )


class RecommendationIssued(Event):
    """Ranked programme recommendations for one civil servant."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "nip": "198504122010011001",
                    "unit_id": "disdukcapil",
                    "items": [
                        {
                            "rank": 1,
                            "programme_code": "PLP-PRIMA",
                            "reason_id": "Unit Anda lemah pada Perilaku Pelaksana (U7).",
                            "reason_en": "Your unit is weak on staff behaviour (U7).",
                            "evidence": {"element": "U7", "score_converted": 60.25},
                        }
                    ],
                    "issued_at": "2026-09-30T18:00:00+07:00",
                }
            ]
        }
    )
    event_type: ClassVar[str] = topics.RECOMMENDATION_ISSUED
    topic: ClassVar[str] = topics.RECOMMENDATION_ISSUED
    personal_data: ClassVar[bool] = True

    nip: Nip
    unit_id: UnitId
    items: list[RecommendationItem] = Field(min_length=1, description="Ranked programmes.")
    issued_at: Moment

    @model_validator(mode="after")
    def _ranks_unique(self) -> RecommendationIssued:
        ranks = [item.rank for item in self.items]
        if len(set(ranks)) != len(ranks):
            raise ValueError("item ranks must be unique")
        return self

    def partition_key(self) -> str:
        return self.nip

    def subject(self) -> str:
        return f"asn/{self.nip}"


class NudgeTone(StrEnum):
    """How insistent the message is; rises with the attempt number."""

    GENTLE = "gentle"  # inform about the benefit
    ENCOURAGING = "encouraging"  # remind and encourage
    FIRM = "firm"  # last reminder, supervisor involved


class NudgeRequested(Event):
    """Ask the notification side to persuade one civil servant to take a programme."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "nip": "198504122010011001",
                    "programme_code": "PLP-PRIMA",
                    "attempt": 2,
                    "include_supervisor": True,
                    "supervisor_nip": "197803152005012002",
                    "message_id": (
                        "Pelatihan Pelayanan Prima membantu Anda melayani warga dengan lebih "
                        "ramah sehingga keluhan berkurang."
                    ),
                    "message_en": (
                        "Service Excellence training helps you serve citizens more kindly, "
                        "so complaints fall."
                    ),
                    "tone": "encouraging",
                    "requested_at": "2026-09-25T09:00:00+07:00",
                }
            ]
        }
    )
    event_type: ClassVar[str] = topics.NUDGE_REQUESTED
    topic: ClassVar[str] = topics.NUDGE_REQUESTED
    personal_data: ClassVar[bool] = True

    nip: Nip
    programme_code: ProgrammeCode
    attempt: int = Field(ge=1, le=100, description="1 for the first nudge about this programme.")
    include_supervisor: bool = Field(description="Copy the supervisor (involve, never shame).")
    supervisor_nip: Nip | None = Field(
        default=None, description="The supervisor to copy; required with include_supervisor."
    )
    message_id: Explanation = Field(description="The message, in Indonesian.")
    message_en: Explanation = Field(description="The message, in English.")
    tone: NudgeTone = Field(description="How insistent the message is.")
    requested_at: Moment
    enrollment_id: EntityId | None = Field(
        default=None, description="The declined or missed enrollment, if any."
    )

    @model_validator(mode="after")
    def _supervisor_given(self) -> NudgeRequested:
        if self.include_supervisor and self.supervisor_nip is None:
            raise ValueError("include_supervisor needs supervisor_nip")
        return self

    def partition_key(self) -> str:
        return self.nip

    def subject(self) -> str:
        return f"asn/{self.nip}/programmes/{self.programme_code}"
