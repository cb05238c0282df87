"""Test helpers: build valid SurveyResponseIn objects tersely."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from asn_platform.timezone import JAKARTA
from asn_surveys.domain.response import SurveyResponseIn

CODES = ("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9")
AT = datetime(2026, 3, 14, 9, 30, tzinfo=JAKARTA)


def payload(
    answers: Sequence[int] = (4, 3, 3, 4, 3, 4, 4, 2, 3), **overrides: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "unit_id": "disdukcapil",
        "service": "KTP-el",
        "answers": dict(zip(CODES, answers, strict=True)),
        "respondent": {"sex": "P", "age": 34, "education": "S1", "occupation": "Swasta"},
        "submitted_at": AT.isoformat(),
    }
    data.update(overrides)
    return data


def response(
    answers: Sequence[int] = (4, 3, 3, 4, 3, 4, 4, 2, 3), *, now: datetime = AT, **overrides: Any
) -> SurveyResponseIn:
    return SurveyResponseIn.model_validate(payload(answers, **overrides), context={"now": now})
