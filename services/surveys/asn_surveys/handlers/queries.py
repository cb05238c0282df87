"""Read side: what the API shows, read without a transaction (thin functions over the store)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from asn_platform.periods import Period
from asn_platform.uow import UnitsOfWork
from asn_platform.vocabulary import ElementCode
from asn_surveys.domain.aggregate import SurveyAggregate
from asn_surveys.domain.respondents import RespondentRow, period_span, rows_from
from asn_surveys.domain.units import Unit, UnitNotFound
from asn_surveys.store import buckets, gaps, responses, units
from asn_surveys.store.buckets import UNIT_WIDE


@dataclass(frozen=True, slots=True)
class UnitPeriod:
    """A unit's aggregates in a period: the whole unit (key '') and each service."""

    unit: Unit
    aggregates: dict[str, SurveyAggregate]

    def of(self, service: str | None) -> SurveyAggregate:
        return self.aggregates.get(service or UNIT_WIDE, SurveyAggregate())

    def service_names(self) -> list[str]:
        """Services offered, and any answered under a service no longer offered."""
        return sorted(set(self.unit.services) | (set(self.aggregates) - {UNIT_WIDE}))


@dataclass(frozen=True, slots=True)
class CityPeriod:
    """Every unit's whole-unit aggregate in a period, and every unit (for the population)."""

    parts: dict[str, SurveyAggregate]
    units: dict[str, Unit]


@dataclass(frozen=True, slots=True)
class GapRow:
    unit_id: str
    element: ElementCode
    period_key: str
    open: bool
    score: float
    sample_size: int | None
    opened_at: str | None
    closed_at: str | None


async def unit(uow: UnitsOfWork, unit_id: str) -> Unit:
    """The unit; UnitNotFound if there is none."""
    async with uow.reading() as conn:
        found = await units.get_unit(conn, unit_id)
    if found is None:
        raise UnitNotFound(unit_id)
    return found


async def unit_or_none(uow: UnitsOfWork, unit_id: str) -> Unit | None:
    async with uow.reading() as conn:
        return await units.get_unit(conn, unit_id)


async def all_units(uow: UnitsOfWork, *, include_inactive: bool = True) -> list[Unit]:
    async with uow.reading() as conn:
        return await units.list_units(conn, include_inactive=include_inactive)


async def unit_period(uow: UnitsOfWork, unit_id: str, period: Period) -> UnitPeriod:
    async with uow.reading() as conn:
        found = await units.get_unit(conn, unit_id)
        if found is None:
            raise UnitNotFound(unit_id)
        aggregates = await buckets.unit_buckets(conn, unit_id, period.key)
    return UnitPeriod(found, aggregates)


async def city_period(uow: UnitsOfWork, period: Period) -> CityPeriod:
    async with uow.reading() as conn:
        parts = await buckets.city_buckets(conn, period.key)
        every = {u.unit_id: u for u in await units.list_units(conn)}
    return CityPeriod(parts, every)


async def gap_rows(
    uow: UnitsOfWork, *, unit_id: str | None, period: Period | None, open_only: bool
) -> list[GapRow]:
    async with uow.reading() as conn:
        rows = await gaps.list_gaps(
            conn,
            unit_id=unit_id,
            period_key=period.key if period else None,
            open_only=open_only,
        )
    return [
        GapRow(
            unit_id=r["unit_id"],
            element=ElementCode(r["element"]),
            period_key=r["period_key"],
            open=r["open"],
            score=float(r["score"]),
            sample_size=r["sample_size"],
            opened_at=r["opened_at"].isoformat() if r["opened_at"] else None,
            closed_at=r["closed_at"].isoformat() if r["closed_at"] else None,
        )
        for r in rows
    ]


async def respondent_page(
    uow: UnitsOfWork, unit_id: str, period: Period, service: str | None, limit: int, offset: int
) -> tuple[UnitPeriod, list[RespondentRow]]:
    """The unit's aggregates in the period and one page of its respondents, oldest first."""
    start, end = period_span(period)
    async with uow.reading() as conn:
        found = await units.get_unit(conn, unit_id)
        if found is None:
            raise UnitNotFound(unit_id)
        aggregates = await buckets.unit_buckets(conn, unit_id, period.key)
        records = await responses.respondent_page(
            conn, unit_id, start, end, service or None, limit, offset
        )
    return UnitPeriod(found, aggregates), list(rows_from((tuple(r) for r in records), offset + 1))


async def all_respondents(
    uow: UnitsOfWork, unit_id: str, period: Period, service: str | None
) -> AsyncIterator[RespondentRow]:
    """Every respondent of the period, streamed from one read-only transaction."""
    start, end = period_span(period)
    number = 1
    async with uow.reading() as conn, conn.transaction(readonly=True):
        async for record in responses.respondent_cursor(conn, unit_id, start, end, service):
            for row in rows_from((tuple(record),), number):
                yield row
            number += 1
