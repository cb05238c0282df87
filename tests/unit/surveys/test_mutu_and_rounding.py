from decimal import Decimal
from fractions import Fraction

import pytest

from asn_platform.skm import mutu_label, mutu_of, round_half_up, to_fraction
from asn_platform.vocabulary import Mutu


@pytest.mark.parametrize(
    ("converted", "expected"),
    [
        ("100", Mutu.A),
        ("100.00", Mutu.A),
        ("88.31", Mutu.A),
        ("88.30", Mutu.B),
        ("76.61", Mutu.B),
        ("76.60", Mutu.C),
        ("65.00", Mutu.C),
        ("64.99", Mutu.D),
        ("25.00", Mutu.D),
    ],
)
def test_band_edges_are_inclusive_as_written(converted: str, expected: Mutu) -> None:
    assert mutu_of(Decimal(converted)) is expected


@pytest.mark.parametrize(
    ("converted", "expected"),
    [
        ("88.305", Mutu.A),  # shows as 88.31
        ("88.3049", Mutu.B),  # shows as 88.30
        ("76.605", Mutu.B),
        ("76.6049", Mutu.C),
        ("64.995", Mutu.C),
        ("64.9949", Mutu.D),
        ("100.004", Mutu.A),
        ("24.995", Mutu.D),  # shows as 25.00
    ],
)
def test_classified_on_value_rounded_half_up_to_two_decimals(
    converted: str, expected: Mutu
) -> None:
    assert mutu_of(Fraction(converted)) is expected


def test_float_input_is_read_as_typed_not_as_binary() -> None:
    # float 88.305 is 88.30499999... in binary; a person typing 88.305 means 88.305.
    assert mutu_of(88.305) is Mutu.A


@pytest.mark.parametrize("converted", ["24.99", "100.01", "0", "-5"])
def test_out_of_range_is_an_error(converted: str) -> None:
    with pytest.raises(ValueError, match=r"25\.00-100\.00"):
        mutu_of(Decimal(converted))


def test_labels() -> None:
    assert mutu_label(Mutu.A) == "Sangat Baik"
    assert mutu_label(Mutu.D, "en") == "Very poor"


def test_round_half_up_keeps_trailing_zeros_and_goes_away_from_zero() -> None:
    assert str(round_half_up(100)) == "100.00"
    assert round_half_up(Fraction(700, 9)) == Decimal("77.78")
    assert round_half_up(Fraction("2.0005"), 3) == Decimal("2.001")
    assert round_half_up(Fraction("-1.005")) == Decimal("-1.01")


@pytest.mark.parametrize("bad", [True, float("nan"), "abc", "1/0", Decimal("Infinity")])
def test_to_fraction_refuses_non_numbers(bad: object) -> None:
    with pytest.raises(ValueError):
        to_fraction(bad)  # type: ignore[arg-type]
