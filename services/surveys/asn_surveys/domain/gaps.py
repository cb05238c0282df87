"""Service-gap decisions for one (unit, element, period kind), as a pure function.

An element is a gap when its converted score, shown to two decimals, is below the threshold
(76.61 by default: mutu C or D). Comparing the displayed value keeps a gap and its mutu
consistent: 76.605 shows as 76.61, is mutu B, and is not a gap.

Only an adequate sample (Krejcie-Morgan) may open or close a gap: a provisional index never
schedules a programme, and a handful of happy answers never closes one. The caller keeps the
open/closed state per (unit, element, period kind) and applies each decision; calling again
with the updated state returns None, so redelivered events and replays change nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from asn_platform.periods import Period
from asn_platform.skm import LOWEST_BAIK, NumberLike, mutu_of, round_half_up, to_fraction
from asn_platform.vocabulary import Bidang, ElementCode, Mutu

DEFAULT_THRESHOLD = LOWEST_BAIK
STABLE_BAND = Fraction(1)  # |change| <= 1.0 point counts as unchanged


class Trend(StrEnum):
    MEMBURUK = "memburuk"  # worsening
    MEMBAIK = "membaik"  # improving
    TETAP = "tetap"  # stable within ±1.0 point
    BARU = "baru"  # no previous score to compare with


TREND_LABELS: dict[Trend, tuple[str, str]] = {
    Trend.MEMBURUK: ("Memburuk", "Worsening"),
    Trend.MEMBAIK: ("Membaik", "Improving"),
    Trend.TETAP: ("Tetap", "Stable"),
    Trend.BARU: ("Baru", "New"),
}


def trend_of(score: NumberLike, previous_score: NumberLike | None) -> Trend:
    """Direction since the previous period, on exact values."""
    if previous_score is None:
        return Trend.BARU
    change = to_fraction(score) - to_fraction(previous_score)
    if abs(change) <= STABLE_BAND:
        return Trend.TETAP
    return Trend.MEMBAIK if change > 0 else Trend.MEMBURUK


@dataclass(frozen=True, slots=True)
class GapDecision:
    unit_id: str
    bidang: Bidang
    element: ElementCode
    period_key: str
    score: Fraction  # exact converted score (25..100)
    mutu: Mutu
    sample_size: int
    required_sample: int
    trend: Trend
    previous_score: Fraction | None
    threshold: Decimal  # the threshold this decision crossed

    @property
    def score_display(self) -> Decimal:
        return round_half_up(self.score, 2)


@dataclass(frozen=True, slots=True)
class GapOpened(GapDecision):
    """The element fell below the threshold on an adequate sample: a service gap."""


@dataclass(frozen=True, slots=True)
class GapRecovered(GapDecision):
    """An open gap's element is back at or above the recovery threshold."""


def is_below(score: NumberLike, threshold: NumberLike = DEFAULT_THRESHOLD) -> bool:
    """Gap test on the two-decimal score, the same value mutu is judged on."""
    return round_half_up(score, 2) < round_half_up(threshold, 2)


def decide_gap(
    *,
    unit_id: str,
    bidang: Bidang,
    element: ElementCode,
    period: Period,
    score: NumberLike,
    sample_size: int,
    required_sample: int,
    gap_open: bool,
    previous_score: NumberLike | None = None,
    threshold: NumberLike = DEFAULT_THRESHOLD,
    recovery_threshold: NumberLike | None = None,
) -> GapOpened | GapRecovered | None:
    """GapOpened, GapRecovered, or None when nothing changes.

    `gap_open` is the caller's current state for (unit, element, period kind).
    `recovery_threshold` (default: `threshold`) may be set higher for a stricter exit,
    e.g. 78.00, so a score hovering at the edge does not flap open/closed every period.
    """
    exact = to_fraction(score)
    shown = round_half_up(exact, 2)
    if not Decimal("25") <= shown <= Decimal("100"):
        raise ValueError(f"score {shown} is outside 25..100")
    if sample_size < 0 or required_sample < 0:
        raise ValueError("sample_size and required_sample must be >= 0")
    limit = round_half_up(threshold, 2)
    exit_limit = limit if recovery_threshold is None else round_half_up(recovery_threshold, 2)
    if exit_limit < limit:
        raise ValueError("recovery_threshold must not be below threshold")
    if sample_size < required_sample:
        return None  # provisional: never open, never close
    kind: type[GapOpened] | type[GapRecovered]
    if not gap_open and shown < limit:
        kind, crossed = GapOpened, limit
    elif gap_open and shown >= exit_limit:
        kind, crossed = GapRecovered, exit_limit
    else:
        return None
    return kind(
        unit_id=unit_id,
        bidang=bidang,
        element=element,
        period_key=period.key,
        score=exact,
        mutu=mutu_of(exact),
        sample_size=sample_size,
        required_sample=required_sample,
        trend=trend_of(exact, previous_score),
        previous_score=None if previous_score is None else to_fraction(previous_score),
        threshold=crossed,
    )


def gap_open_after(gap_open: bool, decision: GapOpened | GapRecovered | None) -> bool:
    """The state to store after applying a decision."""
    if isinstance(decision, GapOpened):
        return True
    if isinstance(decision, GapRecovered):
        return False
    return gap_open
