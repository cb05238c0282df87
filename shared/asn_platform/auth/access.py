"""Access control, deny by default.

Every HTTP route declares who may call it, with a decorator on its endpoint function:

    @router.get("/units/{unit_id}/report")
    @allow(Role.ADMIN, Role.AUDITOR, Role.UNIT_OPERATOR, unit_param="unit_id")
    async def report(unit_id: str): ...

    @router.get("/s/{unit_id}")
    @public
    async def form(unit_id: str): ...

One app-wide dependency (installed by ``create_app``) finds the matched route's declaration and
enforces it before the route's own parameters are read: no token or a bad one -> 401; a valid
token without an allowed role, or outside its scope -> 403; a route with no declaration refuses
everyone (401/403) and is logged at start-up. Scoped roles:

- ``unit-operator`` passes only for its own units: ``unit_param`` names the path or query
  parameter holding the unit id (a list without it is refused), or ``unit_lookup`` finds the
  unit of the entity the path names (e.g. the unit of a NIP);
- ``asn`` passes only for itself: ``nip_param`` or ``nip_lookup``, the same way;
- ``auditor`` is read-only: it never passes on POST/PUT/PATCH/DELETE.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request
from fastapi.routing import APIRoute

from asn_platform.auth.principal import Principal, Role
from asn_platform.auth.tokens import InvalidToken, ProviderUnavailable, TokenVerifier
from asn_platform.errors import ApiError
from asn_platform.request_context import READ_METHODS, current_request

F = TypeVar("F", bound=Callable[..., Any])
Lookup = Callable[[Request], Awaitable[str | None]]
ACCESS_ATTR = "__asn_access__"
SCOPED = frozenset({Role.UNIT_OPERATOR.value, Role.ASN.value})


@dataclass(frozen=True)
class Access:
    public: bool = False
    any_role: bool = False
    roles: frozenset[str] = frozenset()
    unit_param: str | None = None
    unit_lookup: Lookup | None = None
    nip_param: str | None = None
    nip_lookup: Lookup | None = None

    def describe(self) -> str:
        if self.public:
            return "public"
        if self.any_role:
            return "any role"
        parts = []
        for role in sorted(self.roles):
            if role == Role.UNIT_OPERATOR and (self.unit_param or self.unit_lookup):
                parts.append(f"{role} (own units)")
            elif role == Role.ASN and (self.nip_param or self.nip_lookup):
                parts.append(f"{role} (self)")
            else:
                parts.append(role)
        return ", ".join(parts)


def allow(
    *roles: Role | str,
    unit_param: str | None = None,
    unit_lookup: Lookup | None = None,
    nip_param: str | None = None,
    nip_lookup: Lookup | None = None,
) -> Callable[[F], F]:
    """Declare the roles that may call the decorated endpoint (and how scoped roles are
    scoped). Admin is always included."""
    names = frozenset(str(getattr(r, "value", r)) for r in roles) | {Role.ADMIN.value}
    if Role.UNIT_OPERATOR in names and not (unit_param or unit_lookup):
        raise ValueError("unit-operator needs unit_param or unit_lookup (its scope)")
    if Role.ASN in names and not (nip_param or nip_lookup):
        raise ValueError("asn needs nip_param or nip_lookup (its scope)")
    access = Access(
        roles=names,
        unit_param=unit_param,
        unit_lookup=unit_lookup,
        nip_param=nip_param,
        nip_lookup=nip_lookup,
    )

    def mark(fn: F) -> F:
        setattr(fn, ACCESS_ATTR, access)
        return fn

    return mark


def public(fn: F) -> F:
    """Declare the decorated endpoint open to anyone, without a token."""
    setattr(fn, ACCESS_ATTR, Access(public=True))
    return fn


def any_role(fn: F) -> F:
    """Declare the decorated endpoint open to every caller with a platform role (a valid token
    without one is refused); for data that is no secret, such as the questionnaire."""
    setattr(fn, ACCESS_ATTR, Access(any_role=True))
    return fn


def access_of(route: Any) -> Access | None:
    endpoint = getattr(route, "endpoint", None)
    found = getattr(endpoint, ACCESS_ATTR, None)
    return found if isinstance(found, Access) else None


def api_routes(routes: list[Any], prefix: str = "") -> list[tuple[str, APIRoute]]:
    """Every API route with its full path, through included routers (FastAPI keeps an
    included router as one entry of app.routes)."""
    found: list[tuple[str, APIRoute]] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append((prefix + route.path, route))
        elif hasattr(route, "original_router"):
            context = getattr(route, "include_context", None)
            inner = prefix + str(getattr(context, "prefix", "") or "")
            found.extend(api_routes(list(route.original_router.routes), inner))
    return found


def access_table(routes: list[Any]) -> list[str]:
    """Markdown rows `| METHOD | path | who |` of every API route (docs/security.md)."""
    rows = []
    for path, route in api_routes(routes):
        access = access_of(route)
        who = access.describe() if access else "nobody (undeclared)"
        for method in sorted(route.methods or ()):
            rows.append(f"| {method} | `{path}` | {who} |")
    return rows


def document_access(app: Any) -> None:
    """OpenAPI: a bearer security scheme, each operation's roles in its description, and
    `security: []` on public ones (so /docs offers "Authorize" and says who may call what)."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema  # type: ignore[no-any-return]
        schema: dict[str, Any] = original()
        schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
        schemes["bearer"] = {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "OpenID Connect access token (Keycloak realm asn)",
        }
        for path, route in api_routes(app.routes):
            access = access_of(route)
            for method in route.methods or ():
                op = schema.get("paths", {}).get(path, {}).get(method.lower())
                if op is None:
                    continue
                if access is not None and access.public:
                    op["security"] = []
                    continue
                op["security"] = [{"bearer": []}]
                who = access.describe() if access else "nobody"
                note = f"Peran / roles: {who}."
                op["description"] = f"{op.get('description', '')}\n\n{note}".strip()
                op.setdefault("responses", {}).update(
                    {
                        "401": {"description": "tanpa token sah / no valid token"},
                        "403": {"description": "peran tidak berhak / role not allowed"},
                    }
                )
        app.openapi_schema = schema
        return schema

    app.openapi = openapi


