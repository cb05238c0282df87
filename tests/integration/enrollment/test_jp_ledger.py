"""The JP ledger after completions: per person, per unit, the 20 JP minimum, year boundaries."""

import json
import uuid

import asyncpg
import pytest

from tests.integration.enrollment.conftest import add_people, invite, open_session, transition

pytestmark = pytest.mark.integration


async def _complete(client, session_id: str, nip: str, score: int, completed_at: str | None = None):
    enrollment = await invite(client, session_id, nip, accept=True)
    assert (await transition(client, enrollment["id"], to="attended")).status_code == 200
    body = {"to": "completed", "score": score}
    if completed_at:
        body["completed_at"] = completed_at
    r = await transition(client, enrollment["id"], **body)
    assert r.status_code == 200, r.text
    return enrollment["id"]


async def test_jp_ledger_counts_completions_per_person_year_and_unit(ctx, client):
    unit = f"uji-{uuid.uuid4().hex[:8]}"
    alice, budi, citra = await add_people(client, 3, unit_id=unit)
    # PLP-PRIMA is 24 JP, KOMUNIKASI 8 JP (asn_platform.tangsel).
    prima = await open_session(
        client,
        starts_at="2026-03-02T08:00:00+07:00",
        ends_at="2026-03-04T16:00:00+07:00",
        capacity=30,
    )
    kom = await open_session(
        client,
        starts_at="2026-05-11T08:00:00+07:00",
        ends_at="2026-05-11T16:00:00+07:00",
        capacity=15,
        code="KOMUNIKASI",
    )
    # A session on new year's eve, completed at 00:30 WIB on 1 January (17:30 UTC the day
    # before): the completion counts in the Jakarta year, 2026, not 2025.
    eve = await open_session(
        client,
        starts_at="2025-12-31T19:00:00+07:00",
        ends_at="2025-12-31T23:30:00+07:00",
        capacity=15,
        code="KOMUNIKASI",
    )
    first = await _complete(client, prima, alice, 88)
    await _complete(client, kom, budi, 75)
    await _complete(client, eve, budi, 80, completed_at="2025-12-31T17:30:00Z")
    # citra was enrolled but did not come: no JP.
    enrolled = await invite(client, kom, citra, accept=True)
    assert (await transition(client, enrolled["id"], to="no_show")).status_code == 200

    a = (await client.get(f"/api/v1/asn/{alice}/jp", params={"year": 2026})).json()
    assert (a["jp"], a["shortfall"], a["compliant"]) == (24, 0, True)
    assert a["entries"][0]["programme_code"] == "PLP-PRIMA"
    b = (await client.get(f"/api/v1/asn/{budi}/jp", params={"year": 2026})).json()
    assert (b["jp"], b["shortfall"], b["compliant"]) == (16, 4, False)
    assert b["entries"][0]["completed_at"] == "2026-01-01T00:30:00+07:00"
    assert (await client.get(f"/api/v1/asn/{budi}/jp", params={"year": 2025})).json()["jp"] == 0

    detail = (await client.get(f"/api/v1/jp/units/{unit}", params={"year": 2026})).json()
    assert (detail["headcount"], detail["compliant"], detail["below_minimum"]) == (3, 1, 2)
    assert [(p["nip"], p["jp"], p["shortfall"]) for p in detail["below"]] == [
        (citra, 0, 20),
        (budi, 16, 4),
    ]
    assert detail["percent_compliant"] == 33.3
    summary = (await client.get("/api/v1/jp/units", params={"year": 2026})).json()
    [mine] = [u for u in summary if u["unit_id"] == unit]
    assert (mine["headcount"], mine["below_minimum"], mine["compliant"]) == (3, 2, 1)
    assert (await client.get("/api/v1/jp/units/tidak-ada")).status_code == 404

    # Completion was published with the programme's competencies and the JP credited.
    conn = await asyncpg.connect(ctx.database_dsn)
    try:
        raw = await conn.fetchval(
            "SELECT convert_from(value, 'UTF8') FROM outbox"
            " WHERE topic = 'asn.enrollment.training-completed.v1'"
            " AND convert_from(value, 'UTF8')::jsonb ->> 'enrollment_id' = $1",
            first,
        )
    finally:
        await conn.close()
    body = json.loads(raw)
    assert (body["nip"], body["unit_id"], body["jp_credited"], body["score"]) == (
        alice,
        unit,
        24,
        88,
    )
    assert body["competencies"] == [
        "manajerial.pelayanan_publik",
        "manajerial.komunikasi",
        "manajerial.integritas",
    ]
    assert body["completed_at"].endswith("+07:00")


async def test_completed_at_must_be_within_the_session_and_not_future(client):
    [nip] = await add_people(client, 1)
    session = await open_session(
        client,
        starts_at="2026-02-02T08:00:00+07:00",
        ends_at="2026-02-02T12:00:00+07:00",
        capacity=5,
    )
    enrollment = await invite(client, session, nip, accept=True)
    await transition(client, enrollment["id"], to="attended")
    r = await transition(
        client, enrollment["id"], to="completed", score=70, completed_at="2026-02-01T08:00:00+07:00"
    )
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "completed_at"
    r = await transition(
        client, enrollment["id"], to="completed", score=70, completed_at="2999-01-01T08:00:00+07:00"
    )
    assert r.status_code == 422
