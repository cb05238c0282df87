"""Exact numbers and display rounding for the SKM maths.

Everything is computed on exact fractions and rounded only when shown or classified, because
Permenpan RB 14/2017 bands are written to two decimals and float noise (or a 0.11 weight) moves
results across a band edge.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction

# Anything a caller may hand us as a number. Floats are read through their shortest decimal
# repr (88.305 means 88.305, not the binary 88.30499999...), which is what a person typed.
NumberLike = Fraction | Decimal | int | float | str


MAX_NUMBER_TEXT = 60
_BIG_EXPONENT = re.compile(r"[eE]\s*[+-]?0*[0-9]{3,}")


def to_fraction(value: NumberLike) -> Fraction:
    """The exact value of a number; ValueError for bools, NaN, infinities and junk strings."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value!r} is not a finite number")
        return Fraction(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a finite number")
        return Fraction(repr(value))
    if isinstance(value, str):
        # A long string or a big exponent ("1e999999999") would take Fraction minutes to build.
        if len(value) > MAX_NUMBER_TEXT or _BIG_EXPONENT.search(value):
            raise ValueError(f"{value[:20]!r}... is not a plain number (use e.g. 0.2 or 1/9)")
        try:
            return Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"{value!r} is not a number (use e.g. 0.2 or 1/9)") from None
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
