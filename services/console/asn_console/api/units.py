"""Service units: the list, a unit's page, its report downloads."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from asn_console.api.common import Web, lang_of
from asn_console.domain.access import UNIT_ID, may_open_unit
from asn_console.domain.errors import Refused
from asn_console.domain.periods import valid_period
from asn_console.views.units import REPORT_FORMATS, unit_report, unit_view, units_view
from asn_platform.auth.principal import Principal


def unit_allowed(p: Principal, unit_id: str) -> None:
    if not UNIT_ID.match(unit_id):
        raise Refused(404, ("Unit tidak dikenal.", "Unknown unit."))
    if not may_open_unit(p, unit_id):
        raise Refused


def routes(web: Web) -> APIRouter:
    router = APIRouter()

    @router.get("/units")
    async def units_page(request: Request) -> Response:
        session = web.need(request, "auditor", "unit-operator")
        p = session.principal
        if not p.has("admin", "auditor"):
            if p.units:
                return RedirectResponse(f"/units/{sorted(p.units)[0]}", 303)
            raise Refused
        return web.render(request, "units.html", await units_view(web.api(request, session)))

    @router.get("/units/{unit_id}")
    async def unit_page(request: Request, unit_id: str, period: str | None = None) -> Response:
        session = web.need(request, "auditor", "unit-operator")
        unit_allowed(session.principal, unit_id)
        context = await unit_view(
            web.api(request, session), unit_id, valid_period(period), lang_of(request)
        )
        return web.render(request, "unit.html", context)

    @router.get("/units/{unit_id}/report.{ext}")
    async def report(
        request: Request, unit_id: str, ext: str, period: str | None = None
    ) -> Response:
        session = web.need(request, "auditor", "unit-operator")
        unit_allowed(session.principal, unit_id)
        if ext not in REPORT_FORMATS:
            raise Refused(404, ("Format tidak tersedia.", "Format not available."))
        got = await unit_report(
            web.api(request, session), unit_id, ext, valid_period(period), lang_of(request)
        )
        return Response(got.content, media_type=got.media_type, headers=got.headers)

    return router
