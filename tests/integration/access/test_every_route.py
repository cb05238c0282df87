"""Every route of every service's OpenAPI, walked: anonymous -> 401, a valid token without a
platform role -> 403, except the declared public list. A new route cannot slip in unprotected:
it either declares its roles (asn_platform.auth.allow) or refuses everyone.

The apps run without their lifespan (no database needed): the guard decides before the route
touches anything. Tokens come from the session's real test OpenID provider over HTTP."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from asn_devkit.oidc import DevIdentity
from asn_enrollment.main import DEFINITION as ENROLLMENT
from asn_notifications.bootstrap import DEFINITION as NOTIFICATIONS
from asn_platform.auth.access import access_of, api_routes, undeclared_routes
from asn_platform.service import ServiceDefinition, create_app
from asn_recommendations.main import DEFINITION as RECOMMENDATIONS
from asn_surveys.main import DEFINITION as SURVEYS
from asn_webhooks.bootstrap import DEFINITION as WEBHOOKS

pytestmark = pytest.mark.integration

DEFINITIONS = {
    "surveys": SURVEYS,
    "enrollment": ENROLLMENT,
    "recommendations": RECOMMENDATIONS,
    "webhooks": WEBHOOKS,
    "notifications": NOTIFICATIONS,
}
# Public without a token (the list): the survey form, its QR code and thank-you page,
# liveness/readiness and the API documents. /docs and /openapi.json are not API routes.
PUBLIC: dict[str, set[tuple[str, str]]] = {
    "surveys": {
        ("GET", "/s"),
        ("GET", "/s/{unit_id}"),
        ("POST", "/s/{unit_id}"),
        ("GET", "/s/{unit_id}/terima-kasih"),
        ("GET", "/s/{unit_id}/qr.svg"),
    },
    "enrollment": set(),
    "recommendations": set(),
    "webhooks": set(),
    # A certificate's QR code opens its check: valid or not, and only the holder's name.
    "notifications": {
        ("GET", "/verify/{number}"),
        ("GET", "/api/v1/certificates/{number}/verification"),
    },
}
OPS_PUBLIC = {("GET", "/"), ("GET", "/health"), ("GET", "/ready"), ("GET", "/asyncapi.json")}
# The service's own documentation pages and their assets (asn_platform.docs_site).
DOCS_PUBLIC = {
    ("GET", "/docs"),
    ("GET", "/docs/asyncapi"),
    ("GET", "/docs/events"),
    ("GET", "/_docs/{name}"),
}
SAMPLE = {
    "nip": "197701202002042001",
    "unit_id": "disdukcapil",
    "code": "PLP-PRIMA",
    "scheduled_programme_id": "sp-1",
}


def _fill(path: str) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return SAMPLE.get(name, str(uuid.uuid4()))

    return re.sub(r"{([^}]+)}", value, path)


def _operations(app: Any) -> list[tuple[str, str]]:
    spec = app.openapi()
    return [
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]


def _app(definition: ServiceDefinition[Any], identity: DevIdentity) -> Any:
    settings = definition.settings_model(**identity.settings(), log_format="text")
    return create_app(definition, settings)


@pytest.fixture(scope="module")
async def clients(identity: DevIdentity) -> AsyncIterator[dict[str, tuple[Any, httpx.AsyncClient]]]:
    out = {}
    for name, definition in DEFINITIONS.items():
        app = _app(definition, identity)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")
        out[name] = (app, client)
    yield out
    for _, client in out.values():
        await client.aclose()


@pytest.mark.parametrize("service", sorted(DEFINITIONS))
def test_every_route_declares_its_access_and_the_public_list_is_exactly_the_expected_one(
    service: str, identity: DevIdentity
) -> None:
    app = _app(DEFINITIONS[service], identity)
    assert undeclared_routes(app.routes) == []
    routes = api_routes(app.routes)
    assert len(routes) > 5
    public = {
        (method, path)
        for path, route in routes
        if (a := access_of(route)) is not None and a.public
        for method in route.methods
    }
    assert public == PUBLIC[service] | OPS_PUBLIC | DOCS_PUBLIC


@pytest.mark.parametrize("service", sorted(DEFINITIONS))
async def test_anonymous_gets_401_and_a_token_without_a_role_gets_403_on_every_route(
    service: str, clients: dict[str, tuple[Any, httpx.AsyncClient]], identity: DevIdentity
) -> None:
    app, client = clients[service]
    operations = _operations(app)
    assert len(operations) > 5
    no_role = identity.headers("none")
    checked = 0
    for method, path in operations:
        if (method, path) in PUBLIC[service] | OPS_PUBLIC:
            continue
        url = _fill(path)
        anonymous = await client.request(method, url, json={})
        assert anonymous.status_code == 401, (method, path, anonymous.text)
        body = anonymous.json()
        assert body["error"] == "unauthorized" and body["message"] and body["message_en"]
        assert anonymous.headers["www-authenticate"].startswith("Bearer")
        garbage = await client.request(
            method, url, json={}, headers={"Authorization": "Bearer not.a.token"}
        )
        assert garbage.status_code == 401, (method, path, garbage.text)
        refused = await client.request(method, url, json={}, headers=no_role)
        assert refused.status_code == 403, (method, path, refused.text)
        assert refused.json()["error"] == "forbidden"
        checked += 1
    assert checked >= len(operations) - len(PUBLIC[service] | OPS_PUBLIC)


async def test_metrics_needs_the_metrics_role_and_docs_stay_open(
    clients: dict[str, tuple[Any, httpx.AsyncClient]], identity: DevIdentity
) -> None:
    client = clients["enrollment"][1]
    assert (await client.get("/metrics")).status_code == 401
    assert (await client.get("/metrics", headers=identity.headers("asn"))).status_code == 403
    ok = await client.get("/metrics", headers=identity.headers("metrics"))
    assert ok.status_code == 200 and "http_requests_total" in ok.text
    assert (await client.get("/openapi.json")).status_code == 200
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "frame-ancestors 'none'" in docs.headers["content-security-policy"]
