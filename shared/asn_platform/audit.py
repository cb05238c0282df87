"""The audit trail: who (subject, roles), what (method, route, entity, masked summary), when,
and the outcome of every state-changing request, in the service's own `audit_log` table.

- A route that changes state calls ``record(conn, summary=...)`` inside its transaction, so the
  row commits or rolls back with the change.
- Every other state-changing request (refusals: 403/404/409/422, failures, or a route that did
  not record itself) gets its row afterwards from a middleware, in its own transaction. A 401
  (no known actor) is logged, not stored: anonymous traffic cannot fill the table.
- ``GET /api/v1/audit`` (admin, auditor) reads it; nothing changes or deletes it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, FastAPI, Query, Request, Response

from asn_platform.auth.access import READ_METHODS, access_of, allow, current_request, principal_of
from asn_platform.auth.principal import Role
from asn_platform.logmask import mask_nip, mask_nips
from asn_platform.timezone import to_jakarta

log = logging.getLogger(__name__)

# Fields that hold personal data (UU 27/2022): shown masked in the summary.
PERSONAL_FIELDS = frozenset(
    {
        "name",
        "nip",
        "supervisor_nip",
        "reason",
        "comment",
        "age",
        "email",
        "phone",
        "address",
        "birth_date",
    }
)
_MAX_TEXT = 200


def mask_value(key: str, value: Any) -> Any:
    if value is None:
        return None
    if key in ("nip", "supervisor_nip") and isinstance(value, str):
        return mask_nip(value)
    if key in PERSONAL_FIELDS:
        return "***"
    if isinstance(value, dict):
        return summarize(value)
    if isinstance(value, list):
        return [mask_value(key, v) for v in value[:20]]
    if isinstance(value, str):
        return mask_nips(value[:_MAX_TEXT])
    return value


def summarize(changes: dict[str, Any] | None) -> dict[str, Any]:
    """The change as recorded: personal fields masked, NIPs in free text masked."""
    if not changes:
        return {}
    return {str(k): mask_value(str(k), v) for k, v in changes.items()}


def _entity(request: Request) -> str | None:
    params = request.path_params
    if not params:
        return None
    return ",".join(f"{k}={v}" for k, v in params.items())


def _outcome(status: int) -> str:
    return "ok" if status < 400 else ("failed" if status >= 500 else "refused")


async def _insert(
    conn: asyncpg.Connection | Any,
    request: Request,
    *,
    status: int,
    summary: dict[str, Any] | None,
    entity_id: str | None,
) -> None:
    principal = principal_of(request)
    route = getattr(request.scope.get("route"), "path", request.url.path)
    await conn.execute(
        """INSERT INTO audit_log (subject, username, client_id, roles, method, route,
                                  entity_id, summary, outcome, status)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10)""",
        principal.subject if principal else None,
        principal.display if principal else None,
        principal.client_id if principal else None,
        sorted(principal.roles) if principal else [],
        request.method.upper(),
        route,
        entity_id if entity_id is not None else _entity(request),
        json.dumps(summary or {}, default=str, ensure_ascii=False),
        _outcome(status),
        status,
    )


async def record(
    conn: asyncpg.Connection | Any,
    *,
    summary: dict[str, Any] | None = None,
    entity_id: str | None = None,
    status: int = 200,
    masked: bool = False,
) -> None:
    """Record the current request's change on `conn`, inside the caller's transaction.

    Outside an HTTP request (a Kafka handler, a job) nothing is recorded."""
    request = current_request.get()
    if request is None or request.method.upper() in READ_METHODS:
        return
    await _insert(
        conn,
        request,
        status=status,
        summary=summary if masked else summarize(summary),
        entity_id=entity_id,
    )
    request.state.audited = True


def install_audit(app: FastAPI, pool: Callable[[], asyncpg.Pool]) -> None:
    """The after-the-fact row for state-changing requests that did not record themselves."""

    @app.middleware("http")
    async def _audit(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        if request.method.upper() in READ_METHODS:
            return response
        route = request.scope.get("route")
        access = access_of(route)
        if route is None or (access is not None and access.public):
            return response
        if getattr(request.state, "audited", False) and response.status_code < 400:
            return response
        if response.status_code == 401:
            # No known actor: logged, not stored, so anonymous traffic cannot fill the table.
            log.info("refused without a token: %s %s", request.method, getattr(route, "path", ""))
            return response
        try:
            async with pool().acquire() as conn:
                await _insert(
                    conn, request, status=response.status_code, summary=None, entity_id=None
                )
        except Exception:
            log.exception("audit row not written for %s %s", request.method, route)
        return response


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
