"""Recommendations: gaps and decisions, flagged gaps, nudges and escalations."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from asn_console.api.common import Web
from asn_console.domain.access import unit_scope
from asn_console.views.recommendations import recommendations_view


def routes(web: Web) -> APIRouter:
    router = APIRouter()

    @router.get("/recommendations")
    async def recommendations_page(request: Request, unit_id: str | None = None) -> Response:
        session = web.need(request, "auditor", "organizer", "unit-operator")
        p = session.principal
        context = await recommendations_view(web.api(request, session), p, unit_scope(p, unit_id))
        return web.render(request, "recommendations.html", context)

    return router
