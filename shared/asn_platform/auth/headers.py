"""Security headers on every response, and CORS (closed unless origins are configured)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.datastructures import MutableHeaders
from starlette.types import Message, Receive, Scope, Send

from asn_platform.asgi import HttpMiddleware

# No inline scripts anywhere; styles may be inline (the survey pages and reports carry their
# own <style>). The docs viewers (asn_platform.docs_site) come from the service itself too; Swagger
# UI may run a worker from a blob and the AsyncAPI parser compiles its JSON Schemas (eval), so the
# docs pages get that much more, and nothing from another origin.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; form-action 'self'; base-uri 'none'; object-src 'none'; "
    "frame-ancestors 'none'"
)
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; "
    "base-uri 'none'; object-src 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs",)


def install_security_headers(app: FastAPI, cors_origins: list[str]) -> None:
    app.add_middleware(SecurityHeaders)
    if cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=cors_origins,
            allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Accept-Language"],
            max_age=600,
        )


class SecurityHeaders(HttpMiddleware):
    """The headers are added to the response start as it passes, unless the route set its own."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        docs = str(scope.get("path", "")).startswith(DOCS_PATHS)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                h = MutableHeaders(scope=message)
                h.setdefault("X-Content-Type-Options", "nosniff")
                h.setdefault("Referrer-Policy", "no-referrer")
                h.setdefault("X-Frame-Options", "DENY")
                if h.get("content-type", "").startswith("text/html"):
                    h.setdefault("Content-Security-Policy", DOCS_CSP if docs else PAGE_CSP)
            await send(message)

        await self.app(scope, receive, with_headers)
