"""Kirkpatrick level 4 (results): did the unit's element score move after the training?

Before: the period of the gap that triggered the programme, when its score is known (that is
the evidence the cohort was trained against, and a gap is usually scheduled within the period
it was found in); otherwise the last survey period that ended before the first session. After: the first period that starts after completion and has an adequate
sample, so that provisional numbers never pass for evidence. Missing after-data is reported
as "belum ada data", not as zero change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction

from asn_platform.periods import Period, PeriodKind
from asn_platform.skm import SCALE
from asn_platform.vocabulary import ELEMENTS, ElementCode, Mutu
from asn_recommendations.domain.formatting import (
    Number,
    format_date_en,
    format_date_id,
    format_en,
    format_id,
    format_signed_en,
    format_signed_id,
)


@dataclass(frozen=True, slots=True)
class ElementScore:
    """One period's score for the unit's element, as the surveys service published it."""

    period: Period
    score: Number  # converted, 25-100
    sample_size: int
    adequate: bool  # sample reached the Krejcie-Morgan size
    mutu: Mutu | None = None

    @property
    def nrr(self) -> Number:
        return self.score / SCALE


class ImpactStatus(StrEnum):
    MEASURED = "measured"
    NO_DATA_BEFORE = "no_data_before"
    NO_DATA_AFTER = "no_data_after"  # "belum ada data"


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"
    UNCHANGED = "unchanged"


DIRECTION_LABELS = {
    Direction.UP: ("naik", "rose"),
    Direction.DOWN: ("turun", "fell"),
    Direction.UNCHANGED: ("tetap", "stayed the same"),
}


@dataclass(frozen=True, slots=True)
class ImpactResult:
    unit_id: str
    element: ElementCode
    programme_code: str
    status: ImpactStatus
    before: ElementScore | None
    after: ElementScore | None
    delta_nrr: float | None  # after - before, 1-4 scale
    delta_converted: float | None  # after - before, 25-100 scale
    direction: Direction | None
    both_adequate: bool
    summary_id: str
    summary_en: str


def period_last_day(period: Period) -> date:
    months = {
        PeriodKind.MONTH: 1,
        PeriodKind.QUARTER: 3,
        PeriodKind.SEMESTER: 6,
        PeriodKind.YEAR: 12,
    }[period.kind]
    first = period.first_day
    month0 = first.month - 1 + months
    return date(first.year + month0 // 12, month0 % 12 + 1, 1) - timedelta(days=1)


def measure_impact(
    *,
    unit_id: str,
    element: ElementCode,
    programme_code: str,
    first_session_day: date,
    completed_on: date,
    scores: Sequence[ElementScore],
    unit_name: str = "",
    min_change: float = 0.0,
    gap_period: Period | None = None,
) -> ImpactResult:
    """Compare the element score before and after a programme (see module docstring).

    `scores`: the unit's scores for this element, one kind of period (all quarters, say).
    `min_change`: on the 25-100 scale, the smallest change counted as up or down.
    """
    if completed_on < first_session_day:
        raise ValueError("completion cannot precede the first session")
    if len({s.period.kind for s in scores}) > 1:
        raise ValueError("scores must all use the same kind of period")
    ordered = sorted(scores, key=lambda s: s.period)
    name = unit_name or unit_id
    el_id, el_en = ELEMENTS[element].name_id, ELEMENTS[element].name_en

    before = next((s for s in ordered if s.period == gap_period), None) or next(
        (s for s in reversed(ordered) if period_last_day(s.period) < first_session_day), None
    )
    after = next((s for s in ordered if s.period.first_day > completed_on and s.adequate), None)

    def result(status: ImpactStatus, text_id: str, text_en: str) -> ImpactResult:
        return ImpactResult(
            unit_id,
            element,
            programme_code,
            status,
            before,
            after,
            None,
            None,
            None,
            False,
            text_id,
            text_en,
        )

    if before is None:
        return result(
            ImpactStatus.NO_DATA_BEFORE,
            f"Belum ada data: tidak ada skor unsur {el_id} di {name} sebelum "
            f"{format_date_id(first_session_day)}.",
            f"No data yet: no {el_en} score at {name} before {format_date_en(first_session_day)}.",
        )
    if after is None:
        provisional = any(s.period.first_day > completed_on for s in ordered)
        note_id = " (baru ada hasil sementara dengan sampel belum memadai)" if provisional else ""
        note_en = " (only provisional results with too few respondents)" if provisional else ""
        return result(
            ImpactStatus.NO_DATA_AFTER,
            f"Belum ada data: belum ada survei yang memadai untuk unsur {el_id} di {name} "
            f"sesudah program {programme_code} selesai {format_date_id(completed_on)}{note_id}.",
            f"No data yet: no adequate survey of {el_en} at {name} since programme "
            f"{programme_code} ended on {format_date_en(completed_on)}{note_en}.",
        )

    # Exact arithmetic whatever number type the scores came in; floats only in the result.
    delta_conv = Fraction(after.score) - Fraction(before.score)
    delta_nrr = delta_conv / SCALE
    # Judge on the displayed precision, so float noise never reads as a change.
    shown = float(round(delta_conv, 2))
    if shown > min_change:
        direction = Direction.UP
    elif shown < -min_change:
        direction = Direction.DOWN
    else:
        direction = Direction.UNCHANGED
    both = before.adequate and after.adequate
    word_id, word_en = DIRECTION_LABELS[direction]
    text_id = (
        f"Skor unsur {el_id} di {name} {word_id} dari {format_id(before.nrr)} "
        f"({before.period.label('id')}) menjadi {format_id(after.nrr)} "
        f"({after.period.label('id')}), selisih {format_signed_id(delta_nrr)}; pada skala "
        f"25-100 dari {format_id(before.score)} menjadi {format_id(after.score)} "
        f"({format_signed_id(delta_conv)}), sesudah program {programme_code}."
    )
    text_en = (
        f"The {el_en} score at {name} {word_en} from {format_en(before.nrr)} "
        f"({before.period.label('en')}) to {format_en(after.nrr)} "
        f"({after.period.label('en')}), a change of {format_signed_en(delta_nrr)}; on the "
        f"25-100 scale from {format_en(before.score)} to {format_en(after.score)} "
        f"({format_signed_en(delta_conv)}), after programme {programme_code}."
    )
    if not both:
        text_id += (
            f" Catatan: sampel {before.period.label('id')} belum memadai; baca "
            "hasil ini dengan hati-hati."
        )
        text_en += (
            f" Note: the {before.period.label('en')} sample was too small; read this with care."
        )
    return ImpactResult(
        unit_id,
        element,
        programme_code,
        ImpactStatus.MEASURED,
        before,
        after,
        float(delta_nrr),
        float(delta_conv),
        direction,
        both,
        text_id,
        text_en,
    )
