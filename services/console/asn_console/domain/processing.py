"""The regulation's processing table (Permenpan RB 14/2017) from the surveys' per-element
answer counts, and the mutu band of a converted score (the platform's one definition)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from asn_platform.skm import mutu_of
from asn_platform.vocabulary import MUTU_LABELS, Mutu

# The bands' colours on the pages and charts.
MUTU_COLOURS = {"A": "#1a7f37", "B": "#0b63c5", "C": "#b35c00", "D": "#c62828"}
THRESHOLD = 76.61  # lowest "Baik": the line drawn on the charts


def mutu_band(score: float | None) -> str | None:
    """'A'..'D' for a converted score (25..100), None when there is none or it is out of range."""
    if score is None:
        return None
    try:
        return str(mutu_of(score))
    except ValueError:
        return None


def mutu_label(mutu: str | None) -> tuple[str, str] | None:
    return MUTU_LABELS.get(Mutu(mutu)) if mutu in MUTU_COLOURS else None


def _row(e: dict[str, Any]) -> tuple[dict[str, Any], Fraction | None]:
    counts = {int(k): int(v) for k, v in (e.get("answer_counts") or {}).items()}
    total = sum(k * v for k, v in counts.items())
    answers = int(e.get("answers") or 0)
    weight = Fraction(str(e.get("weight") or "1/9"))
    nrr = Fraction(total, answers) if answers else None
    weighted = nrr * weight if nrr is not None else None
    row = {
        "code": e["code"],
        "name": e["name"],
        "counts": [counts.get(k, 0) for k in (1, 2, 3, 4)],
        "answers": answers,
        "sum": total,
        "nrr": float(nrr) if nrr is not None else None,
        "weight": str(weight),
        "weighted": float(weighted) if weighted is not None else None,
        "converted": e.get("converted"),
        "mutu": e.get("mutu"),
    }
    return row, weighted


def processing_table(ikm: dict[str, Any]) -> dict[str, Any]:
    """Per element: sum of answer values, NRR = sum / answers, weighted NRR = NRR x weight;
    IKM = sum of weighted NRR; converted x 25."""
    rows = []
    total_weighted = Fraction(0)
    for e in ikm.get("elements", []):
        row, weighted = _row(e)
        rows.append(row)
        if weighted is not None:
            total_weighted += weighted
    return {"rows": rows, "ikm": float(total_weighted), "converted": float(total_weighted * 25)}
