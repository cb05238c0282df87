"""The city dashboard (admins, auditors)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from asn_console.api.common import Web, lang_of
from asn_console.domain.periods import valid_period
from asn_console.views.dashboard import dashboard_view


def routes(web: Web) -> APIRouter:
    router = APIRouter()

    @router.get("/dashboard")
    async def dashboard(request: Request, period: str | None = None) -> Response:
        session = web.need(request, "auditor")
        context = await dashboard_view(
            web.api(request, session), valid_period(period), lang_of(request),
            datetime.now().astimezone(),
        )  # fmt: skip
        return web.render(request, "dashboard.html", context)

    return router
