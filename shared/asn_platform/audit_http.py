"""The HTTP side of the audit trail: the after-the-fact row for requests that did not record
themselves, and ``GET /api/v1/audit`` (see ``asn_platform.audit``)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, FastAPI, Query, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from asn_platform.asgi import HttpMiddleware
from asn_platform.audit import insert_row
from asn_platform.auth.access import access_of, allow
from asn_platform.auth.principal import Role
from asn_platform.request_context import READ_METHODS
from asn_platform.timezone import to_jakarta

log = logging.getLogger(__name__)


def install_audit(app: FastAPI, pool: Callable[[], asyncpg.Pool]) -> None:
    """The after-the-fact row for state-changing requests that did not record themselves."""
    app.add_middleware(AuditTrail, pool=pool)


class AuditTrail(HttpMiddleware):
    """The row is written before the last part of the response goes out, so a client that has
    the whole response can read its row."""

    def __init__(self, app: ASGIApp, *, pool: Callable[[], asyncpg.Pool]) -> None:
        super().__init__(app)
        self.pool = pool

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"].upper() in READ_METHODS:
            await self.app(scope, receive, send)
            return
        status = 0

        async def audited_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                await self._record(scope, status)
            await send(message)

        await self.app(scope, receive, audited_send)

    async def _record(self, scope: Scope, status: int) -> None:
        route = scope.get("route")
        access = access_of(route)
        if route is None or (access is not None and access.public):
            return
        if scope.get("state", {}).get("audited", False) and status < 400:
            return
        method = scope["method"]
        if status == 401:
            # No known actor: logged, not stored, so anonymous traffic cannot fill the table.
            log.info("refused without a token: %s %s", method, getattr(route, "path", ""))
            return
        try:
            async with self.pool().acquire() as conn:
                await insert_row(conn, Request(scope), status=status, summary=None, entity_id=None)
        except Exception:
            log.exception("audit row not written for %s %s", method, route)


def audit_router() -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["audit"])

    @router.get(
        "/audit",
        summary="Jejak audit / the audit trail (newest first; times in WIB)",
        description="Every state-changing request: who, what, when, outcome. Read-only.",
    )
    @allow(Role.AUDITOR)
    async def audit(
        request: Request,
        subject: Annotated[str | None, Query(max_length=200)] = None,
        username: Annotated[str | None, Query(max_length=200)] = None,
        route: Annotated[str | None, Query(max_length=300, description="Route template")] = None,
        method: Annotated[str | None, Query(max_length=10)] = None,
        entity_id: Annotated[str | None, Query(max_length=300)] = None,
        outcome: Annotated[str | None, Query(pattern="^(ok|refused|failed)$")] = None,
        since: datetime | None = Query(default=None, description="With offset, e.g. +07:00"),
        until: datetime | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> dict[str, Any]:
        ctx = request.app.state.ctx
        async with ctx.pool.acquire() as conn:
            rows = await conn.fetch(
                """SELECT * FROM audit_log
                   WHERE ($1::text IS NULL OR subject = $1)
                     AND ($2::text IS NULL OR username = $2)
                     AND ($3::text IS NULL OR route = $3)
                     AND ($4::text IS NULL OR method = upper($4))
                     AND ($5::text IS NULL OR entity_id LIKE '%' || $5 || '%')
                     AND ($6::text IS NULL OR outcome = $6)
                     AND ($7::timestamptz IS NULL OR at >= $7)
                     AND ($8::timestamptz IS NULL OR at < $8)
                   ORDER BY at DESC, audit_id DESC LIMIT $9 OFFSET $10""",
                subject,
                username,
                route,
                method,
                entity_id,
                outcome,
                since,
                until,
                limit,
                offset,
            )
        return {
            "items": [
                {
                    "audit_id": r["audit_id"],
                    "at": to_jakarta(r["at"]).isoformat(),
                    "subject": r["subject"],
                    "username": r["username"],
                    "client_id": r["client_id"],
                    "roles": list(r["roles"]),
                    "method": r["method"],
                    "route": r["route"],
                    "entity_id": r["entity_id"],
                    "summary": json.loads(r["summary"]),
                    "outcome": r["outcome"],
                    "status": r["status"],
                }
                for r in rows
            ]
        }

    return router
