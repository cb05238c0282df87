"""Sentences that cite the data behind a decision, Indonesian first then English.

Kept in one place so that a schedule's explanation and a personal recommendation quote a gap
in exactly the same words and numbers.
"""

from __future__ import annotations

from asn_platform.vocabulary import MUTU_LABELS
from asn_recommendations.domain.facts import Gap
from asn_recommendations.domain.formatting import (
    format_count_en,
    format_count_id,
    format_en,
    format_id,
)


def gap_evidence_id(gap: Gap) -> str:
    """ "Skor unsur Perilaku Pelaksana di Disdukcapil 2,41 (mutu D) dari 312 responden pada
    Triwulan III 2026, setara 60,25 pada skala 25-100." """
    text = (
        f"Skor unsur {gap.element_name_id} di {gap.display_name} {format_id(gap.nrr)} "
        f"(mutu {gap.mutu.value}) dari {format_count_id(gap.sample_size)} responden pada "
        f"{gap.period.label('id')}, setara {format_id(gap.score)} pada skala 25-100"
    )
    if gap.provisional:
        text += " (sementara: jumlah responden belum memadai)"
    return text + "."


def gap_evidence_en(gap: Gap) -> str:
    label = MUTU_LABELS[gap.mutu][1].lower()
    text = (
        f"The {gap.element_name_en} score at {gap.display_name} is {format_en(gap.nrr)} "
        f"(grade {gap.mutu.value}, {label}) from {format_count_en(gap.sample_size)} respondents "
        f"in {gap.period.label('en')}, i.e. {format_en(gap.score)} on the 25-100 scale"
    )
    if gap.provisional:
        text += " (provisional: too few respondents)"
    return text + "."


def gap_data(gap: Gap) -> dict[str, str | int | float | bool]:
    """The raw numbers a gap sentence was made from, for audit and for clients to re-render."""
    return {
        "unit_id": gap.unit_id,
        "unit_name": gap.display_name,
        "element": gap.element.value,
        "nrr": float(gap.nrr),
        "converted": float(gap.score),
        "mutu": gap.mutu.value,
        "sample_size": gap.sample_size,
        "period": gap.period.key,
        "provisional": gap.provisional,
    }
