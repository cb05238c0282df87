"""Events of the surveys service (SKM responses, IKM gaps) and the intake topic it consumes.

- ``SurveySubmitted`` (asn.surveys.survey-submitted.v1, key unit_id): one accepted SKM response.
  Published, so it carries no citizen personal data: an age band instead of the age, no name,
  no free-text comment.
- ``ServiceGapDetected`` (asn.surveys.service-gap-detected.v1, key unit_id): a unit's element
  fell below the threshold in a period (``opened``) or came back above it (``recovered``).
- ``ResponseIntake`` (asn.surveys.response-intake.v1, key unit_id): raw answers from kiosks and
  partner systems, the same fields as the public HTTP form. Consumed by surveys only; it may carry
  the exact age (it is intake, not publication) and is never re-published as is.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from asn_platform import topics
from asn_platform.contracts.base import (
    Answers,
    EntityId,
    Event,
    Moment,
    PeriodKey,
    ShortText,
    UnitId,
)
from asn_platform.vocabulary import (
    RESPONDENT_MAX_AGE,
    RESPONDENT_MIN_AGE,
    AgeBand,
    Bidang,
    Education,
    ElementCode,
    Mutu,
    Occupation,
    Sex,
)

_ANSWERS: dict[str, JsonValue] = {
    "U1": 3,
    "U2": 3,
    "U3": 2,
    "U4": 4,
    "U5": 3,
    "U6": 3,
    "U7": 2,
    "U8": 3,
    "U9": 3,
}


class IntakeChannel(StrEnum):
    """How a response reached the platform."""

    WEB = "web"  # the public mobile form (link or QR code)
    API = "api"  # the HTTP API used by partner systems
    KAFKA = "kafka"  # the intake topic (kiosks, partner systems)


class RespondentProfile(BaseModel):
    """Who answered, coarsened for publication: no name, no exact age (PDP, UU 27/2022)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sex: Sex = Field(description="Jenis kelamin: L (laki-laki) or P (perempuan).")
    age_band: AgeBand = Field(description="Age band, never the exact age.")
    education: Education = Field(description="Pendidikan terakhir.")
    occupation: Occupation = Field(description="Pekerjaan utama.")


class SurveySubmitted(Event):
    """One SKM response accepted by the surveys service."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "response_id": "5f0c9a4e-8b7d-4a53-9d3f-0c1e2b3a4d5f",
                    "unit_id": "disdukcapil",
                    "bidang": "administrasi_kependudukan",
                    "service": "KTP-el",
                    "answers": _ANSWERS,
                    "respondent": {
                        "sex": "P",
                        "age_band": "30-39",
                        "education": "S1",
                        "occupation": "Swasta",
                    },
                    "submitted_at": "2026-08-14T10:21:07+07:00",
                    "channel": "web",
                }
            ]
        }
    )
    event_type: ClassVar[str] = topics.SURVEY_SUBMITTED
    topic: ClassVar[str] = topics.SURVEY_SUBMITTED

    response_id: EntityId = Field(description="Id of the response, unique per unit.")
    unit_id: UnitId = Field(description="The service unit the respondent judged.")
    bidang: Bidang = Field(description="Field of the unit.")
    service: ShortText = Field(description="The service received, e.g. 'KTP-el'.")
    answers: Answers
    respondent: RespondentProfile = Field(description="Who answered, coarsened.")
    submitted_at: Moment = Field(description="When the respondent submitted the form.")
    channel: IntakeChannel = Field(description="How the response arrived.")

    def partition_key(self) -> str:
        return self.unit_id

    def subject(self) -> str:
        return f"units/{self.unit_id}/responses/{self.response_id}"


class GapStatus(StrEnum):
    OPENED = "opened"  # the element fell below the threshold
    RECOVERED = "recovered"  # it came back to or above the threshold


class GapTrend(StrEnum):
    """Direction of the element's converted score against the previous period."""

    WORSENING = "worsening"
    STABLE = "stable"
    IMPROVING = "improving"
    FIRST = "first"  # no previous period to compare with


