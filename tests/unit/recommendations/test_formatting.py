from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from asn_recommendations.domain.formatting import (
    format_count_id,
    format_date_en,
    format_date_id,
    format_en,
    format_id,
    format_jp,
    format_signed_id,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2.41, "2,41"),
        (2.405, "2,41"),  # half up, as written, not as the float approximates it
        (60.25, "60,25"),
        (1234.5, "1.234,50"),
        (Fraction(241, 100), "2,41"),
        (Fraction(1, 3), "0,33"),
        (Decimal("88.305"), "88,31"),
        (-0.001, "0,00"),  # never "-0,00"
    ],
)
def test_decimal_comma(value: float, expected: str) -> None:
    assert format_id(value) == expected


def test_english_and_counts_and_dates() -> None:
    assert format_en(1234.5) == "1,234.50"
    assert format_count_id(12000) == "12.000"
    assert format_date_id(date(2026, 10, 5)) == "5 Oktober 2026"
    assert format_date_en(date(2026, 10, 5)) == "5 October 2026"
    assert format_jp(8) == "8"
    assert format_jp(8.5) == "8,5"
    assert format_signed_id(0.44) == "+0,44"
    assert format_signed_id(-0.44) == "-0,44"
    assert format_signed_id(0.0) == "0,00"
