"""What the domain needs to know about a programme.

The enrollment service owns the live catalogue; this service keeps a read model of it, fed by
enrollment's programme-catalogue-changed events, and hands the domain its active entries as
``Programme`` values. Tests may pass any object with the same attributes (the Protocol), e.g.
the seed catalogue's entries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from asn_platform.vocabulary import LEADERSHIP_KINDS, Bidang, PositionType, ProgrammeKind


class ProgrammeInfo(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def kind(self) -> ProgrammeKind: ...
    @property
    def competencies(self) -> Sequence[str]: ...
    @property
    def target_fields(self) -> Sequence[Bidang]: ...  # empty: open to every field
    @property
    def jp(self) -> int: ...
    @property
    def capacity(self) -> int: ...
    @property
    def days(self) -> int: ...
    @property
    def benefit_id(self) -> str: ...
    @property
    def benefit_en(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Programme:
    """One active entry of the catalogue read model."""

    code: str
    title: str
    kind: ProgrammeKind
    competencies: tuple[str, ...]
    target_fields: tuple[Bidang, ...]
    jp: int
    capacity: int
    days: int
    benefit_id: str
    benefit_en: str


Catalogue = Mapping[str, ProgrammeInfo]

ALL_POSITIONS: frozenset[PositionType] = frozenset(PositionType)

# Leadership training is the ladder for structural posts (PKP supervisors, PKA administrators,
# PKN senior executives); offering it to other position types wastes scarce places.
LEADERSHIP_POSITIONS: frozenset[PositionType] = frozenset({PositionType.STRUKTURAL})
LEADERSHIP_LADDER: tuple[ProgrammeKind, ...] = (
    ProgrammeKind.PKP,
    ProgrammeKind.PKA,
    ProgrammeKind.PKN,
)


def is_leadership(programme: ProgrammeInfo) -> bool:
    return programme.kind in LEADERSHIP_KINDS


def fits_field(programme: ProgrammeInfo, bidang: Bidang | None) -> bool:
    """A programme fits a field when it targets that field or is open to all fields."""
    return not programme.target_fields or (bidang is not None and bidang in programme.target_fields)


def fitting_programmes(
    codes: Iterable[str], bidang: Bidang | None, catalogue: Catalogue
) -> tuple[ProgrammeInfo, ...]:
    """The programmes among `codes` (order kept) that fit `bidang`; unknown codes are skipped."""
    found = (catalogue.get(code) for code in codes)
    return tuple(p for p in found if p is not None and fits_field(p, bidang))