def undeclared_routes(routes: list[Any]) -> list[str]:
    return [
        f"{','.join(sorted(r.methods or ()))} {path}"
        for path, r in api_routes(routes)
        if access_of(r) is None
    ]


# --- errors -------------------------------------------------------------------------------------
def unauthorized(reason: str = "") -> ApiError:
    return ApiError(
        401,
        "unauthorized",
        "Perlu login: kirim token akses yang sah (Authorization: Bearer <token>)",
        "Login required: send a valid access token (Authorization: Bearer <token>)",
        {"reason": reason} if reason else None,
        headers={"WWW-Authenticate": 'Bearer realm="asn-platform"'},
    )


def forbidden(message_id: str | None = None, message_en: str | None = None) -> ApiError:
    return ApiError(
        403,
        "forbidden",
        message_id or "Anda tidak berhak mengakses ini",
        message_en or "You are not allowed to access this",
    )


def provider_unavailable() -> ApiError:
    return ApiError(
        503,
        "identity_provider_unavailable",
        "Penyedia identitas tidak dapat dihubungi; coba lagi nanti",
        "The identity provider cannot be reached; try again later",
        headers={"Retry-After": "5"},
    )


# --- enforcement --------------------------------------------------------------------------------
def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def authenticate(request: Request, verifier: TokenVerifier) -> Principal | None:
    """The caller, or None without a token; 401/503 for a token that cannot be verified."""
    token = bearer_token(request)
    if token is None:
        return None
    try:
        return await verifier.verify(token)
    except InvalidToken as err:
        raise unauthorized(str(err)) from None
    except ProviderUnavailable:
        raise provider_unavailable() from None


def _param(request: Request, name: str) -> str | None:
    value = request.path_params.get(name)
    if value is None:
        value = request.query_params.get(name)
    return None if value is None or value == "" else str(value)


async def _scope_passes(request: Request, principal: Principal, access: Access) -> bool:
    """True if one of the principal's scoped roles allowed here covers this request."""
    if (
        principal.has(Role.UNIT_OPERATOR)
        and Role.UNIT_OPERATOR in access.roles
        and await _unit_passes(request, principal, access)
    ):
        return True
    if principal.has(Role.ASN) and Role.ASN in access.roles and principal.nip:
        return await _nip_passes(request, principal, access)
    return False


async def _unit_passes(request: Request, principal: Principal, access: Access) -> bool:
    """A unit operator: the unit the request names (or the route looks up) is one of theirs."""
    unit = None
    if access.unit_param:
        unit = _param(request, access.unit_param)
        if unit is None and access.unit_lookup is None:
            raise forbidden(
                f"Operator unit harus menyebut unitnya ({access.unit_param}=...)",
                f"A unit operator must name their unit ({access.unit_param}=...)",
            )
    if unit is None and access.unit_lookup is not None:
        unit = await access.unit_lookup(request)
        if unit is None:
            return True  # nothing there: the route answers 404 itself
    return unit is not None and unit in principal.units


async def _nip_passes(request: Request, principal: Principal, access: Access) -> bool:
    """A civil servant: the NIP the request names (or the route looks up) is their own."""
    nip = None
    if access.nip_param:
        nip = _param(request, access.nip_param)
        if nip is None and access.nip_lookup is None:
            raise forbidden(
                f"ASN hanya boleh melihat datanya sendiri ({access.nip_param}=NIP Anda)",
                f"A civil servant may see only their own data ({access.nip_param}=your NIP)",
            )
    if nip is None and access.nip_lookup is not None:
        nip = await access.nip_lookup(request)
        if nip is None:
            return True
    return nip is not None and "".join(nip.split()) == principal.nip


def make_guard(verifier: TokenVerifier) -> Callable[[Request], Awaitable[None]]:
    async def guard(request: Request) -> None:
        current_request.set(request)
        route = request.scope.get("route")
        access = access_of(route)
        if access is not None and access.public:
            return
        principal = await authenticate(request, verifier)
        if principal is None:
            raise unauthorized()
        request.state.principal = principal
        if access is None:
            raise forbidden()  # deny by default: the route declared nobody
        if access.any_role and principal.roles:
            return
        write = request.method.upper() not in READ_METHODS
        unscoped = {
            r
            for r in principal.roles & access.roles
            if r not in SCOPED and not (write and r == Role.AUDITOR)
        }
        if unscoped:
            return
        if principal.roles & access.roles & SCOPED and await _scope_passes(
            request, principal, access
        ):
            return
        raise forbidden()

    return guard
