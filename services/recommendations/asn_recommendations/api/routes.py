"""The routes: read-only views of this service's own database (its state changes only through
events). Each route declares its access, calls one read handler and names its response model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request

from asn_platform.auth import Role, allow
from asn_platform.contracts.base import Nip, UnitId
from asn_platform.errors import ApiError
from asn_platform.http_errors import lang_of
from asn_platform.inputs import Clean, Limit, Offset
from asn_platform.vocabulary import ElementCode
from asn_recommendations.api import models as m
from asn_recommendations.handlers import reads

if TYPE_CHECKING:
    from asn_recommendations.bootstrap import Recommendations

UnitFilter = Annotated[UnitId | None, Query(description="Only this unit.")]


def router(app: Recommendations) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["rekomendasi / recommendations"])
    _gap_routes(api, app)
    _programme_routes(api, app)
    _nudge_routes(api, app)
    _people_routes(api, app)
    return api


def _gap_routes(api: APIRouter, app: Recommendations) -> None:
    @api.get(
        "/gaps",
        response_model=m.GapList,
        summary="Kesenjangan layanan / service gaps (open, recovered or all) with decisions",
        description=(
            "open: the unit's element is currently below the threshold (latest period of its "
            "kind); recovered: back above it; all: every announced gap per period."
        ),
    )
    @allow(Role.AUDITOR, Role.ORGANIZER, Role.UNIT_OPERATOR, unit_param="unit_id")
    async def list_gaps(
        request: Request,
        status: Literal["open", "recovered", "all"] = "open",
        unit_id: UnitFilter = None,
        element: ElementCode | None = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        return await reads.list_gaps(
            app.units,
            status=status,
            unit_id=unit_id,
            element=element.value if element else None,
            limit=limit,
            offset=offset,
            lang=lang_of(request),
        )

    @api.get(
        "/gaps/flagged",
        response_model=m.FlaggedList,
        summary="Diteruskan ke pimpinan / gaps flagged to management (e.g. U9 facilities)",
    )
    @allow(Role.AUDITOR, Role.UNIT_OPERATOR, unit_param="unit_id")
    async def flagged(
        request: Request, unit_id: UnitFilter = None, limit: Limit = 100, offset: Offset = 0
    ) -> dict[str, Any]:
        return await reads.flagged_gaps(app.units, unit_id, limit, offset, lang_of(request))

    @api.get(
        "/impact",
        response_model=m.ImpactList,
        response_model_exclude_unset=True,
        summary="Dampak (Kirkpatrick level 4) / impact: element score before vs after training",
    )
    @allow(Role.AUDITOR, Role.ORGANIZER, Role.UNIT_OPERATOR, unit_param="unit_id")
    async def impact(request: Request, unit_id: UnitFilter = None) -> dict[str, Any]:
        return await reads.impact(app.units, unit_id, lang_of(request))


def _programme_routes(api: APIRouter, app: Recommendations) -> None:
    @api.get(
        "/programmes",
        response_model=m.ScheduledProgrammeList,
        response_model_exclude_unset=True,
        summary="Program terjadwal / scheduled targeted programmes",
    )
    @allow(Role.AUDITOR, Role.ORGANIZER, Role.UNIT_OPERATOR, unit_param="unit_id")
    async def programmes(
        request: Request, unit_id: UnitFilter = None, limit: Limit = 100, offset: Offset = 0
    ) -> dict[str, Any]:
        return await reads.scheduled_programmes(app.units, unit_id, limit, offset, lang_of(request))

    @api.get(
        "/programmes/{scheduled_programme_id}",
        response_model=m.ScheduledProgrammeView,
        summary="Satu program terjadwal dengan peserta / one scheduled programme with cohort",
        responses={404: {"description": "unknown scheduled programme"}},
    )
    @allow(Role.AUDITOR, Role.ORGANIZER)
    async def programme(
        request: Request,
        scheduled_programme_id: Annotated[Clean, Path(min_length=1, max_length=64)],
    ) -> dict[str, Any]:
        found = await reads.scheduled_programme(app.units, scheduled_programme_id, lang_of(request))
        if found is None:
            raise ApiError(
                404,
                "not_found",
                "Program terjadwal tidak ditemukan.",
                "Scheduled programme not found.",
                {"scheduled_programme_id": scheduled_programme_id},
            )
        return found

    @api.get(
        "/rules",
        response_model=m.RulesInForce,
        summary="Aturan yang berlaku / the rules in force (version, settings)",
    )
    @allow(Role.AUDITOR, Role.ORGANIZER)
    async def rules(request: Request) -> dict[str, Any]:
        return reads.rules_in_force(app.deps, lang_of(request))


def _nudge_routes(api: APIRouter, app: Recommendations) -> None:
    @api.get(
        "/nudges",
        response_model=m.NudgeList,
        summary="Pengingat / nudges sent to people who declined or missed",
    )
    @allow(Role.AUDITOR, Role.ORGANIZER, Role.ASN, nip_param="nip")
    async def nudges(
        request: Request,
        nip: Annotated[Nip | None, Query(description="Only this person.")] = None,
        programme_code: Annotated[Clean | None, Query(max_length=40)] = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        return await reads.nudges(app.units, nip, programme_code, limit, offset, lang_of(request))

    @api.get(
        "/nudges/conversion",
        response_model=m.Conversion,
        summary="Tingkat keberhasilan pengingat / share of nudged people who enrolled after",
        description=(
            "Per person and programme nudged: converted when a later enrollment to enrolled, "
            "attended or completed (or a completion) for that programme arrived."
        ),
    )
    @allow(Role.AUDITOR, Role.ORGANIZER)
    async def conversion() -> dict[str, Any]:
        return await reads.nudge_conversion(app.units)

    @api.get(
        "/nudges/escalations",
        response_model=m.EscalationList,
        summary="Eskalasi / reminders used up: supervisor and BKPSDM to follow up in person",
    )
    @allow(Role.AUDITOR, Role.ORGANIZER)
    async def escalations(
        request: Request, limit: Limit = 100, offset: Offset = 0
    ) -> dict[str, Any]:
        return await reads.escalations(app.units, limit, offset, lang_of(request))


def _people_routes(api: APIRouter, app: Recommendations) -> None:
    @api.get(
        "/asn/{nip}/recommendations",
        response_model=m.PersonRecommendations,
        summary="Rekomendasi untuk satu ASN / ranked, explained recommendations for one person",
        responses={404: {"description": "NIP not in the roster seen by this service"}},
    )
    @allow(Role.AUDITOR, Role.ASN, nip_param="nip")
    async def for_person(request: Request, nip: Annotated[Nip, Path()]) -> dict[str, Any]:
        view = await reads.person_view(app.units, app.deps, nip, lang_of(request))
        if view is None:
            raise ApiError(
                404,
                "unknown_nip",
                "NIP tidak dikenal oleh layanan rekomendasi.",
                "NIP not known to the recommendations service.",
            )
        return view

    @api.get(
        "/units/{unit_id}/recommendations",
        response_model=m.UnitRecommendations,
        summary="Kebutuhan pelatihan unit / a unit's gaps, decisions and staff recommendations",
        responses={404: {"description": "no survey, gap or staff seen for this unit"}},
    )
    @allow(Role.AUDITOR, Role.ORGANIZER, Role.UNIT_OPERATOR, unit_param="unit_id")
    async def for_unit(
        request: Request,
        unit_id: Annotated[UnitId, Path()],
        people_limit: Annotated[int, Query(ge=0, le=1000)] = 50,
    ) -> dict[str, Any]:
        view = await reads.unit_view(app.units, app.deps, unit_id, lang_of(request), people_limit)
        if view is None:
            raise ApiError(
                404,
                "unknown_unit",
                "Unit belum dikenal: belum ada survei, kesenjangan, atau pegawai untuk unit ini.",
                "Unknown unit: no survey, gap or staff seen for it yet.",
                {"unit_id": unit_id},
            )
        return view
