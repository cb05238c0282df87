"""The request/reply contracts (asn_platform.contracts.rpc): committed schemas are current,
examples are valid and round-trip, the answer is told apart by its ``error``."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from asn_platform.contracts.export import SCHEMA_DIR, render, stale_files
from asn_platform.contracts.rpc import (
    RPC_SCHEMAS,
    PersonRecommendations,
    RecommendationsQuestion,
    RecommendationsRefusal,
    parse_recommendations_answer,
)

NIP = "198501012010011001"


def test_committed_rpc_schemas_are_current() -> None:
    files = {rel for rel in render() if rel.startswith("rpc/")}
    assert files == {f"rpc/{name}.schema.json" for name in RPC_SCHEMAS}
    assert not [rel for rel in stale_files() if rel.startswith("rpc/")]
    answer = json.loads((SCHEMA_DIR / "rpc/recommendations.answer.schema.json").read_text())
    assert {d["$ref"].rsplit("/", 1)[-1] for d in answer["anyOf"]} == {
        "PersonRecommendations",
        "RecommendationsRefusal",
    }


@pytest.mark.parametrize("model", [PersonRecommendations, RecommendationsRefusal])
def test_answer_examples_round_trip(model: type[PersonRecommendations]) -> None:
    [example] = model.model_json_schema()["examples"]
    parsed = parse_recommendations_answer(example)
    assert isinstance(parsed, model)
    assert parsed.model_dump(mode="json") == example


def test_question_defaults_to_indonesian_and_checks_the_nip() -> None:
    assert RecommendationsQuestion(nip=NIP).model_dump() == {"nip": NIP, "lang": "id"}
    for bad in ("19850101201001100", "19850101201001100x", "١٩٨٥٠١٠١٢٠١٠٠١١٠٠١"):
        with pytest.raises(ValidationError):
            RecommendationsQuestion(nip=bad)
    with pytest.raises(ValidationError):
        RecommendationsQuestion(nip=NIP, lang="fr")  # type: ignore[arg-type]


def test_an_answer_off_the_contract_is_refused() -> None:
    with pytest.raises(ValidationError):
        parse_recommendations_answer({"nip": NIP, "items": [{"rank": 1}]})
    with pytest.raises(ValidationError):
        parse_recommendations_answer({"error": "other", "message": "x", "message_en": "x"})
    [example] = PersonRecommendations.model_json_schema()["examples"]
    with pytest.raises(ValidationError):
        parse_recommendations_answer({**example, "surprise": 1})
