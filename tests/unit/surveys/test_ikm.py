from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

import pytest

from asn_platform.skm import NumberLike
from asn_platform.vocabulary import ElementCode, Mutu
from asn_surveys.domain.ikm import (
    DEFAULT_WEIGHTS,
    NoResponsesError,
    WeightsError,
    compute_ikm,
    ikm_from_answers,
    validate_weights,
)

U = ElementCode
# Three respondents, worked by hand:
#          U1 U2 U3 U4 U5 U6 U7 U8 U9
#   R1      4  3  3  4  3  4  4  2  3
#   R2      3  3  2  4  3  3  4  2  3
#   R3      4  2  3  4  4  4  3  1  2
#   sum    11  8  8 12 10 11 11  5  8   (total 84)
# NRR = sum/3; IKM = (84/3)/9 = 28/9 = 3.111...; converted = 700/9 = 77.777... -> 77.78 B.
ROWS = [
    (4, 3, 3, 4, 3, 4, 4, 2, 3),
    (3, 3, 2, 4, 3, 3, 4, 2, 3),
    (4, 2, 3, 4, 4, 4, 3, 1, 2),
]


def answer_sets(rows: Sequence[Sequence[int]]) -> list[dict[ElementCode, int]]:
    return [dict(zip(ElementCode, row, strict=True)) for row in rows]


def test_three_respondent_example_by_hand() -> None:
    result = ikm_from_answers(answer_sets(ROWS))
    assert result.n == 3
    assert [s.nrr for s in result.elements] == [
        Fraction(11, 3),
        Fraction(8, 3),
        Fraction(8, 3),
        Fraction(4),
        Fraction(10, 3),
        Fraction(11, 3),
        Fraction(11, 3),
        Fraction(5, 3),
        Fraction(8, 3),
    ]
    assert result.ikm == Fraction(28, 9)
    assert result.converted == Fraction(700, 9)
    assert result.ikm_display == Decimal("3.111")
    assert result.converted_display == Decimal("77.78")
    assert result.mutu is Mutu.B


def test_per_element_converted_and_mutu() -> None:
    result = ikm_from_answers(answer_sets(ROWS))
    u8 = result.element(U.U8)
    assert u8.converted == Fraction(125, 3)
    assert (u8.nrr_display, u8.converted_display, u8.mutu) == (
        Decimal("1.667"),
        Decimal("41.67"),
        Mutu.D,
    )
    assert (result.element("U1").converted_display, result.element("U1").mutu) == (
        Decimal("91.67"),
        Mutu.A,
    )
    assert (result.element(U.U2).converted_display, result.element(U.U2).mutu) == (
        Decimal("66.67"),
        Mutu.C,
    )
    assert (result.element(U.U4).converted, result.element(U.U4).mutu) == (100, Mutu.A)
    assert (result.element(U.U5).converted_display, result.element(U.U5).mutu) == (
        Decimal("83.33"),
        Mutu.B,
    )


def test_weakest_three_ties_broken_by_code() -> None:
    result = ikm_from_answers(answer_sets(ROWS))
    # U8 (5/3), then U2, U3, U9 tie at 8/3: code order decides.
    assert [s.code for s in result.weakest()] == [U.U8, U.U2, U.U3]


def test_exact_ninths_give_exactly_100_but_0_11_caps_at_99() -> None:
    perfect = answer_sets([(4,) * 9])
    result = ikm_from_answers(perfect)
    assert result.converted == 100
    assert result.converted_display == Decimal("100.00")
    assert sum(DEFAULT_WEIGHTS.values()) == 1
    # The common spreadsheet shortcut: 0.11 per element sums to 0.99, so 4 x 0.99 x 25 = 99.
    capped = sum(Fraction(4) * Fraction("0.11") for _ in ElementCode) * 25
    assert capped == 99
    with pytest.raises(WeightsError, match="exactly 1"):
        ikm_from_answers(perfect, weights={code: "0.11" for code in ElementCode})


def test_valid_custom_weights() -> None:
    weights: dict[str, NumberLike] = {
        "U1": "1/2",
        **{code.value: Fraction(1, 16) for code in list(ElementCode)[1:]},
    }
    result = ikm_from_answers(answer_sets(ROWS), weights=weights)
    # 11/3 x 1/2 + (84/3 - 11/3) x 1/16 = 11/6 + 73/48 = 161/48
    assert result.ikm == Fraction(161, 48)
    assert result.converted_display == Decimal("83.85")
    assert result.element(U.U1).weight == Fraction(1, 2)


def test_weights_accept_decimal_strings_and_floats_read_as_typed() -> None:
    weights: dict[str, NumberLike] = {
        "U1": 0.2,
        "U2": Decimal("0.1"),
        "U3": "0.1",
        **{f"U{i}": "1/10" for i in range(4, 10)},
    }
    assert validate_weights(weights)[U.U1] == Fraction(1, 5)


def test_weights_not_summing_to_one_are_refused_with_the_total() -> None:
    weights = {code.value: Fraction(1, 10) for code in ElementCode}
    with pytest.raises(WeightsError) as caught:
        validate_weights(weights)
    assert caught.value.problems[0][0] == "total"
    assert "9/10" in str(caught.value)


def test_weight_problems_name_each_element() -> None:
    weights: dict[str, NumberLike] = {
        "U1": 0,
        "U2": "-1/9",
        "U3": "abc",
        "U10": "1/9",
        **{f"U{i}": "1/9" for i in range(4, 9)},
    }
    with pytest.raises(WeightsError) as caught:
        validate_weights(weights)
    where = dict(caught.value.problems)
    assert set(where) == {"U1", "U2", "U3", "U10", "U9"}
    assert "positive" in where["U1"]
    assert "positive" in where["U2"]
    assert "not a number" in where["U3"]
    assert "unknown" in where["U10"]
    assert "missing" in where["U9"]


def test_no_responses_is_an_error_not_a_zero() -> None:
    with pytest.raises(NoResponsesError):
        ikm_from_answers([])
    with pytest.raises(NoResponsesError):
        compute_ikm(0, {code: (0, 0) for code in ElementCode})


def test_answers_outside_one_to_four_are_refused() -> None:
    bad = answer_sets([(4, 3, 3, 4, 3, 4, 4, 2, 5)])
    with pytest.raises(ValueError, match="U9"):
        ikm_from_answers(bad)
