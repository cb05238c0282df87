"""Kirkpatrick level 4: the unit's element score after the training versus before."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from asn_platform.periods import Period
from asn_platform.vocabulary import ElementCode
from asn_recommendations.domain.impact import (
    Direction,
    ElementScore,
    ImpactResult,
    ImpactStatus,
    measure_impact,
    period_last_day,
)


def q(key: str, score: float | Fraction, adequate: bool = True, n: int = 380) -> ElementScore:
    return ElementScore(Period.parse(key), score, n, adequate)


def measure(
    scores: list[ElementScore],
    first: date = date(2026, 10, 15),
    done: date = date(2026, 10, 19),
    **kw: float,
) -> ImpactResult:
    return measure_impact(
        unit_id="disdukcapil",
        unit_name="Disdukcapil",
        element=ElementCode.U7,
        programme_code="PLP-PRIMA",
        first_session_day=first,
        completed_on=done,
        scores=scores,
        **kw,
    )


def test_period_last_day() -> None:
    assert period_last_day(Period.parse("2026-Q3")) == date(2026, 9, 30)
    assert period_last_day(Period.parse("2026-M2")) == date(2026, 2, 28)
    assert period_last_day(Period.parse("2026-S2")) == date(2026, 12, 31)
    assert period_last_day(Period.parse("2026-Y")) == date(2026, 12, 31)


def test_improvement_measured_between_the_right_periods() -> None:
    scores = [
        q("2026-Q2", 58.0),
        q("2026-Q3", 60.25),
        q("2026-Q4", 65.0),  # Q4: during/after?
        q("2027-Q1", 71.25),
        q("2027-Q2", 80.0),
    ]
    result = measure(scores)
    assert result.status is ImpactStatus.MEASURED
    # before: last period ending before 15 Oct 2026 (Q3); after: first starting after 19 Oct
    # (Q4 started before completion, so 2027-Q1).
    assert result.before.period.key == "2026-Q3"
    assert result.after.period.key == "2027-Q1"
    assert result.delta_converted == pytest.approx(11.0)
    assert result.delta_nrr == pytest.approx(0.44)
    assert result.direction is Direction.UP and result.both_adequate
    assert result.summary_id == (
        "Skor unsur Perilaku Pelaksana di Disdukcapil naik dari 2,41 (Triwulan III 2026) "
        "menjadi 2,85 (Triwulan I 2027), selisih +0,44; pada skala 25-100 dari 60,25 menjadi "
        "71,25 (+11,00), sesudah program PLP-PRIMA."
    )
    assert "rose from 2.41 (Q3 2026) to 2.85 (Q1 2027)" in result.summary_en


def test_first_adequate_after_period_is_used_and_inadequate_before_is_flagged() -> None:
    scores = [
        q("2026-Q3", 62.0, adequate=False, n=40),
        q("2027-Q1", 55.0, adequate=False),
        q("2027-Q2", Fraction(241, 4)),
    ]
    result = measure(scores)
    assert result.after.period.key == "2027-Q2"
    assert result.direction is Direction.DOWN
    assert not result.both_adequate
    assert "belum memadai" in result.summary_id


def test_no_change_and_threshold() -> None:
    assert measure([q("2026-Q3", 60.0), q("2027-Q1", 60.0)]).direction is Direction.UNCHANGED
    small = measure([q("2026-Q3", 60.0), q("2027-Q1", 60.5)], min_change=1.0)
    assert small.direction is Direction.UNCHANGED


def test_missing_after_data_is_belum_ada_data() -> None:
    result = measure([q("2026-Q3", 60.25)])
    assert result.status is ImpactStatus.NO_DATA_AFTER
    assert result.direction is None and result.delta_converted is None
    assert result.summary_id.startswith("Belum ada data")
    provisional = measure([q("2026-Q3", 60.25), q("2027-Q1", 70.0, adequate=False, n=12)])
    assert provisional.status is ImpactStatus.NO_DATA_AFTER
    assert "sementara" in provisional.summary_id


def test_missing_before_data() -> None:
    result = measure([q("2027-Q1", 70.0)])
    assert result.status is ImpactStatus.NO_DATA_BEFORE
    assert result.summary_id.startswith("Belum ada data")


def test_bad_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="same kind"):
        measure([q("2026-Q3", 60.0), q("2026-M12", 61.0)])
    with pytest.raises(ValueError, match="precede"):
        measure([], first=date(2026, 10, 15), done=date(2026, 10, 1))


def test_the_gaps_own_period_is_the_before_when_sessions_fall_inside_it() -> None:
    # Gap found in Q4, sessions and completion in Q4 too: Q4 is what the cohort was trained on,
    # and the after is the first adequate period starting after completion.
    scores = [q("2026-Q3", 80.0), q("2026-Q4", 55.36), q("2027-Q1", 70.0)]
    result = measure_impact(
        unit_id="disdukcapil",
        element=ElementCode.U7,
        programme_code="PLP-PRIMA",
        first_session_day=date(2026, 12, 14),
        completed_on=date(2026, 12, 16),
        scores=scores,
        gap_period=Period.parse("2026-Q4"),
    )
    assert result.status is ImpactStatus.MEASURED
    assert result.before is not None and result.before.period.key == "2026-Q4"
    assert result.after is not None and result.after.period.key == "2027-Q1"
    assert result.direction is Direction.UP


def test_without_the_gaps_score_the_last_period_before_the_sessions_is_used() -> None:
    scores = [q("2026-Q3", 60.0), q("2027-Q1", 70.0)]
    result = measure(scores, first=date(2026, 10, 15), done=date(2026, 10, 19))
    assert result.before is not None and result.before.period.key == "2026-Q3"
