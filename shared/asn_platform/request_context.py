"""The HTTP request being served, for code below the routes (the audit trail) without FastAPI.

The access guard sets ``current_request`` for every request; outside a request (a Kafka handler,
a job) it is None. Typed loosely on purpose: readers only use ``method``, ``scope``, ``state``,
``path_params`` and ``url.path``, which every Starlette request has.
"""

from __future__ import annotations

import contextvars
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from asn_platform.auth.principal import Principal

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

current_request: contextvars.ContextVar[Any | None] = contextvars.ContextVar(
    "asn_current_request", default=None
)


def principal_of(request: Any) -> Principal | None:
    # imported here: asn_platform.auth imports this module (the access guard sets the request)
    from asn_platform.auth.principal import Principal

    found = getattr(request.state, "principal", None)
    return found if isinstance(found, Principal) else None