class ServiceGapDetected(Event):
    """A unit's SKM element crossed the gap threshold in a period."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "opened",
                    "unit_id": "disdukcapil",
                    "unit_name": "Dinas Kependudukan dan Pencatatan Sipil",
                    "bidang": "administrasi_kependudukan",
                    "element": "U7",
                    "element_name": "Perilaku Pelaksana",
                    "score_nrr": 2.41,
                    "score_converted": 60.25,
                    "mutu": "D",
                    "sample_size": 372,
                    "required_sample": 370,
                    "period": "2026-Q3",
                    "period_label": "Triwulan III 2026",
                    "trend": "worsening",
                    "previous_score_converted": 68.5,
                    "threshold": 76.61,
                    "detected_at": "2026-09-30T17:00:00+07:00",
                }
            ]
        }
    )
    event_type: ClassVar[str] = topics.SERVICE_GAP_DETECTED
    topic: ClassVar[str] = topics.SERVICE_GAP_DETECTED

    status: GapStatus = Field(description="opened: below the threshold; recovered: back above.")
    unit_id: UnitId
    unit_name: ShortText = Field(description="Name of the unit, for display.")
    bidang: Bidang = Field(description="Field of the unit.")
    element: ElementCode = Field(description="The SKM element (unsur) concerned.")
    element_name: ShortText = Field(description="Indonesian name of the element.")
    score_nrr: float = Field(ge=1, le=4, description="NRR: mean answer of the element (1-4).")
    score_converted: float = Field(
        ge=25, le=100, description="The element's NRR x 25 (25-100), unrounded."
    )
    mutu: Mutu = Field(description="Quality band of score_converted (Permenpan RB 14/2017).")
    sample_size: int = Field(ge=0, description="Responses in the period for this unit.")
    required_sample: int = Field(
        ge=0,
        description=(
            "Krejcie-Morgan sample for the people served; below it the index is provisional "
            "and no programme is scheduled from it alone."
        ),
    )
    period: PeriodKey
    period_label: ShortText = Field(
        description="Indonesian label of the period.", examples=["Triwulan III 2026"]
    )
    trend: GapTrend = Field(description="Direction against the previous period.")
    previous_score_converted: float | None = Field(
        default=None, ge=25, le=100, description="The same element's score in the previous period."
    )
    threshold: float = Field(ge=25, le=100, description="Converted score under which a gap opens.")
    detected_at: Moment

    @property
    def provisional(self) -> bool:
        return self.sample_size < self.required_sample

    def partition_key(self) -> str:
        return self.unit_id

    def subject(self) -> str:
        return f"units/{self.unit_id}/elements/{self.element.value}/periods/{self.period}"


class IntakeRespondent(BaseModel):
    """Respondent as entered on the form; the exact age is coarsened before publication."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sex: Sex = Field(description="Jenis kelamin: L or P.")
    age: int = Field(
        ge=RESPONDENT_MIN_AGE,
        le=RESPONDENT_MAX_AGE,
        description="Age in years (intake only, never published).",
    )
    education: Education = Field(description="Pendidikan terakhir.")
    occupation: Occupation = Field(description="Pekerjaan utama.")


class ResponseIntake(Event):
    """An SKM response sent by a kiosk or partner system on the intake topic."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "unit_id": "puskesmas-pamulang",
                    "service": "Poli Umum",
                    "answers": _ANSWERS,
                    "respondent": {"sex": "L", "age": 42, "education": "SMA", "occupation": "PNS"},
                    "submitted_at": "2026-08-14T09:05:00+07:00",
                    "client_ref": "kiosk-pml-01:000481",
                }
            ]
        }
    )
    event_type: ClassVar[str] = topics.RESPONSE_INTAKE
    topic: ClassVar[str] = topics.RESPONSE_INTAKE
    personal_data: ClassVar[bool] = True

    unit_id: UnitId
    service: ShortText = Field(description="The service received, e.g. 'KTP-el'.")
    answers: Answers
    respondent: IntakeRespondent = Field(description="Who answered, as entered.")
    submitted_at: Moment = Field(description="When the respondent answered.")
    client_ref: Annotated[str, Field(min_length=1, max_length=100)] = Field(
        description=(
            "The sender's own reference for this response; the same reference from the same "
            "source is accepted once."
        )
    )

    def partition_key(self) -> str:
        return self.unit_id

    def subject(self) -> str:
        return f"units/{self.unit_id}"
