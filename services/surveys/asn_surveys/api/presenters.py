"""Units and IKM figures as JSON: exact maths from the domain, rounded only here for display.

Numbers are JSON numbers rounded as the regulation writes them (NRR 3 decimals, converted
2 decimals); the exact converted IKM is also given as a fraction string for auditors.
"""

from __future__ import annotations

from typing import Any

from asn_platform.periods import Period
from asn_platform.skm import mutu_label, round_half_up
from asn_platform.vocabulary import BIDANG_LABELS, ELEMENTS
from asn_surveys.domain.aggregate import SurveyAggregate
from asn_surveys.domain.ikm import IkmResult, Weights, WeightsError
from asn_surveys.domain.sample import required_sample
from asn_surveys.domain.units import Unit


def unit_json(unit: Unit, lang: str = "id") -> dict[str, Any]:
    label_id, label_en = BIDANG_LABELS[unit.bidang]
    return {
        "unit_id": unit.unit_id,
        "name": unit.name,
        "bidang": unit.bidang.value,
        "bidang_label": label_en if lang == "en" else label_id,
        "district": unit.district,
        "served_per_month": unit.served_per_month,
        "services": list(unit.services),
        "weights": weights_json(unit.effective_weights),
        "custom_weights": unit.weights is not None,
        "active": unit.active,
    }


def weights_json(weights: Weights) -> dict[str, dict[str, Any]]:
    """Each weight exact ("1/9") and as a 4-decimal number for display."""
    return {
        code.value: {"exact": str(w), "value": float(round_half_up(w, 4))}
        for code, w in weights.items()
    }


def weights_problems(err: WeightsError) -> list[dict[str, str]]:
    return [
        {"field": "weights" if where == "total" else f"weights.{where}", "problem": what}
        for where, what in err.problems
    ]


def period_json(period: Period, lang: str = "id") -> dict[str, str]:
    return {"key": period.key, "label": period.label(lang)}


def sample_json(n: int, population: int) -> dict[str, Any]:
    needed = required_sample(population)
    return {
        "n": n,
        "population": population,
        "required_sample": needed,
        "provisional": n < needed,
    }


def ikm_json(
    aggregate: SurveyAggregate, weights: Weights | None, population: int, lang: str = "id"
) -> dict[str, Any]:
    """Sample, index, mutu, per-element scores and the respondent breakdown of one bucket."""
    body: dict[str, Any] = sample_json(aggregate.n, population)
    if aggregate.n == 0:
        body.update(
            {
                "ikm": None,
                "ikm_converted": None,
                "ikm_converted_exact": None,
                "mutu": None,
                "mutu_label": None,
                "elements": [],
                "respondents": aggregate.profile(),
                "note": "Belum ada responden pada periode ini"
                if lang != "en"
                else "No responses in this period yet",
            }
        )
        return body
    result: IkmResult = aggregate.ikm(weights)
    body.update(
        {
            "ikm": float(result.ikm_display),
            "ikm_converted": float(result.converted_display),
            "ikm_converted_exact": str(result.converted),
            "mutu": result.mutu.value,
            "mutu_label": mutu_label(result.mutu, lang),
            "elements": [
                {
                    "code": s.code.value,
                    "name": ELEMENTS[s.code].name_en if lang == "en" else ELEMENTS[s.code].name_id,
                    "weight": str(s.weight),
                    "answers": s.count,
                    "nrr": float(s.nrr_display),
                    "converted": float(s.converted_display),
                    "mutu": s.mutu.value,
                    "mutu_label": mutu_label(s.mutu, lang),
                    "answer_counts": dict(
                        zip(("1", "2", "3", "4"), aggregate.answer_counts(s.code), strict=True)
                    ),
                }
                for s in result.elements
            ],
            "weakest": [s.code.value for s in result.weakest(3)],
            "respondents": aggregate.profile(),
        }
    )
    return body


def brief_json(aggregate: SurveyAggregate, weights: Weights | None) -> dict[str, Any]:
    """n, converted IKM and mutu only (lists of services or units)."""
    if aggregate.n == 0:
        return {"n": 0, "ikm_converted": None, "mutu": None}
    result = aggregate.ikm(weights)
    return {
        "n": aggregate.n,
        "ikm_converted": float(round_half_up(result.converted, 2)),
        "mutu": result.mutu.value,
    }
