"""The SKM numbers both services read: x25 conversion exact, bands tiling 25..100."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from asn_platform.skm import (
    CONVERTED_MAX,
    CONVERTED_MIN,
    LOWEST_BAIK,
    MUTU_BANDS,
    converted,
    converted_mean,
    mutu_of,
)
from asn_platform.vocabulary import Mutu


def test_conversion_is_exact() -> None:
    assert converted(Fraction(29, 9)) == Fraction(725, 9)
    assert converted("3.5") == Fraction(175, 2)
    assert converted_mean(29, 9) == converted(Fraction(29, 9))
    with pytest.raises(ValueError):
        converted_mean(0, 0)


def test_bands_tile_the_scale_at_two_decimals() -> None:
    lows = [low for _, low, _ in MUTU_BANDS]
    highs = [high for _, _, high in MUTU_BANDS]
    assert highs[0] == CONVERTED_MAX and lows[-1] == CONVERTED_MIN
    assert all(low - Decimal("0.01") == high for low, high in zip(lows, highs[1:], strict=False))
    assert mutu_of(LOWEST_BAIK) is Mutu.B
    assert mutu_of(LOWEST_BAIK - Decimal("0.01")) is Mutu.C
    assert mutu_of(converted_mean(2 * 9 + 3, 9)) is Mutu.D  # 58.33
