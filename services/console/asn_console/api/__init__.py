"""The console's page routes, split by area; each route checks the role, calls its view in
views/ and renders the template. `install` adds them and the answers for refused pages."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from asn_console.api import (
    auth,
    certificates,
    dashboard,
    dead_letters,
    me,
    people,
    recommendations,
    respondents,
    sessions,
    units,
    webhooks,
)
from asn_console.api.common import Web, lang_of
from asn_console.clients import ServiceError
from asn_console.domain.errors import LoginRequired, Refused
from asn_console.domain.text import pick

if TYPE_CHECKING:
    from asn_console.bootstrap import Console

AREAS = (
    auth,
    dashboard,
    units,
    respondents,
    sessions,
    people,
    recommendations,
    me,
    certificates,
    webhooks,
    dead_letters,
)


def _install_errors(app: FastAPI, web: Web) -> None:
    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> Response:
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": "/auth/login"})
        nxt = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/auth/login?next={quote(nxt)}", 303)

    @app.exception_handler(Refused)
    async def _refused(request: Request, exc: Refused) -> Response:
        lang = lang_of(request)
        title = pick(("Ditolak", "Refused"), lang)
        return web.render(
            request, "message.html", {"title": title, "message": pick(exc.message, lang)},
            exc.status,
        )  # fmt: skip

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> Response:
        if exc.status == 401:  # the token expired or was revoked: sign in again
            session = web.session(request)
            if session is not None:
                web.console.sessions.drop(session.sid)
            return RedirectResponse("/auth/login", 303)
        lang = lang_of(request)
        title = pick(("Permintaan tidak dapat diproses", "Request failed"), lang)
        status = exc.status if exc.status in (403, 404, 409, 422) else 502
        return web.render(
            request, "message.html",
            {"title": title, "message": f"{exc.service}: {exc.message(lang)}"}, status,
        )  # fmt: skip


def install(app: FastAPI, console: Console) -> None:
    web = Web(console)
    _install_errors(app, web)
    for area in AREAS:
        app.include_router(area.routes(web))
