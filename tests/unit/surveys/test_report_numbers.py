"""The printable report writes numbers with the reader's marks (decimal comma in Indonesian)."""

from decimal import Decimal

from asn_surveys.api.templates import format_number


def test_indonesian_and_english_marks() -> None:
    assert format_number(Decimal("80.56")) == "80,56"
    assert format_number(Decimal("80.56"), en=True) == "80.56"
    assert format_number(50895) == "50.895"
    assert format_number(50895, en=True) == "50,895"
    assert format_number(Decimal("3.222")) == "3,222"
    assert format_number(Decimal("-1.50")) == "-1,50"
    assert format_number(Decimal("76.61")) == "76,61"
    assert format_number("n/a") == "n/a"
