"""The base of the platform's HTTP middlewares (body limit, request metrics, security headers,
the audit row, the console's token refresh).

Plain ASGI, never Starlette's ``BaseHTTPMiddleware`` (``@app.middleware("http")``): that one
runs every request through an extra task and memory streams per layer, and three such layers
cost more CPU than the survey intake's own work (py-spy on ``benchmarks/surveys_intake.py``).
A subclass sees HTTP requests only; lifespan and websocket messages pass straight through.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


class HttpMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """One HTTP request; call ``self.app`` to pass it on."""
        raise NotImplementedError
