"""Number display for people: Indonesian uses a decimal comma and a thousands dot.

Values are rounded only here, for display, half away from zero (2.405 -> "2,41"), never
earlier in the maths (see DOMAIN.md: round only for display).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def _rounded(value: float, places: int) -> Decimal:
    # str() first so that 2.405 rounds as written, not as its binary approximation.
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def format_id(value: float, places: int = 2) -> str:
    """2.41 -> "2,41"; 1234.5 -> "1.234,50" (Indonesian)."""
    text = f"{_rounded(value, places):,.{places}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def format_en(value: float, places: int = 2) -> str:
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
