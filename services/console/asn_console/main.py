"""The console's app factory and entry point (`asn-console` or `python -m asn_console`).

The console owns no data, database or Kafka connection, so it does not use the services'
ServiceDefinition/create_app; it reuses the platform's settings loader, logging, security
headers (a CSP without inline scripts) and token verification.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from asn_console.auth import Oidc, SessionStore, Signer
from asn_console.clients import Services
from asn_console.pages import install_pages
from asn_console.settings import Settings
from asn_platform.auth.headers import install_security_headers
from asn_platform.logs import configure_logging
from asn_platform.settings import load_settings

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings(Settings)
    http = httpx.AsyncClient(timeout=settings.console_api_timeout_s)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not settings.oidc_issuer:
            log.warning("ASN_OIDC_ISSUER is not set: nobody can sign in")
        log.info("console on %s:%s", settings.http_host, settings.http_port)
        yield
        await http.aclose()

    app = FastAPI(
        title="Konsol Platform ASN / ASN platform console",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.oidc = Oidc(settings, http)
    app.state.store = SessionStore(settings.console_session_idle_s)
    app.state.signer = Signer(settings.console_session_secret)
    app.state.services = Services(settings, http)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    install_pages(app)
    install_security_headers(app, [])
    return app


def main() -> None:
    settings = load_settings(Settings)
    configure_logging("console", settings.log_level, settings.log_format)
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        timeout_graceful_shutdown=10,
    )


if __name__ == "__main__":
    main()
