"""The console's wiring and app factory.

The console owns no data, database or Kafka connection, so it has no ServiceDefinition: its
wiring is the settings, one HTTP client pool, the OpenID provider, the in-memory sessions and
the services' clients (which stand where the other services keep their store). It reuses the
platform's settings loader, security headers (a CSP without inline scripts) and token
verification.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from asn_console import api
from asn_console.auth import SESSION_COOKIE, Oidc, SessionStore, Signer, keep_fresh
from asn_console.clients import Services
from asn_console.settings import Settings
from asn_platform.asgi import HttpMiddleware
from asn_platform.auth.headers import install_security_headers
from asn_platform.settings import load_settings

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Console:
    settings: Settings
    http: httpx.AsyncClient
    oidc: Oidc
    sessions: SessionStore
    signer: Signer
    services: Services


def build(settings: Settings) -> Console:
    http = httpx.AsyncClient(timeout=settings.console_api_timeout_s)
    return Console(
        settings=settings,
        http=http,
        oidc=Oidc(settings, http),
        sessions=SessionStore(settings.console_session_idle_s),
        signer=Signer(settings.console_session_secret),
        services=Services(settings, http),
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    console = build(settings or load_settings(Settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not console.settings.oidc_issuer:
            log.warning("ASN_OIDC_ISSUER is not set: nobody can sign in")
        log.info("console on %s:%s", console.settings.http_host, console.settings.http_port)
        yield
        await console.http.aclose()

    app = FastAPI(
        title="Konsol Platform ASN / ASN platform console",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.console = console  # one typed object (tests look at its sessions)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    api.install(app, console)
    install_security_headers(app, [])

    app.add_middleware(FreshTokens, console=console)
    return app


class FreshTokens(HttpMiddleware):
    """Before any route reads the session: a lapsing access token is refreshed here, once."""

    def __init__(self, app: ASGIApp, *, console: Console) -> None:
        super().__init__(app)
        self.console = console

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        console = self.console
        sid = console.signer.unsign(Request(scope).cookies.get(SESSION_COOKIE))
        session = console.sessions.get(sid)
        if session is not None:
            await keep_fresh(session, console.oidc, console.sessions)
        await self.app(scope, receive, send)
