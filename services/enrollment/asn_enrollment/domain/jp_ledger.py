"""The JP ledger: development hours per person per year, and who is below the 20 JP minimum.

Each ASN is owed at least ANNUAL_JP_MINIMUM JP a year (PP 11/2017 art. 203(4)). A completion
counts in the year of its Jakarta calendar date: 2026-12-31T20:00Z is 2027-01-01 03:00 WIB, so 2027.
Unit figures use the person's current unit on the roster, and count people with no completions
at all (they are the ones most below the minimum).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from asn_enrollment.domain.bilingual import bilingual
from asn_platform.timezone import to_jakarta
from asn_platform.vocabulary import ANNUAL_JP_MINIMUM


@dataclass(frozen=True, slots=True)
class JpEntry:
    """JP credited by one completed enrollment."""

    entry_id: str  # the enrollment id: a redelivered completion must be counted once
    nip: str
    jp: int
    completed_at: datetime  # timezone-aware

    def __post_init__(self) -> None:
        if self.jp < 1:
            raise ValueError(bilingual("JP harus positif", "JP must be positive"))
        to_jakarta(self.completed_at)  # refuses naive datetimes

    @property
    def year(self) -> int:
        return ledger_year(self.completed_at)


class Member(Protocol):
    """What the ledger needs of a roster entry (CivilServant fits)."""

    @property
    def nip(self) -> str: ...
    @property
    def unit_id(self) -> str: ...
    @property
    def active(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class RosterMember:
    nip: str
    unit_id: str
    active: bool = True


@dataclass(frozen=True, slots=True)
class PersonStanding:
    nip: str
    year: int
    jp: int

    @property
    def shortfall(self) -> int:
        return shortfall(self.jp)

    @property
    def compliant(self) -> bool:
        return self.jp >= ANNUAL_JP_MINIMUM


@dataclass(frozen=True, slots=True)
class UnitCompliance:
    unit_id: str
    year: int
    headcount: int  # active people on the roster in the unit
    below: tuple[PersonStanding, ...]  # below the minimum, largest shortfall first

    @property
    def below_count(self) -> int:
        return len(self.below)

    @property
    def compliant_count(self) -> int:
        return self.headcount - len(self.below)

    @property
    def percent_compliant(self) -> float | None:
        """Share of active people at or above the minimum, 0-100; None for an empty unit.

        Exact; round only for display.
        """
        if self.headcount == 0:
            return None
        return 100 * self.compliant_count / self.headcount


def ledger_year(moment: datetime) -> int:
    """The ledger year of a moment: the year of its Jakarta calendar date."""
    return to_jakarta(moment).year


def shortfall(jp_total: int, minimum: int = ANNUAL_JP_MINIMUM) -> int:
    """JP still missing to reach the annual minimum (0 when met)."""
    return max(0, minimum - jp_total)


def unique_entries(entries: Iterable[JpEntry]) -> list[JpEntry]:
    """Drop repeats of the same entry_id; two different entries under one id are an error."""
    seen: dict[str, JpEntry] = {}
    for entry in entries:
        earlier = seen.setdefault(entry.entry_id, entry)
        if earlier != entry:
            raise ValueError(
                bilingual(
                    f"entri JP {entry.entry_id!r} tercatat dua kali dengan isi berbeda",
                    f"JP entry {entry.entry_id!r} recorded twice with different contents",
                )
            )
    return list(seen.values())


def jp_by_person_year(entries: Iterable[JpEntry]) -> dict[str, dict[int, int]]:
    """Total JP per NIP per ledger year."""
    totals: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for entry in unique_entries(entries):
        totals[entry.nip][entry.year] += entry.jp
    return {nip: dict(years) for nip, years in totals.items()}


def jp_for_year(entries: Iterable[JpEntry], year: int) -> dict[str, int]:
    """Total JP per NIP in one ledger year (people without completions are absent)."""
    totals: dict[str, int] = defaultdict(int)
    for entry in unique_entries(entries):
        if entry.year == year:
            totals[entry.nip] += entry.jp
    return dict(totals)


def person_standings(
    members: Iterable[Member], entries: Iterable[JpEntry], year: int
) -> list[PersonStanding]:
    """JP and shortfall for each active member in ``year`` (zero JP when nothing completed)."""
    totals = jp_for_year(entries, year)
    return [PersonStanding(m.nip, year, totals.get(m.nip, 0)) for m in members if m.active]


def unit_compliance(
    members: Iterable[Member], entries: Iterable[JpEntry], year: int
) -> list[UnitCompliance]:
    """Per unit (sorted by unit_id): headcount and the people below the minimum in ``year``."""
    member_list = [m for m in members if m.active]
    standings = person_standings(member_list, entries, year)
    headcount: dict[str, int] = defaultdict(int)
    below: dict[str, list[PersonStanding]] = defaultdict(list)
    for member, standing in zip(member_list, standings, strict=True):
        headcount[member.unit_id] += 1
        if not standing.compliant:
            below[member.unit_id].append(standing)
    return [
        UnitCompliance(
            unit_id=unit,
            year=year,
            headcount=count,
            below=tuple(sorted(below[unit], key=lambda s: (-s.shortfall, s.nip))),
        )
        for unit, count in sorted(headcount.items())
    ]
