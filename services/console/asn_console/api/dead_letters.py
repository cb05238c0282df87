"""Dead letters (admin only): the list across services, one letter with its reason, and the
re-drive button (a CSRF-checked form; the service does the work and audits it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from asn_console.api.common import Web, lang_of
from asn_console.domain.errors import Refused
from asn_console.views.dead_letters import (
    DLQ_SERVICES,
    dead_letter_view,
    dead_letters_view,
    redrive,
)

Partition = Annotated[int, Path(ge=0, le=10_000)]
Offset = Annotated[int, Path(ge=0, le=2**62)]
LETTER = "/dead-letters/{service}/{dlq_topic}/{partition}/{offset}"


def _known(service: str) -> None:
    if service not in DLQ_SERVICES:
        raise Refused(404, ("Layanan tidak dikenal.", "Unknown service."))


def routes(web: Web) -> APIRouter:
    router = APIRouter()

    @router.get("/dead-letters")
    async def dead_letters(request: Request) -> Response:
        session = web.need(request, "admin")
        context = await dead_letters_view(web.api(request, session), lang_of(request))
        return web.render(request, "dead_letters.html", context)

    @router.get(LETTER)
    async def dead_letter(
        request: Request, service: str, dlq_topic: str, partition: Partition, offset: Offset
    ) -> Response:
        session = web.need(request, "admin")
        _known(service)
        context = await dead_letter_view(
            web.api(request, session), service, dlq_topic, partition, offset
        )
        return web.render(request, "dead_letter.html", context)

    @router.post(LETTER + "/redrive")
    async def redrive_letter(
        request: Request, service: str, dlq_topic: str, partition: Partition, offset: Offset
    ) -> Response:
        session = web.need(request, "admin")
        await web.form(request, session)  # CSRF
        _known(service)
        done = await redrive(web.api(request, session), service, dlq_topic, partition, offset)
        if done.error is not None:
            raise done.error
        # The letter's page shows the outcome (its last re-drive) and the reason if it failed.
        return RedirectResponse(f"/dead-letters/{service}/{dlq_topic}/{partition}/{offset}", 303)

    return router
