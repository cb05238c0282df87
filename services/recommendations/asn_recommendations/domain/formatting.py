"""Number display for people: Indonesian uses a decimal comma and a thousands dot.

Values are rounded only here, for display, half away from zero (2.405 -> "2,41"), never
earlier in the maths (see docs/domain.md: round only for display).
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from asn_platform.periods import MONTHS_EN, MONTHS_ID

# Scores arrive exact from the surveys service (Fraction or Decimal) or as floats from JSON.
Number = float | Decimal | Fraction


def to_decimal(value: Number) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, Fraction):
        with localcontext() as ctx:
            ctx.prec = 40
            return Decimal(value.numerator) / Decimal(value.denominator)
    # str() first so that 2.405 rounds as written, not as its binary approximation.
    return Decimal(str(value))


def _rounded(value: Number, places: int) -> Decimal:
    q = to_decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return q.copy_abs() if q == 0 else q  # never show "-0,00"


def format_id(value: Number, places: int = 2) -> str:
    """2.41 -> "2,41"; 1234.5 -> "1.234,50" (Indonesian)."""
    text = f"{_rounded(value, places):,.{places}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def format_en(value: Number, places: int = 2) -> str:
    """2.41 -> "2.41"; 1234.5 -> "1,234.50" (English)."""
    return f"{_rounded(value, places):,.{places}f}"


def format_count_id(value: int) -> str:
    """1234 -> "1.234"."""
    return f"{value:,}".replace(",", ".")


def format_count_en(value: int) -> str:
    return f"{value:,}"


def format_jp(value: float, lang: str = "id") -> str:
    """JP are usually whole (8 -> "8"); converted non-classical learning may be fractional."""
    if float(value).is_integer():
        count = int(value)
        return format_count_en(count) if lang == "en" else format_count_id(count)
    text = format_en(value, 1) if lang == "en" else format_id(value, 1)
    return text


def format_date_id(day: date) -> str:
    """2026-10-05 -> "5 Oktober 2026"."""
    return f"{day.day} {MONTHS_ID[day.month - 1]} {day.year}"


def format_date_en(day: date) -> str:
    """2026-10-05 -> "5 October 2026"."""
    return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"


def format_signed_id(value: Number, places: int = 2) -> str:
    """+0,44 / -0,44 / 0,00: a change shown with its sign."""
    text = format_id(value, places)
    return text if text.startswith("-") or _rounded(value, places) == 0 else f"+{text}"


def format_signed_en(value: Number, places: int = 2) -> str:
    text = format_en(value, places)
    return text if text.startswith("-") or _rounded(value, places) == 0 else f"+{text}"
