"""Roles by route on the surveys service: unit operators see and change only their units,
kiosks only submit, auditors only read, the public form needs nothing; security headers."""

from __future__ import annotations

import pytest

from asn_devkit.oidc import DevIdentity
from tests.integration.surveys.conftest import Surveys
from tests.integration.surveys.helpers import new_ip, payload

pytestmark = pytest.mark.integration


async def test_role_by_route_matrix(surveys: Surveys, identity: DevIdentity) -> None:
    c = surveys.client
    own, other = "disdukcapil", "dpmptsp"  # operator.disdukcapil has units [disdukcapil]
    matrix = [
        ("unit-operator", "GET", f"/api/v1/ikm/units/{own}", {200}),
        ("unit-operator", "GET", f"/api/v1/ikm/units/{other}", {403}),
        ("unit-operator", "GET", f"/api/v1/reports/units/{own}", {200, 404}),  # 404: no answers
        ("unit-operator", "GET", f"/api/v1/reports/units/{other}", {403}),
        ("unit-operator", "GET", f"/api/v1/reports/units/{other}?format=csv", {403}),
        ("unit-operator", "GET", f"/api/v1/ikm/units/{own}/respondents", {200}),
        ("unit-operator", "GET", f"/api/v1/ikm/units/{other}/respondents", {403}),
        ("unit-operator", "GET", f"/api/v1/ikm/units/{other}/respondents.csv", {403}),
        ("auditor", "GET", f"/api/v1/ikm/units/{other}/respondents", {200}),
        ("organizer", "GET", f"/api/v1/ikm/units/{own}/respondents", {403}),
        ("asn", "GET", f"/api/v1/ikm/units/{own}/respondents.csv", {403}),
        ("unit-operator", "GET", f"/api/v1/gaps?unit_id={own}", {200}),
        ("unit-operator", "GET", f"/api/v1/gaps?unit_id={other}", {403}),
        ("unit-operator", "GET", "/api/v1/gaps", {403}),
        ("unit-operator", "GET", "/api/v1/ikm/city", {403}),
        ("unit-operator", "PATCH", f"/api/v1/units/{other}", {403}),
        ("unit-operator", "POST", "/api/v1/units", {403}),
        ("auditor", "GET", f"/api/v1/reports/units/{other}", {200, 404}),
        ("auditor", "GET", "/api/v1/ikm/city", {200}),
        ("auditor", "PATCH", f"/api/v1/units/{own}", {403}),
        ("kiosk", "GET", f"/api/v1/units/{own}/questionnaire", {200}),
        ("kiosk", "GET", f"/api/v1/ikm/units/{own}", {403}),
        ("kiosk", "PATCH", f"/api/v1/units/{own}", {403}),
        ("organizer", "GET", f"/api/v1/ikm/units/{own}", {403}),
        ("asn", "POST", "/api/v1/responses", {403}),
        ("asn", "GET", "/api/v1/elements", {200}),
        ("organizer", "GET", "/api/v1/audit", {403}),
        ("auditor", "GET", "/api/v1/audit", {200}),
    ]
    wrong = []
    for role, method, url, expected in matrix:
        r = await c.request(
            method, url, headers=identity.headers(role), json={} if method != "GET" else None
        )
        if r.status_code not in expected:
            wrong.append((role, method, url, r.status_code, r.text[:200]))
    assert wrong == []


async def test_a_unit_operator_changes_their_unit_and_the_audit_trail_says_so(
    surveys: Surveys, identity: DevIdentity
) -> None:
    c = surveys.client
    operator = identity.headers("unit-operator")
    before = (await c.get("/api/v1/units/disdukcapil")).json()["served_per_month"]
    r = await c.patch(
        "/api/v1/units/disdukcapil", json={"served_per_month": before}, headers=operator
    )
    assert r.status_code == 200, r.text
    trail = (
        await c.get(
            "/api/v1/audit",
            params={"entity_id": "unit_id=disdukcapil", "method": "PATCH"},
            headers=identity.headers("auditor"),
        )
    ).json()["items"]
    assert trail[0]["username"] == "operator.disdukcapil"
    assert trail[0]["summary"] == {"served_per_month": before}
    assert trail[0]["outcome"] == "ok"


async def test_public_pages_need_no_token_and_carry_security_headers(surveys: Surveys) -> None:
    c = surveys.client
    anonymous = {"Authorization": ""}
    for url in ("/s", "/s/disdukcapil", "/s/disdukcapil/terima-kasih"):
        r = await c.get(url, headers=anonymous)
        assert r.status_code == 200, (url, r.status_code)
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert "<script>" not in r.text  # no inline scripts (the CSP would block them)
    qr = await c.get("/s/disdukcapil/qr.svg", headers=anonymous)
    assert qr.status_code == 200
    # Anonymous API intake is refused: kiosks and apps use client credentials.
    r = await c.post(
        "/api/v1/responses",
        json=payload("disdukcapil"),
        headers={**anonymous, "X-Forwarded-For": new_ip()},
    )
    assert r.status_code == 401
    # CORS is closed by default: no Access-Control-Allow-Origin for a foreign origin.
    r = await c.get("/api/v1/elements", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers
