from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from asn_platform.timezone import JAKARTA
from asn_platform.vocabulary import AgeBand, ElementCode
from asn_surveys.domain.response import SurveyResponseIn, validation_problems
from tests.unit.surveys.builders import AT, payload, response


def problems_of(data: dict[str, Any], now: datetime = AT) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        SurveyResponseIn.model_validate(data, context={"now": now})
    return {p["field"]: p["problem"] for p in validation_problems(caught.value)}


def test_valid_response_is_stored_by_code() -> None:
    r = response()
    assert r.answers_by_code[ElementCode.U8] == 2
    assert r.answers_by_code[ElementCode.U9] == 3
    assert r.respondent.age_band is AgeBand.A30_39
    assert r.submitted_at == AT


def test_order_of_keys_does_not_matter() -> None:
    # The model questionnaire asks U9 (sarana) before U8 (pengaduan).
    data = payload()
    data["answers"] = {"U9": 1, "U8": 4, **{f"U{i}": 3 for i in range(1, 8)}}
    r = SurveyResponseIn.model_validate(data, context={"now": AT})
    assert (r.answers.U8, r.answers.U9) == (4, 1)


def test_each_missing_unknown_and_out_of_range_element_is_named() -> None:
    data = payload()
    data["answers"] = {"U1": 5, "U2": 0, "U3": True, "U4": "x", "U5": 3, "U6": 3, "U7": 3, "U10": 2}
    found = problems_of(data)
    assert set(found) == {
        "answers.U1",
        "answers.U2",
        "answers.U3",
        "answers.U4",
        "answers.U8",
        "answers.U9",
        "answers.U10",
    }
    assert "maksimal 4" in found["answers.U1"]
    assert "minimal 1" in found["answers.U2"]
    assert "wajib" in found["answers.U8"]
    assert "U1-U9" in found["answers.U10"]


def test_a_list_of_answers_is_refused() -> None:
    found = problems_of(payload(answers=[4] * 9) | {"answers": [4] * 9})
    assert "answers" in found


def test_respondent_fields_are_named() -> None:
    data = payload(respondent={"sex": "X", "age": 14, "education": "SMK", "occupation": "Petani"})
    found = problems_of(data)
    assert set(found) == {
        "respondent.sex",
        "respondent.age",
        "respondent.education",
        "respondent.occupation",
    }
    assert "'L' atau 'P'" in found["respondent.sex"]


def test_age_bounds() -> None:
    assert response(respondent={"sex": "L", "age": 15, "education": "SMA", "occupation": "Lainnya"})
    assert response(respondent={"sex": "L", "age": 100, "education": "SD", "occupation": "PNS"})
    assert "respondent.age" in problems_of(
        payload(respondent={"sex": "L", "age": 101, "education": "SD", "occupation": "PNS"})
    )


def test_naive_time_is_refused() -> None:
    found = problems_of(payload(submitted_at="2026-03-14T09:30:00"))
    assert "zona waktu" in found["submitted_at"]


def test_future_time_beyond_five_minutes_is_refused() -> None:
    edge = (AT + timedelta(minutes=5)).isoformat()
    assert SurveyResponseIn.model_validate(payload(submitted_at=edge), context={"now": AT})
    late = (AT + timedelta(minutes=5, seconds=1)).isoformat()
    assert "5 menit" in problems_of(payload(submitted_at=late))["submitted_at"]


def test_time_is_kept_as_the_same_instant_in_jakarta() -> None:
    utc = datetime(2026, 3, 14, 2, 30, tzinfo=UTC)
    r = response(submitted_at=utc.isoformat())
    assert r.submitted_at == utc
    assert r.submitted_at.tzinfo == JAKARTA
    assert r.submitted_at.hour == 9


def test_default_time_is_the_given_now_in_jakarta() -> None:
    data = payload()
    del data["submitted_at"]
    now = datetime(2026, 3, 14, 2, 30, tzinfo=UTC)
    r = SurveyResponseIn.model_validate(data, context={"now": now})
    assert r.submitted_at == now
    assert r.submitted_at.tzinfo == JAKARTA


def test_an_explicit_null_time_is_refused_not_defaulted() -> None:
    assert "submitted_at" in problems_of(payload(submitted_at=None))


def test_validating_without_the_time_is_a_programming_error() -> None:
    # The domain reads no clock: the caller passes now; a TypeError is no 422 for a client.
    data = payload()
    del data["submitted_at"]
    for sample in (data, payload()):
        with pytest.raises(TypeError, match="now"):
            SurveyResponseIn.model_validate(sample)


def test_text_limits() -> None:
    found = problems_of(payload(service="  ", client_ref="k" * 101, comment="x" * 1001, unit_id=""))
    assert set(found) == {"service", "client_ref", "comment", "unit_id"}
    assert "200" not in found["service"]  # blank, not too long
    assert "1000" in found["comment"]
    assert response(service="s" * 200, client_ref="k" * 100, comment="x" * 1000)


def test_blank_comment_becomes_none() -> None:
    assert response(comment="   ").comment is None


def test_unknown_top_level_fields_are_refused() -> None:
    # e.g. a kiosk sending a name: personal data we must not take in.
    assert "nama" in problems_of(payload(nama="Budi"))


def test_problems_from_fastapi_style_error_list() -> None:
    errors = [{"type": "missing", "loc": ("body", "answers", "U3"), "msg": "Field required"}]
    assert validation_problems(errors) == [
        {"field": "answers.U3", "problem": "jawaban unsur ini wajib diisi (1-4) (Field required)"}
    ]


def test_schema_documents_every_field() -> None:
    schema = SurveyResponseIn.model_json_schema()
    for name, prop in schema["properties"].items():
        assert prop.get("description"), name
        assert prop.get("examples"), name
    for section in ("Answers", "Respondent"):
        for name, prop in schema["$defs"][section]["properties"].items():
            assert prop.get("description"), name
            assert prop.get("examples"), name
    assert schema["$defs"]["Answers"]["required"] == [f"U{i}" for i in range(1, 10)]
    assert schema["$defs"]["Answers"]["additionalProperties"] is False
