from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asn_platform.periods import Period
from asn_platform.skm import mutu_of
from asn_platform.vocabulary import Bidang, ElementCode, Mutu
from asn_surveys.domain.gaps import (
    GapOpened,
    GapRecovered,
    Trend,
    decide_gap,
    gap_open_after,
    trend_of,
)

Q1 = Period.parse("2026-Q1")


def decide(**overrides: Any) -> GapOpened | GapRecovered | None:
    args: dict[str, Any] = {
        "unit_id": "disdukcapil",
        "bidang": Bidang.ADMINISTRASI_KEPENDUDUKAN,
        "element": ElementCode.U7,
        "period": Q1,
        "score": Fraction(1750, 27),  # 64.8148... -> 64.81, mutu D
        "sample_size": 400,
        "required_sample": 380,
        "gap_open": False,
        "previous_score": None,
    }
    args.update(overrides)
    return decide_gap(**args)


def test_opens_on_adequate_sample_below_threshold() -> None:
    decision = decide(previous_score=Decimal("70"))
    assert isinstance(decision, GapOpened)
    assert decision.unit_id == "disdukcapil"
    assert decision.bidang is Bidang.ADMINISTRASI_KEPENDUDUKAN
    assert decision.element is ElementCode.U7
    assert decision.period_key == "2026-Q1"
    assert decision.score == Fraction(1750, 27)  # exact, not rounded
    assert decision.score_display == Decimal("64.81")
    assert decision.mutu is Mutu.D
    assert (decision.sample_size, decision.required_sample) == (400, 380)
    assert decision.trend is Trend.MEMBURUK
    assert decision.threshold == Decimal("76.61")


def test_provisional_sample_never_opens_or_closes() -> None:
    assert decide(sample_size=379) is None
    assert decide(sample_size=10, score=100, gap_open=True) is None


def test_recovers_at_threshold_on_adequate_sample() -> None:
    decision = decide(gap_open=True, score=Decimal("76.61"), previous_score=Decimal("64.81"))
    assert isinstance(decision, GapRecovered)
    assert decision.mutu is Mutu.B
    assert decision.trend is Trend.MEMBAIK


def test_no_change_cases() -> None:
    assert decide(gap_open=True, score=Decimal("76.60")) is None  # still a gap
    assert decide(gap_open=False, score=Decimal("76.61")) is None  # still fine


def test_threshold_is_judged_on_the_two_decimal_value_like_mutu() -> None:
    assert decide(score=Fraction("76.605")) is None  # shows 76.61, mutu B: no gap
    opened = decide(score=Fraction("76.6049"))
    assert isinstance(opened, GapOpened)
    assert opened.mutu is Mutu.C


def test_idempotent_after_applying_the_decision() -> None:
    state = False
    first = decide(gap_open=state)
    state = gap_open_after(state, first)
    assert state is True
    assert decide(gap_open=state) is None
    assert gap_open_after(state, None) is True
    recovered = decide(gap_open=state, score=90)
    state = gap_open_after(state, recovered)
    assert state is False
    assert decide(gap_open=state, score=90) is None


def test_stricter_recovery_threshold() -> None:
    assert decide(gap_open=True, score=Decimal("77"), recovery_threshold="78") is None
    recovered = decide(gap_open=True, score=Decimal("78"), recovery_threshold="78")
    assert isinstance(recovered, GapRecovered)
    assert recovered.threshold == Decimal("78.00")
    with pytest.raises(ValueError):
        decide(recovery_threshold="70")


def test_custom_threshold() -> None:
    assert isinstance(decide(score=Decimal("80"), threshold=Decimal("88.31")), GapOpened)


@pytest.mark.parametrize(
    ("score", "previous", "trend"),
    [
        ("70", None, Trend.BARU),
        ("70", "69", Trend.TETAP),
        ("70", "71", Trend.TETAP),
        ("70", "70.5", Trend.TETAP),
        ("70", "71.01", Trend.MEMBURUK),
        ("72.5", "70", Trend.MEMBAIK),
    ],
)
def test_trend(score: str, previous: str | None, trend: Trend) -> None:
    assert trend_of(Decimal(score), None if previous is None else Decimal(previous)) is trend


def test_bad_inputs() -> None:
    with pytest.raises(ValueError):
        decide(score=Decimal("20"))
    with pytest.raises(ValueError):
        decide(sample_size=-1)


@given(
    score=st.fractions(min_value=25, max_value=100),
    sample=st.integers(0, 500),
    required=st.integers(0, 400),
    gap_open=st.booleans(),
)
def test_property_deciding_twice_changes_nothing(
    score: Fraction, sample: int, required: int, gap_open: bool
) -> None:
    first = decide(score=score, sample_size=sample, required_sample=required, gap_open=gap_open)
    if sample < required:
        assert first is None
    state = gap_open_after(gap_open, first)
    again = decide(score=score, sample_size=sample, required_sample=required, gap_open=state)
    assert again is None
    # On an adequate sample the stored state always ends up agreeing with the mutu.
    if sample >= required:
        assert state == (mutu_of(score) in {Mutu.C, Mutu.D})
