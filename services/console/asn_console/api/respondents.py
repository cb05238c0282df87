"""A unit's processing table per respondent: the page (or, for htmx, the fragment the unit page
loads and pages through) and the CSV download."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from asn_console.api.common import Web
from asn_console.api.units import unit_allowed
from asn_console.domain.periods import valid_period
from asn_console.views.respondents import page_of, respondents_csv, respondents_view


def routes(web: Web) -> APIRouter:
    router = APIRouter()

    @router.get("/units/{unit_id}/respondents")
    async def respondents(
        request: Request, unit_id: str, period: str | None = None, page: str | None = None
    ) -> Response:
        session = web.need(request, "auditor", "unit-operator")
        unit_allowed(session.principal, unit_id)
        context = await respondents_view(
            web.api(request, session), unit_id, valid_period(period), page_of(page)
        )
        fragment = bool(request.headers.get("hx-request"))
        template = "_respondents.html" if fragment else "respondents.html"
        return web.render(request, template, context)

    @router.get("/units/{unit_id}/respondents.csv")
    async def respondents_download(
        request: Request, unit_id: str, period: str | None = None
    ) -> Response:
        session = web.need(request, "auditor", "unit-operator")
        unit_allowed(session.principal, unit_id)
        body, headers = await respondents_csv(
            web.api(request, session), unit_id, valid_period(period)
        )
        return StreamingResponse(body, headers=headers)

    return router
