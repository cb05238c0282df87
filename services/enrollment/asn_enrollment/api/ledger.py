"""JP ledger routes: hours per person per year and who is below the 20 JP minimum, per unit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Query

from asn_enrollment.api.common import NipPath, UnitPath, this_year, unit_of_nip, valid_nip
from asn_enrollment.api.models import PersonJpOut, UnitDetailOut, UnitYearOut
from asn_enrollment.errors import NotFound
from asn_enrollment.handlers import ledger as handlers
from asn_platform.auth import Role, allow

if TYPE_CHECKING:
    from asn_enrollment.bootstrap import Wiring

Year = Annotated[
    int | None, Query(ge=1950, le=2200, description="Ledger year (Jakarta calendar); default now")
]


def router(w: Wiring) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["buku JP / JP ledger"])

    @api.get("/asn/{nip}/jp", summary="JP seorang ASN dalam setahun / a person's JP in a year")
    @allow(Role.AUDITOR, Role.UNIT_OPERATOR, Role.ASN, unit_lookup=unit_of_nip, nip_param="nip")
    async def person_jp(nip: NipPath, year: Year = None) -> PersonJpOut:
        found = await handlers.person_jp(w.units, valid_nip(nip), year or this_year())
        return PersonJpOut.model_validate(found)

    @api.get(
        "/jp/units",
        summary="Kepatuhan 20 JP per unit / 20 JP compliance per unit",
    )
    @allow(Role.AUDITOR)
    async def units(year: Year = None) -> list[UnitYearOut]:
        found = await handlers.units_summary(w.units, year or this_year())
        return [UnitYearOut.model_validate(u) for u in found]

    @api.get(
        "/jp/units/{unit_id}",
        summary="ASN di bawah 20 JP dalam satu unit / who in a unit is below 20 JP",
    )
    @allow(Role.AUDITOR, Role.UNIT_OPERATOR, unit_param="unit_id")
    async def unit(unit_id: UnitPath, year: Year = None) -> UnitDetailOut:
        found = await handlers.unit_detail(w.units, unit_id, year or this_year())
        if found is None:
            raise NotFound("Unit tanpa ASN aktif", "unit with active civil servants")
        return UnitDetailOut.model_validate(found)

    return api
