"""JP ledger routes: hours per person per year and who is below the 20 JP minimum, per unit."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from asn_enrollment.api.common import NipPath, UnitPath, reading, this_year, unit_of_nip, valid_nip
from asn_enrollment.errors import NotFound
from asn_enrollment.settings import Settings
from asn_enrollment.store import ledger as store
from asn_enrollment.store import roster as roster_store
from asn_platform.auth import Role, allow
from asn_platform.service import ServiceContext

Year = Annotated[
    int | None, Query(ge=1950, le=2200, description="Ledger year (Jakarta calendar); default now")
]


def router(ctx: ServiceContext[Settings]) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["buku JP / JP ledger"])

    @api.get("/asn/{nip}/jp", summary="JP seorang ASN dalam setahun / a person's JP in a year")
    @allow(Role.AUDITOR, Role.UNIT_OPERATOR, Role.ASN, unit_lookup=unit_of_nip, nip_param="nip")
    async def person_jp(nip: NipPath, year: Year = None) -> dict[str, Any]:
        nip = valid_nip(nip)
        async with reading(ctx.pool) as conn:
            await roster_store.require(conn, nip)
            return await store.person(conn, nip, year or this_year())

    @api.get(
        "/jp/units",
        summary="Kepatuhan 20 JP per unit / 20 JP compliance per unit",
    )
    @allow(Role.AUDITOR)
    async def units(year: Year = None) -> list[dict[str, Any]]:
        async with reading(ctx.pool) as conn:
            return await store.units_summary(conn, year or this_year())

    @api.get(
        "/jp/units/{unit_id}",
        summary="ASN di bawah 20 JP dalam satu unit / who in a unit is below 20 JP",
    )
    @allow(Role.AUDITOR, Role.UNIT_OPERATOR, unit_param="unit_id")
    async def unit(unit_id: UnitPath, year: Year = None) -> dict[str, Any]:
        async with reading(ctx.pool) as conn:
            found = await store.unit(conn, unit_id, year or this_year())
        if found is None:
            raise NotFound("Unit tanpa ASN aktif", "unit with active civil servants")
        return found

    return api
