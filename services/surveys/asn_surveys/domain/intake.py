"""Rules of accepting one SKM response, whichever way it came (web form, HTTP API, Kafka):
which unit may take it, when a resend counts once, and the gap policy it is judged by."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from asn_platform.periods import PeriodKind
from asn_surveys.domain.ikm import ELEMENT_CODES
from asn_surveys.domain.response import SurveyResponseIn
from asn_surveys.domain.units import Unit


class IntakeRefused(Exception):
    """The response cannot be accepted; `problems` name each field (nothing was stored)."""

    def __init__(self, status: int, code: str, problems: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{p['field']}: {p['problem']}" for p in problems))
        self.status = status
        self.code = code
        self.problems = problems


@dataclass(frozen=True, slots=True)
class GapPolicy:
    kind: PeriodKind
    threshold: Decimal
    recovery_threshold: Decimal | None = None


def unit_problems(unit: Unit | None, response: SurveyResponseIn) -> list[dict[str, str]]:
    """Why `unit` cannot take `response` (unknown, inactive, service not offered); [] if it can."""
    if unit is None:
        return [
            {
                "field": "unit_id",
                "problem": f"unit layanan {response.unit_id!r} tidak dikenal "
                f"(unknown service unit {response.unit_id!r})",
            }
        ]
    if not unit.active:
        return [
            {
                "field": "unit_id",
                "problem": f"unit layanan {unit.unit_id!r} tidak aktif menerima survei "
                f"(unit {unit.unit_id!r} is not accepting surveys)",
            }
        ]
    if not unit.offers(response.service):
        offered = ", ".join(unit.services)
        return [
            {
                "field": "service",
                "problem": f"layanan {response.service!r} tidak ada di unit ini; pilih salah satu: "
                f"{offered} (service not offered by this unit)",
            }
        ]
    return []


def is_same_response(stored: Mapping[str, Any], response: SurveyResponseIn) -> bool:
    """Is the stored response (a row of `responses`) the same answers as `response`?"""
    answers = response.answers_by_code
    r = response.respondent
    return bool(
        stored["service"] == response.service
        and all(stored[code.value.lower()] == answers[code] for code in ELEMENT_CODES)
        and (stored["sex"], stored["education"], stored["occupation"])
        == (r.sex.value, r.education.value, r.occupation.value)
        # an anonymised response keeps only the age band (retention)
        and (
            stored["age"] == r.age
            if stored["age"] is not None
            else stored["age_band"] == r.age_band
        )
    )


def client_ref_conflict(response: SurveyResponseIn) -> IntakeRefused:
    """A client_ref reused for other answers: refused rather than silently dropped."""
    return IntakeRefused(
        409,
        "client_ref_conflict",
        [
            {
                "field": "client_ref",
                "problem": f"client_ref {response.client_ref!r} sudah dipakai untuk jawaban "
                "lain di unit ini; gunakan kode baru (client_ref already used for a "
                "different response of this unit; use a new one)",
            }
        ],
    )
