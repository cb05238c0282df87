"""Operational HTTP endpoints every service exposes: /health, /ready, /metrics, /asyncapi."""

from __future__ import annotations

import html
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Response
from fastapi.responses import HTMLResponse, JSONResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from asn_platform.asgi import HttpMiddleware
from asn_platform.auth.access import allow, public
from asn_platform.auth.principal import Role

ReadinessCheck = Callable[[], Awaitable[bool]]


def ops_router(
    registry: CollectorRegistry,
    checks: dict[str, ReadinessCheck],
    asyncapi: Callable[[], dict[str, Any]],
    title: str = "ASN",
) -> APIRouter:
    router = APIRouter(tags=["operasional / operations"])

    @router.get("/", response_class=HTMLResponse, include_in_schema=False)
    @public
    async def home() -> HTMLResponse:
        """The base URL: where the docs and the web console are (ASN_CONSOLE_URL), not a 404."""
        console = os.environ.get("ASN_CONSOLE_URL", "")
        link = (
            f'<li><a href="{html.escape(console)}">Konsol web / web console</a></li>'
            if console
            else ""
        )
        return HTMLResponse(
            f"""<!doctype html><html lang="id"><head><meta charset="utf-8">
<title>{html.escape(title)}</title></head><body><h1>{html.escape(title)}</h1><ul>{link}
<li><a href="docs">Dokumentasi API / API docs (Swagger UI)</a></li>
<li><a href="docs/asyncapi">Peristiwa Kafka / Kafka events (AsyncAPI)</a></li>
<li><a href="docs/events">Contoh pesan / example messages</a></li>
<li><a href="openapi.json">OpenAPI</a></li><li><a href="asyncapi.json">AsyncAPI (Kafka)</a></li>
<li><a href="ready">Status / readiness</a></li></ul></body></html>"""
        )

    @router.get("/health", summary="Liveness: the process answers")
    @public
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/ready",
        summary="Readiness: broker and database reachable",
        responses={503: {"description": "a dependency is unreachable"}},
    )
    @public
    async def ready() -> JSONResponse:
        results = {}
        for name, check in checks.items():
            try:
                results[name] = await check()
            except Exception:
                results[name] = False
        ok = all(results.values())
        body = {
            "status": "ready" if ok else "not_ready",
            "checks": {k: "ok" if v else "unreachable" for k, v in results.items()},
        }
        return JSONResponse(body, status_code=200 if ok else 503)

    @router.get(
        "/metrics",
        summary="Prometheus metrics (token with role metrics, admin or auditor)",
        response_class=Response,
    )
    @allow(Role.METRICS, Role.AUDITOR)
    async def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    @router.get("/asyncapi.json", summary="AsyncAPI 3.0 document of this service's Kafka API")
    @public
    async def asyncapi_doc() -> dict[str, Any]:
        return asyncapi()

    return router


def instrument_http(app: FastAPI, registry: CollectorRegistry, service: str) -> None:
    """Request count and latency per route template (not per raw path: bounded cardinality)."""
    requests = Counter(
        "http_requests_total",
        "HTTP requests",
        ["service", "method", "route", "status"],
        registry=registry,
    )
    latency = Histogram(
        "http_request_duration_seconds",
        "HTTP request latency",
        ["service", "method", "route"],
        registry=registry,
    )

    app.add_middleware(_HttpMetrics, service=service, requests=requests, latency=latency)


class _HttpMetrics(HttpMiddleware):
    """Counted once the response is sent; an exception that escapes the app counts as 500."""

    def __init__(self, app: ASGIApp, *, service: str, requests: Counter, latency: Histogram):
        super().__init__(app)
        self.service = service
        self.requests = requests
        self.latency = latency

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            template = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"]
            self.requests.labels(self.service, method, template, str(status)).inc()
            self.latency.labels(self.service, method, template).observe(
                time.perf_counter() - started
            )
