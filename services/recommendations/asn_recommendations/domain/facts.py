"""The facts the domain decides from, as the read models hand them over.

Everything here is plain immutable data, validated on construction so that a bad read model
fails loudly at the boundary rather than producing a quietly wrong schedule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from asn_platform.periods import Period
from asn_platform.skm import SCALE
from asn_platform.vocabulary import ELEMENTS, Bidang, ElementCode, Mutu, PositionType
from asn_recommendations.domain.catalogue import Catalogue
from asn_recommendations.domain.formatting import Number


def gap_scope(unit_id: str, element: ElementCode) -> str:
    """The key prefix shared by one unit's gaps on one element, across periods."""
    return f"{unit_id}:{element.value}:"


def gap_key(unit_id: str, element: ElementCode, period: Period) -> str:
    """Stable identity of a gap, e.g. "disdukcapil:U7:2026-Q3": a redelivered or recomputed gap
    for the same unit, element and period maps to the same key, so it is decided once. The
    programme is deliberately not part of it: if the facts changed between deliveries, a
    different programme must not slip through as a second, "different" decision."""
    return f"{gap_scope(unit_id, element)}{period.key}"


@dataclass(frozen=True, slots=True)
class Gap:
    """A weak SKM element in one unit and period (from the surveys service's gap event)."""

    unit_id: str
    bidang: Bidang
    element: ElementCode
    score: Number  # converted element score, 25-100 (NRR x 25), as the surveys service sends it
    mutu: Mutu
    sample_size: int
    period: Period
    # Fewer answers than the Krejcie-Morgan size for the people served: the index is
    # provisional and nothing is scheduled from it alone (docs/domain.md, sample adequacy).
    provisional: bool = False
    unit_name: str = ""  # short display name such as "Disdukcapil"; unit_id when empty

    def __post_init__(self) -> None:
        if not 25 <= self.score <= 100:
            raise ValueError(f"gap score {self.score} must be on the 25-100 scale")
        if self.sample_size < 0:
            raise ValueError("gap sample_size must not be negative")

    @property
    def nrr(self) -> Number:
        """The element's mean answer on the 1-4 scale."""
        return self.score / SCALE

    @property
    def key(self) -> str:
        return gap_key(self.unit_id, self.element, self.period)

    @property
    def display_name(self) -> str:
        return self.unit_name or self.unit_id

    @property
    def element_name_id(self) -> str:
        return ELEMENTS[self.element].name_id

    @property
    def element_name_en(self) -> str:
        return ELEMENTS[self.element].name_en


@dataclass(frozen=True, slots=True)
class StaffProfile:
    nip: str
    name: str
    unit_id: str
    position_type: PositionType
    active: bool = True
    supervisor_nip: str | None = None
    bidang: Bidang | None = None  # the person's own field; the unit's field when None


@dataclass(frozen=True, slots=True)
class CompletedTraining:
    programme_code: str
    completed_on: date


@dataclass(frozen=True, slots=True)
class LearningRecord:
    """One person's learning this year and ever: JP credited this year and completions."""

    nip: str
    jp_this_year: float = 0
    completed: tuple[CompletedTraining, ...] = ()

    def __post_init__(self) -> None:
        if self.jp_this_year < 0:
            raise ValueError("jp_this_year must not be negative")

    def has_completed(self, programme_code: str) -> bool:
        return any(c.programme_code == programme_code for c in self.completed)

    @property
    def completed_codes(self) -> frozenset[str]:
        return frozenset(c.programme_code for c in self.completed)

    def last_related_training(
        self, competencies: Iterable[str], catalogue: Catalogue
    ) -> date | None:
        """Latest completion of any programme sharing a competency; None when never trained.

        A programme no longer in the catalogue counts as unrelated: its competencies are unknown.
        """
        wanted = set(competencies)
        dates = [
            c.completed_on
            for c in self.completed
            if (p := catalogue.get(c.programme_code)) is not None
            and wanted.intersection(p.competencies)
        ]
        return max(dates, default=None)


def empty_record(nip: str) -> LearningRecord:
    return LearningRecord(nip=nip)


@dataclass(frozen=True, slots=True)
class Interval:
    """A busy or booked stretch of time; aware datetimes only, end after start."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("interval datetimes must carry a timezone")
        if self.end <= self.start:
            raise ValueError("interval must end after it starts")

    def overlaps(self, other: Interval) -> bool:
        # Half-open: a session ending at 16:00 does not clash with one starting at 16:00.
        return self.start < other.end and other.start < self.end
