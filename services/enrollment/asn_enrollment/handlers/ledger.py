"""JP ledger queries: a person's JP in a year, 20 JP compliance per unit (domain.jp_ledger's
rules on the stored entries)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from asn_enrollment.domain.jp_ledger import (
    JpEntry,
    RosterMember,
    person_standings,
    shortfall,
    unit_compliance,
)
from asn_enrollment.handlers.queries import require_person
from asn_enrollment.store import enrollments as enrollment_store
from asn_enrollment.store import ledger as store
from asn_platform.timezone import to_jakarta
from asn_platform.uow import UnitsOfWork
from asn_platform.vocabulary import ANNUAL_JP_MINIMUM


@dataclass(frozen=True, slots=True)
class LedgerLine:
    enrollment_id: str
    programme_code: str
    programme_title: str
    jp: int
    completed_at: datetime


@dataclass(frozen=True, slots=True)
class PersonYear:
    nip: str
    year: int
    jp: int
    minimum: int
    shortfall: int
    compliant: bool
    entries: list[LedgerLine]


@dataclass(frozen=True, slots=True)
class UnitYear:
    unit_id: str
    year: int
    headcount: int
    below_minimum: int
    compliant: int
    percent_compliant: float


@dataclass(frozen=True, slots=True)
class BelowMinimum:
    nip: str
    name: str
    jp: int
    shortfall: int


@dataclass(frozen=True, slots=True)
class UnitDetail:
    unit_id: str
    year: int
    minimum: int
    headcount: int
    compliant: int
    below_minimum: int
    percent_compliant: float | None
    below: list[BelowMinimum]


def _entry(row: asyncpg.Record) -> JpEntry:
    return JpEntry(str(row["enrollment_id"]), row["nip"], row["jp"], row["completed_at"])


async def person_year(conn: asyncpg.Connection, nip: str, year: int) -> PersonYear:
    rows = await store.person_entries(conn, nip, year)
    [standing] = person_standings([RosterMember(nip, "", True)], [_entry(r) for r in rows], year)
    return PersonYear(
        nip=nip,
        year=year,
        jp=standing.jp,
        minimum=ANNUAL_JP_MINIMUM,
        shortfall=standing.shortfall,
        compliant=standing.compliant,
        entries=[
            LedgerLine(
                enrollment_id=str(r["enrollment_id"]),
                programme_code=r["programme_code"],
                programme_title=r["title"],
                jp=r["jp"],
                completed_at=to_jakarta(r["completed_at"]),
            )
            for r in rows
        ],
    )


async def person_jp(units: UnitsOfWork, nip: str, year: int) -> PersonYear:
    async with units.reading() as conn:
        await require_person(conn, nip)
        return await person_year(conn, nip, year)


async def units_summary(units: UnitsOfWork, year: int) -> list[UnitYear]:
    async with units.reading() as conn:
        rows = await store.units_summary(conn, year)
    return [
        UnitYear(
            unit_id=r["unit_id"],
            year=year,
            headcount=r["headcount"],
            below_minimum=r["below"],
            compliant=r["headcount"] - r["below"],
            percent_compliant=round(100 * (r["headcount"] - r["below"]) / r["headcount"], 1),
        )
        for r in rows
    ]


async def unit_detail(units: UnitsOfWork, unit_id: str, year: int) -> UnitDetail | None:
    """None when the unit has no active civil servants."""
    async with units.reading() as conn:
        members = await store.unit_members(conn, unit_id)
        if not members:
            return None
        entries = await store.unit_entries(conn, unit_id, year)
    names = {m["nip"]: m["name"] for m in members}
    [compliance] = unit_compliance(
        [RosterMember(m["nip"], m["unit_id"], m["active"]) for m in members],
        [_entry(e) for e in entries],
        year,
    )
    percent = compliance.percent_compliant
    return UnitDetail(
        unit_id=unit_id,
        year=year,
        minimum=ANNUAL_JP_MINIMUM,
        headcount=compliance.headcount,
        compliant=compliance.compliant_count,
        below_minimum=compliance.below_count,
        percent_compliant=None if percent is None else round(percent, 1),
        below=[
            BelowMinimum(nip=s.nip, name=names[s.nip], jp=s.jp, shortfall=shortfall(s.jp))
            for s in compliance.below
        ],
    )


@dataclass(frozen=True, slots=True)
class PersonalData:
    """What the service holds about one civil servant (the export)."""

    profile: asyncpg.Record
    enrollments: list[asyncpg.Record]
    jp: list[PersonYear]


async def personal_data(units: UnitsOfWork, nip: str, current_year: int) -> PersonalData:
    async with units.reading() as conn:
        profile = await require_person(conn, nip)
        enrollments = await enrollment_store.list_for_person(conn, nip)
        years = await store.person_years(conn, nip)
        jp = [await person_year(conn, nip, y) for y in sorted({*years, current_year})]
    return PersonalData(profile, enrollments, jp)
