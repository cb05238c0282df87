"""Roles by route on the enrollment service, with scoping, and its audit trail.

Tokens come from the session's test OpenID provider (seeded users: operator.disdukcapil with
units [disdukcapil], ayu.hidayati an asn of Disdukcapil in the seed roster, ...)."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
import pytest

from asn_devkit.oidc import DevIdentity
from asn_platform.service import ServiceContext
from tests.integration.enrollment.conftest import add_people, invite, open_session

pytestmark = pytest.mark.integration

AYU = "197701202002042001"  # seed roster, Disdukcapil (user ayu.hidayati, role asn)
IKA = "197506281998022015"  # seed roster, DPMPTSP (user ika.yuliani)


async def _status(
    client: httpx.AsyncClient, identity: DevIdentity, role: str | None, method: str, url: str,
    user: str | None = None, **kwargs: Any,
) -> int:  # fmt: skip
    headers = identity.headers(role, user) if (role or user) else {"Authorization": ""}
    return (await client.request(method, url, headers=headers, **kwargs)).status_code


async def test_role_by_route_matrix(client: httpx.AsyncClient, identity: DevIdentity) -> None:
    [dpmptsp_person] = await add_people(client, 1, unit_id="dpmptsp")
    # (role, method, url, expected)
    matrix: list[tuple[str, str, str, int]] = [
        # roster
        ("admin", "GET", "/api/v1/asn?unit_id=dpmptsp", 200),
        ("auditor", "GET", "/api/v1/asn?unit_id=dpmptsp", 200),
        ("organizer", "GET", "/api/v1/asn?unit_id=dpmptsp", 200),
        ("unit-operator", "GET", "/api/v1/asn?unit_id=disdukcapil", 200),
        ("unit-operator", "GET", "/api/v1/asn?unit_id=dpmptsp", 403),
        ("unit-operator", "GET", "/api/v1/asn", 403),  # a list must name the operator's unit
        ("asn", "GET", "/api/v1/asn?unit_id=disdukcapil", 403),
        ("kiosk", "GET", "/api/v1/asn?unit_id=disdukcapil", 403),
        ("unit-operator", "GET", f"/api/v1/asn/{AYU}", 200),
        ("unit-operator", "GET", f"/api/v1/asn/{dpmptsp_person}", 403),
        ("unit-operator", "GET", f"/api/v1/asn/{IKA}/enrollments", 403),
        ("asn", "GET", f"/api/v1/asn/{AYU}", 200),
        ("asn", "GET", f"/api/v1/asn/{IKA}", 403),
        # JP: a civil servant reads their own only; unit operators their unit's
        ("asn", "GET", f"/api/v1/asn/{AYU}/jp", 200),
        ("asn", "GET", f"/api/v1/asn/{IKA}/jp", 403),
        ("unit-operator", "GET", f"/api/v1/asn/{AYU}/jp", 200),
        ("unit-operator", "GET", f"/api/v1/asn/{IKA}/jp", 403),
        ("organizer", "GET", f"/api/v1/asn/{AYU}/jp", 403),
        ("unit-operator", "GET", "/api/v1/jp/units/disdukcapil", 200),
        ("unit-operator", "GET", "/api/v1/jp/units/dpmptsp", 403),
        ("unit-operator", "GET", "/api/v1/jp/units", 403),
        ("auditor", "GET", "/api/v1/jp/units", 200),
        # changes: admin only for profiles; organizer for the catalogue; auditor reads only
        ("unit-operator", "PATCH", f"/api/v1/asn/{AYU}", 403),
        ("organizer", "PATCH", f"/api/v1/asn/{AYU}", 403),
        ("asn", "PATCH", f"/api/v1/asn/{AYU}", 403),
        ("auditor", "PATCH", f"/api/v1/asn/{AYU}", 403),
        ("auditor", "POST", "/api/v1/asn", 403),
        ("unit-operator", "POST", "/api/v1/programmes", 403),
        ("asn", "POST", "/api/v1/programmes/PLP-PRIMA/sessions", 403),
        ("any", "GET", "/api/v1/programmes", 200),
        # the audit trail: admin and auditor only
        ("admin", "GET", "/api/v1/audit", 200),
        ("auditor", "GET", "/api/v1/audit", 200),
        ("organizer", "GET", "/api/v1/audit", 403),
        ("unit-operator", "GET", "/api/v1/audit", 403),
        ("asn", "GET", "/api/v1/audit", 403),
    ]
    got = []
    for role, method, url, _expected in matrix:
        who = "organizer" if role == "any" else role
        body = {} if method in ("POST", "PATCH") else None
        got.append(await _status(client, identity, who, method, url, json=body))
    wrong = [
        (role, method, url, expected, status)
        for (role, method, url, expected), status in zip(matrix, got, strict=True)
        if status != expected
    ]
    assert wrong == []


async def test_a_civil_servant_accepts_or_declines_only_their_own_invitation(
    client: httpx.AsyncClient, identity: DevIdentity, ctx: ServiceContext[Any]
) -> None:
    session = await open_session(
        client, starts_at="2031-03-03T09:00:00+07:00", ends_at="2031-03-03T16:00:00+07:00",
        capacity=5,
    )  # fmt: skip
    [other] = await add_people(client, 1)
    own = await invite(client, session, AYU)
    theirs = await invite(client, session, other)
    ayu = identity.headers(None, "ayu.hidayati")
    url = "/api/v1/enrollments/{}/transitions"
    assert (await client.get(f"/api/v1/enrollments/{own['id']}", headers=ayu)).status_code == 200
    assert (await client.get(f"/api/v1/enrollments/{theirs['id']}", headers=ayu)).status_code == 403
    r = await client.post(url.format(theirs["id"]), json={"to": "enrolled"}, headers=ayu)
    assert r.status_code == 403, r.text
    r = await client.post(url.format(own["id"]), json={"to": "cancelled"}, headers=ayu)
    assert r.status_code == 403 and r.json()["message"].startswith("ASN hanya")
    r = await client.post(
        url.format(own["id"]),
        json={"to": "declined", "reason": "Bertugas di luar kota, NIP 199001012015031001"},
        headers=ayu,
    )
    assert r.status_code == 200, r.text

    # The audit trail: who, what (masked), when (WIB), outcome; the refusal is there too.
    trail = (
        await client.get(
            "/api/v1/audit", params={"entity_id": own["id"]}, headers=identity.headers("auditor")
        )
    ).json()["items"]
    latest = trail[0]
    assert latest["username"] == "ayu.hidayati" and latest["roles"] == ["asn"]
    assert latest["method"] == "POST"
    assert latest["route"] == "/api/v1/enrollments/{enrollment_id}/transitions"
    assert latest["outcome"] == "ok" and latest["summary"]["to"] == "declined"
    assert latest["summary"]["reason"] == "***"
    assert latest["at"].endswith("+07:00")
    assert [e["outcome"] for e in trail[:2]] == ["ok", "refused"]
    assert trail[1]["status"] == 403
    invited = [e for e in trail if e["route"] == "/api/v1/sessions/{session_id}/enrollments"]
    assert invited == []  # the invitation names the session, not the enrollment
    by_admin = (
        await client.get(
            "/api/v1/audit",
            params={"route": "/api/v1/sessions/{session_id}/enrollments", "limit": 5},
            headers=identity.headers("auditor"),
        )
    ).json()["items"]
    assert by_admin[0]["username"] == "admin.bkpsdm"
    assert (
        by_admin[0]["summary"]["nip"].startswith(other[:4]) and "*" in by_admin[0]["summary"]["nip"]
    )

    # Append-only: no route changes it, and the database refuses UPDATE and DELETE.
    assert (await client.delete("/api/v1/audit")).status_code == 405
    conn = await asyncpg.connect(ctx.database_dsn)
    try:
        for sql in ("UPDATE audit_log SET outcome = 'ok'", "DELETE FROM audit_log"):
            with pytest.raises(asyncpg.RaiseError, match="append-only"):
                await conn.execute(sql)
    finally:
        await conn.close()


async def test_a_civil_servant_downloads_their_own_data_and_nobody_elses(
    client: httpx.AsyncClient, identity: DevIdentity
) -> None:
    ayu = identity.headers(None, "ayu.hidayati")
    r = await client.get(f"/api/v1/asn/{AYU}/export", headers=ayu)
    assert r.status_code == 200, r.text
    assert r.headers["content-disposition"].startswith("attachment")
    data = r.json()
    assert data["profile"]["nip"] == AYU
    assert {"enrollments", "jp", "recommendations", "exported_at"} <= set(data)
    assert all("year" in y for y in data["jp"])
    assert (await client.get(f"/api/v1/asn/{IKA}/export", headers=ayu)).status_code == 403
    operator = identity.headers("unit-operator")
    assert (await client.get(f"/api/v1/asn/{AYU}/export", headers=operator)).status_code == 403
    assert (await client.get(f"/api/v1/asn/{AYU}/export")).status_code == 200  # admin
