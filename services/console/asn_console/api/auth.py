"""Health, the start page, sign-in (authorisation code + PKCE) and logout."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from asn_console.api.common import Web
from asn_console.auth import (
    LOGIN_COOKIE,
    LOGIN_TTL_S,
    SESSION_COOKIE,
    base_url,
    is_secure,
    safe_next,
)
from asn_console.domain.access import start_page
from asn_console.domain.errors import Refused
from asn_platform.auth.tokens import InvalidToken, ProviderUnavailable

log = logging.getLogger(__name__)
FAILED = ("Masuk gagal; coba lagi.", "Sign-in failed; try again.")


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    _public(router, web)
    _sign_in(router, web)
    return router


def _public(router: APIRouter, web: Web) -> None:
    c = web.console

    @router.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/ready")
    async def ready() -> JSONResponse:
        ok = c.oidc.configured
        return JSONResponse(
            {"status": "ready" if ok else "not_ready", "checks": {"oidc_issuer": ok}},
            status_code=200 if ok else 503,
        )

    @router.get("/")
    async def home(request: Request) -> Response:
        session = web.session(request)
        target = start_page(session.principal) if session else None
        if target is None:
            return web.render(request, "welcome.html", {})
        return RedirectResponse(target, 303)


def _sign_in(router: APIRouter, web: Web) -> None:
    c = web.console

    @router.get("/auth/login")
    async def login(request: Request, next: str | None = None) -> Response:
        if not c.oidc.configured:
            raise Refused(503, ("Penyedia identitas belum diatur.", "No identity provider set."))
        redirect_uri = f"{base_url(request, c.settings)}/auth/callback"
        state, pending = c.sessions.begin(redirect_uri, safe_next(next))
        try:
            url = await c.oidc.authorize_url(state, pending)
        except Exception as err:
            log.warning("identity provider unreachable: %s", err)
            raise Refused(
                503, ("Penyedia identitas tidak dapat dihubungi.", "Identity provider unreachable.")
            ) from err
        response = RedirectResponse(url, 303)
        response.set_cookie(
            LOGIN_COOKIE, c.signer.sign(state), max_age=LOGIN_TTL_S, httponly=True,
            samesite="lax", secure=is_secure(request, c.settings), path="/auth",
        )  # fmt: skip
        return response

    @router.get("/auth/callback")
    async def callback(
        request: Request, code: str | None = None, state: str | None = None,
        error: str | None = None,
    ) -> Response:  # fmt: skip
        bound = c.signer.unsign(request.cookies.get(LOGIN_COOKIE))
        if error or not code or not state or bound != state:
            raise Refused(400, FAILED)
        pending = c.sessions.take_pending(state)
        if pending is None:
            raise Refused(400, ("Masuk kedaluwarsa; coba lagi.", "Sign-in expired; try again."))
        try:
            done = await c.oidc.sign_in(code, pending)
        except (PermissionError, InvalidToken, KeyError) as err:
            log.warning("sign-in refused: %s", err)
            raise Refused(400, FAILED) from err
        except ProviderUnavailable as err:
            raise Refused(503, ("Penyedia identitas tidak tersedia.", "Provider down.")) from err
        session = c.sessions.create(done)
        response = RedirectResponse(pending.next_url, 303)
        response.set_cookie(
            SESSION_COOKIE, c.signer.sign(session.sid), httponly=True, samesite="lax",
            secure=is_secure(request, c.settings), path="/",
        )  # fmt: skip
        response.delete_cookie(LOGIN_COOKIE, path="/auth")
        return response

    @router.post("/auth/logout")
    async def logout(request: Request) -> Response:
        session = web.need(request)
        await web.form(request, session)
        c.sessions.drop(session.sid)
        target = "/"
        try:
            found = await c.oidc.end_session_url(
                f"{base_url(request, c.settings)}/", session.id_token
            )
            target = found or "/"
        except Exception:  # the provider is down: the console's own session is gone anyway
            pass
        response = RedirectResponse(target, 303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
