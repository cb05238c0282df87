"""Self-service for civil servants (phone-first)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from asn_console.api.common import Web, lang_of
from asn_console.domain.errors import Refused
from asn_console.views.me import me_view


def routes(web: Web) -> APIRouter:
    router = APIRouter()

    @router.get("/me")
    async def me_page(request: Request, problem: str | None = None) -> Response:
        session = web.need(request, "asn")
        nip = session.principal.nip
        if not nip:
            raise Refused(403, ("Token Anda tidak memuat NIP.", "Your token carries no NIP."))
        context = await me_view(web.api(request, session), nip, problem, lang_of(request))
        return web.render(request, "me.html", context)

    return router
