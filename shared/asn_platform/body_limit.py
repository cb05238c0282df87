"""A ceiling on request bodies for every service: a huge body is a 413, never read into memory.

Pure ASGI middleware (``create_app`` installs it outermost): a declared ``Content-Length`` above
the limit is refused before the route runs; a body sent without one (chunked) is counted as it
streams and refused once it passes the limit. Services with smaller limits of their own (the
surveys intake) keep them; this is the ceiling for every route, set by
``ASN_HTTP_MAX_BODY_BYTES`` (a service may raise its default, e.g. enrollment for roster CSVs).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from asn_platform.asgi import HttpMiddleware


class BodyTooLarge(Exception):
    pass


def too_large_body(limit: int) -> bytes:
    return json.dumps(
        {
            "error": "body_too_large",
            "message": f"Data terlalu besar (maks. {limit} byte)",
            "message_en": f"Request body too large (max {limit} bytes)",
        }
    ).encode()


class BodyLimit(HttpMiddleware):
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        super().__init__(app)
        self.max_bytes = max_bytes

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = _content_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(send)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = too_large_body(self.max_bytes)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    headers: Any = scope.get("headers") or []
    for name, value in headers:
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() and len(text) < 20 else None
    return None
