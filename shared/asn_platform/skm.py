"""SKM numbers every service reads the same way (Permenpan RB 14/2017): exact values, the
regulation's half-up display rounding, the x25 conversion and the mutu bands.

Everything stays an exact fraction until shown or classified, because the bands are written to
two decimals and float noise (or a 0.11 weight) moves a result across a band edge. Bands are
inclusive as written and apply to the converted value rounded half-up to two decimals: 88.305
shows as 88.31 and is A; 88.3049 shows as 88.30 and is B. The 2004 bands (Kepmenpan 25/2004)
differ and must not be mixed in.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction

from asn_platform.vocabulary import MUTU_LABELS, Mutu

# Anything a caller may hand us as a number. Floats are read through their shortest decimal
# repr (88.305 means 88.305, not the binary 88.30499999...), which is what a person typed.
NumberLike = Fraction | Decimal | int | float | str

SCALE = 25  # converted = index (1..4) x 25, so the answer scale maps to 25..100
CONVERTED_MIN = Decimal("25.00")
CONVERTED_MAX = Decimal("100.00")
LOWEST_BAIK = Decimal("76.61")  # lowest B: below it an element is mutu C or D

# (mutu, lowest, highest) on the two-decimal converted value, best first.
MUTU_BANDS: tuple[tuple[Mutu, Decimal, Decimal], ...] = (
    (Mutu.A, Decimal("88.31"), Decimal("100.00")),
    (Mutu.B, LOWEST_BAIK, Decimal("88.30")),
    (Mutu.C, Decimal("65.00"), Decimal("76.60")),
    (Mutu.D, Decimal("25.00"), Decimal("64.99")),
)

MAX_NUMBER_TEXT = 60
_BIG_EXPONENT = re.compile(r"[eE]\s*[+-]?0*[0-9]{3,}")


def _from_text(value: str) -> Fraction:
    # A long string or a big exponent ("1e999999999") would take Fraction minutes to build.
    if len(value) > MAX_NUMBER_TEXT or _BIG_EXPONENT.search(value):
        raise ValueError(f"{value[:20]!r}... is not a plain number (use e.g. 0.2 or 1/9)")
    try:
        return Fraction(value.strip())
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{value!r} is not a number (use e.g. 0.2 or 1/9)") from None


def to_fraction(value: NumberLike) -> Fraction:
    """The exact value of a number; ValueError for bools, NaN, infinities and junk strings."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, Decimal | float):
        finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
        if not finite:
            raise ValueError(f"{value!r} is not a finite number")
        return Fraction(value) if isinstance(value, Decimal) else Fraction(repr(value))
    if isinstance(value, str):
        return _from_text(value)
    raise ValueError(f"{value!r} is not a number")


def round_half_up(value: NumberLike, places: int = 2) -> Decimal:
    """Round half away from zero to `places` decimals (88.305 -> 88.31, 88.3049 -> 88.30).

    The result keeps trailing zeros (Decimal("100.00")) so it prints as the regulation writes it.
    """
    exact = to_fraction(value)
    scaled = abs(exact) * 10**places + Fraction(1, 2)
    digits = math.floor(scaled)
    if exact < 0:
        digits = -digits
    return Decimal(digits).scaleb(-places)


def converted(value: NumberLike) -> Fraction:
    """An index or NRR on the 1..4 scale -> the converted score on the 25..100 scale."""
    return to_fraction(value) * SCALE


def converted_mean(answer_sum: int, answer_count: int) -> Fraction:
    """The converted score of answers given as their sum and count (NRR x 25), exact."""
    if answer_count <= 0:
        raise ValueError("a score needs at least one answer")
    return Fraction(answer_sum * SCALE, answer_count)


def mutu_of(score: NumberLike) -> Mutu:
    """Quality band of a converted score (25..100); ValueError outside that range."""
    shown = round_half_up(score, 2)
    for mutu, low, high in MUTU_BANDS:
        if low <= shown <= high:
            return mutu
    # The bands tile 25.00..100.00 at two decimals, so only out-of-range values get here:
    # a bug upstream (answers outside 1..4 or weights not summing to 1), never a citizen's input.
    raise ValueError(
        f"nilai konversi {shown} di luar rentang 25.00-100.00 "
        f"(converted score {shown} is outside 25.00-100.00)"
    )


def mutu_label(mutu: Mutu, lang: str = "id") -> str:
    """Kinerja unit label: 'Sangat Baik' (id) or 'Very good' (en)."""
    label_id, label_en = MUTU_LABELS[mutu]
    return label_en if lang == "en" else label_id
