"""Minimum sample size (Krejcie & Morgan 1970), as Permenpan RB 14/2017 prescribes.

    s = X² N P(1-P) / (d² (N-1) + X² P(1-P)),  X² = 3.841, P = 0.5, d = 0.05

Why not simply ceil(formula): the published table, which the regulation reproduces and which
units check against, is the formula rounded to the *nearest* whole response (N=50 -> 44.34 -> 44,
N=500 -> 217.47 -> 217; ceil would give 45 and 218) with one quirk: N=100,000 is printed as 384
where the formula gives 382.63. So: nearest whole number, never below the published value of the
largest table population not above N. This reproduces every table entry exactly, keeps the
requirement monotone in N, and tops out at 384 (the formula's limit is 384.15).
"""

from __future__ import annotations

import bisect
import math
from fractions import Fraction

from asn_platform.periods import PeriodKind

CHI_SQUARE = Fraction("3.841")  # X², one degree of freedom at 95 % confidence
PROPORTION = Fraction(1, 2)  # P, the most conservative assumption
MARGIN = Fraction(5, 100)  # d, ±5 %

# Krejcie & Morgan (1970), Table 1: population N -> sample S.
KREJCIE_MORGAN_TABLE: dict[int, int] = {
    10: 10, 15: 14, 20: 19, 25: 24, 30: 28, 35: 32, 40: 36, 45: 40, 50: 44, 55: 48,
    60: 52, 65: 56, 70: 59, 75: 63, 80: 66, 85: 70, 90: 73, 95: 76, 100: 80, 110: 86,
    120: 92, 130: 97, 140: 103, 150: 108, 160: 113, 170: 118, 180: 123, 190: 127, 200: 132,
    210: 136, 220: 140, 230: 144, 240: 148, 250: 152, 260: 155, 270: 159, 280: 162, 290: 165,
    300: 169, 320: 175, 340: 181, 360: 186, 380: 191, 400: 196, 420: 201, 440: 205, 460: 210,
    480: 214, 500: 217, 550: 226, 600: 234, 650: 242, 700: 248, 750: 254, 800: 260, 850: 265,
    900: 269, 950: 274, 1000: 278, 1100: 285, 1200: 291, 1300: 297, 1400: 302, 1500: 306,
    1600: 310, 1700: 313, 1800: 317, 1900: 320, 2000: 322, 2200: 327, 2400: 331, 2600: 335,
    2800: 338, 3000: 341, 3500: 346, 4000: 351, 4500: 354, 5000: 357, 6000: 361, 7000: 364,
    8000: 367, 9000: 368, 10000: 370, 15000: 375, 20000: 377, 30000: 379, 40000: 380,
    50000: 381, 75000: 382, 100000: 384, 1000000: 384,
}  # fmt: skip
_TABLE_N = sorted(KREJCIE_MORGAN_TABLE)

# People served per month x months in the period = the period's population.
MONTHS_IN_PERIOD: dict[PeriodKind, int] = {
    PeriodKind.MONTH: 1,
    PeriodKind.QUARTER: 3,
    PeriodKind.SEMESTER: 6,
    PeriodKind.YEAR: 12,
}


def krejcie_morgan(population: int) -> Fraction:
    """The formula's exact, unrounded value for a population of N >= 1."""
    _check_population(population)
    spread = CHI_SQUARE * PROPORTION * (1 - PROPORTION)
    return spread * population / (MARGIN**2 * (population - 1) + spread)


def required_sample(population: int) -> int:
    """Minimum responses for a population of N people served (never more than N)."""
    exact = krejcie_morgan(population)
    nearest = math.floor(exact + Fraction(1, 2))
    at = bisect.bisect_right(_TABLE_N, population)
    floor_from_table = KREJCIE_MORGAN_TABLE[_TABLE_N[at - 1]] if at else 0
    return min(population, max(nearest, floor_from_table))


def is_adequate(responses: int, population: int) -> bool:
    """Enough responses for the index to count; below it the result is provisional."""
    if responses < 0:
        raise ValueError(f"responses must be >= 0, got {responses}")
    return responses >= required_sample(population)


def population_in_period(served_per_month: int, kind: PeriodKind) -> int:
    """People served in a period from a unit's monthly figure (at least 1)."""
    if served_per_month < 0:
        raise ValueError(f"served_per_month must be >= 0, got {served_per_month}")
    return max(1, served_per_month * MONTHS_IN_PERIOD[kind])


def _check_population(population: int) -> None:
    if isinstance(population, bool) or not isinstance(population, int) or population < 1:
        raise ValueError(f"population must be a whole number >= 1, got {population!r}")
