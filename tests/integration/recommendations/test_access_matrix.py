"""Roles by route on the recommendations service (read-only API): scoping by unit and by NIP."""

from __future__ import annotations

import pytest

from asn_devkit.oidc import DevIdentity
from tests.integration.recommendations.conftest import Recs

pytestmark = pytest.mark.integration

AYU = "197701202002042001"  # user ayu.hidayati (asn)
IKA = "197506281998022015"


async def test_role_by_route_matrix(recs: Recs, identity: DevIdentity) -> None:
    matrix = [
        ("unit-operator", "/api/v1/units/disdukcapil/recommendations", {200, 404}),
        ("unit-operator", "/api/v1/units/dpmptsp/recommendations", {403}),
        ("unit-operator", "/api/v1/gaps?unit_id=dpmptsp", {403}),
        ("unit-operator", "/api/v1/gaps?unit_id=disdukcapil", {200}),
        ("unit-operator", "/api/v1/gaps", {403}),
        ("unit-operator", "/api/v1/impact?unit_id=disdukcapil", {200}),
        ("unit-operator", f"/api/v1/asn/{AYU}/recommendations", {403}),
        ("asn", f"/api/v1/asn/{AYU}/recommendations", {200, 404}),  # 404: profile not seen yet
        ("asn", f"/api/v1/asn/{IKA}/recommendations", {403}),
        ("asn", f"/api/v1/nudges?nip={AYU}", {200}),
        ("asn", f"/api/v1/nudges?nip={IKA}", {403}),
        ("asn", "/api/v1/nudges", {403}),
        ("asn", "/api/v1/gaps", {403}),
        ("organizer", "/api/v1/programmes", {200}),
        ("organizer", "/api/v1/nudges/conversion", {200}),
        ("kiosk", "/api/v1/programmes", {403}),
        ("auditor", "/api/v1/rules", {200}),
        ("auditor", "/api/v1/audit", {200}),
        ("organizer", "/api/v1/audit", {403}),
    ]
    wrong = []
    for role, url, expected in matrix:
        r = await recs.client.get(url, headers=identity.headers(role))
        if r.status_code not in expected:
            wrong.append((role, url, r.status_code, r.text[:200]))
    assert wrong == []
