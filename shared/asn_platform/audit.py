"""The audit trail: who (subject, roles), what (method, route, entity, masked summary), when,
and the outcome of every state-changing request, in the service's own `audit_log` table.

- A route that changes state calls ``record(conn, summary=...)`` inside its transaction, so the
  row commits or rolls back with the change.
- Every other state-changing request (refusals: 403/404/409/422, failures, or a route that did
  not record itself) gets its row afterwards from a middleware, in its own transaction. A 401
  (no known actor) is logged, not stored: anonymous traffic cannot fill the table.
- ``GET /api/v1/audit`` (admin, auditor; ``asn_platform.audit_http``) reads it; nothing
  changes or deletes it. This module has no FastAPI in it, so handlers can record.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import asyncpg

from asn_platform.logmask import mask_nip, mask_nips
from asn_platform.request_context import READ_METHODS, current_request, principal_of

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


def _entity(request: Any) -> str | None:
    params = request.path_params
    if not params:
        return None
    return ",".join(f"{k}={v}" for k, v in params.items())


def _outcome(status: int) -> str:
    return "ok" if status < 400 else ("failed" if status >= 500 else "refused")


async def insert_row(
    conn: asyncpg.Connection | Any,
    request: Any,
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
    await insert_row(
        conn,
        request,
        status=status,
        summary=summary if masked else summarize(summary),
        entity_id=entity_id,
    )
    request.state.audited = True
