"""The request/reply answer: a person's recommendations for enrollment (or a refusal), typed
by asn_platform.contracts.rpc."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from asn_platform.contracts.rpc import (
    PersonRecommendations,
    RecommendationsAnswer,
    RecommendationsQuestion,
    RecommendationsRefusal,
)
from asn_platform.uow import UnitsOfWork
from asn_recommendations.handlers.deps import Deps
from asn_recommendations.handlers.reads import person_view

INVALID_NIP = RecommendationsRefusal(
    error="invalid_nip", message="NIP harus 18 digit angka.", message_en="A NIP is 18 digits."
)


def read_question(payload: dict[str, Any]) -> RecommendationsQuestion | None:
    """The question, or None for a malformed NIP; an unknown language falls back to Indonesian."""
    lang = payload.get("lang")
    try:
        return RecommendationsQuestion(
            nip=payload.get("nip"),  # type: ignore[arg-type]
            lang=lang if lang in ("id", "en") else "id",
        )
    except ValidationError:
        return None


async def answer_recommendations_question(
    units: UnitsOfWork, deps: Deps, payload: dict[str, Any]
) -> RecommendationsAnswer:
    question = read_question(payload)
    if question is None:
        return INVALID_NIP
    view = await person_view(units, deps, question.nip, question.lang)
    if view is None:
        return RecommendationsRefusal(
            nip=question.nip,
            error="unknown_nip",
            message="NIP tidak dikenal oleh layanan rekomendasi.",
            message_en="NIP not known to the recommendations service.",
        )
    return PersonRecommendations.model_validate(view)
