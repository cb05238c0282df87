"""Request/reply contracts: the question a service asks over ``asn_platform.rpc`` and the answer
it gets, as pydantic models (JSON Schema in ``asn_platform/schemas/rpc``).

Today one exchange: enrollment asks recommendations for a person's recommendations on topic
``topics.RPC_RECOMMENDATIONS_REQUEST``::

    question = RecommendationsQuestion(nip="198501012010011001", lang="en")
    reply = await client.request(topics.RPC_RECOMMENDATIONS_REQUEST, question)
    answer = parse_recommendations_answer(reply)   # PersonRecommendations | RecommendationsRefusal

The wire shape is flat: the answer is either the person's recommendations or a refusal with an
``error`` code, never both. Texts come in pairs (``*_id`` Indonesian, ``*_en`` English) and the
one asked for (``lang``) is repeated in ``jp_status``/``reason``; times are Asia/Jakarta,
ISO 8601 with the offset.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from asn_platform import topics
from asn_platform.contracts.base import Nip

Lang = Literal["id", "en"]


class RpcModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RecommendationsQuestion(RpcModel):
    """Which person's recommendations, in which language."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"nip": "198501012010011001", "lang": "id"}]}
    )
    topic: ClassVar[str] = topics.RPC_RECOMMENDATIONS_REQUEST

    nip: Nip
    lang: Lang = Field(default="id", description="Language of the chosen texts.")


class RecommendationReason(RpcModel):
    kind: str = Field(description="What the reason rests on (gap, jp_shortfall, ...).")
    weight: int
    reason_id: str
    reason_en: str
    data: dict[str, Any] = Field(description="The figures the sentence was made from.")


class RecommendedProgramme(RpcModel):
    rank: int = Field(ge=1, description="1 is the strongest.")
    programme_code: str
    title: str
    jp: int
    score: int
    reason: str = Field(description="reason_id or reason_en, as asked.")
    reason_id: str
    reason_en: str
    reasons: list[RecommendationReason]
    evidence: dict[str, Any]


class CompletedProgramme(RpcModel):
    programme_code: str
    completed_on: str | None = Field(description="ISO date.")


_PERSON_EXAMPLE: dict[str, Any] = {
    "nip": "198501012010011001",
    "unit_id": "disdukcapil",
    "active": True,
    "position_type": "pelaksana",
    "year": 2026,
    "jp_this_year": 8.0,
    "jp_minimum": 20,
    "jp_shortfall": 12.0,
    "jp_status": "JP Anda tahun 2026: 8 dari minimal 20 JP.",
    "jp_status_id": "JP Anda tahun 2026: 8 dari minimal 20 JP.",
    "jp_status_en": "Your JP for 2026: 8 of the 20 JP minimum.",
    "completed": [{"programme_code": "INTEGRITAS", "completed_on": "2026-03-12"}],
    "items": [
        {
            "rank": 1,
            "programme_code": "PLP-PRIMA",
            "title": "Pelatihan Pelayanan Prima",
            "jp": 24,
            "score": 130,
            "reason": "Unit Anda lemah pada Perilaku Pelaksana.",
            "reason_id": "Unit Anda lemah pada Perilaku Pelaksana.",
            "reason_en": "Your unit is weak on staff behaviour.",
            "reasons": [
                {
                    "kind": "unit_gap",
                    "weight": 100,
                    "reason_id": "Unit Anda lemah pada Perilaku Pelaksana.",
                    "reason_en": "Your unit is weak on staff behaviour.",
                    "data": {"element": "U7", "score_converted": 60.25},
                }
            ],
            "evidence": {"score": 130},
        }
    ],
    "rules_version": "2026.1",
    "generated_at": "2026-10-01T09:00:00+07:00",
}


class PersonRecommendations(RpcModel):
    """A person's ranked, explained recommendations and the JP balance they rest on."""

    model_config = ConfigDict(json_schema_extra={"examples": [_PERSON_EXAMPLE]})

    nip: str
    unit_id: str
    active: bool
    position_type: str
    year: int
    jp_this_year: float
    jp_minimum: int
    jp_shortfall: float
    jp_status: str
    jp_status_id: str
    jp_status_en: str
    completed: list[CompletedProgramme]
    items: list[RecommendedProgramme]
    rules_version: str
    generated_at: str | None


class RecommendationsRefusal(RpcModel):
    """An expected refusal: a malformed NIP, or one the service has no profile for."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "nip": "198501012010011001",
                    "error": "unknown_nip",
                    "message": "NIP tidak dikenal oleh layanan rekomendasi.",
                    "message_en": "NIP not known to the recommendations service.",
                }
            ]
        }
    )

    error: Literal["invalid_nip", "unknown_nip"]
    message: str
    message_en: str
    nip: str | None = None


RecommendationsAnswer = PersonRecommendations | RecommendationsRefusal

_ANSWER: TypeAdapter[RecommendationsAnswer] = TypeAdapter(RecommendationsAnswer)


def parse_recommendations_answer(reply: dict[str, Any]) -> RecommendationsAnswer:
    """The reply as its model (a refusal when it carries ``error``); ValidationError if it is
    neither."""
    if "error" in reply:
        return RecommendationsRefusal.model_validate(reply)
    return PersonRecommendations.model_validate(reply)


# For the schema export: (file stem, model or adapter).
RPC_SCHEMAS: dict[str, Any] = {
    "recommendations.question": RecommendationsQuestion,
    "recommendations.answer": _ANSWER,
}
