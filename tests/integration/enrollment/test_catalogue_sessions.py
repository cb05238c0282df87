"""Catalogue and sessions over HTTP: validation, seeds, capacity changes that move the waitlist."""

import asyncpg
import pytest

from asn_enrollment.seed import seed
from tests.integration.enrollment.conftest import add_people, invite, open_session

pytestmark = pytest.mark.integration


async def test_the_tangerang_selatan_catalogue_is_seeded_with_benefits(client):
    programmes = {p["code"]: p for p in (await client.get("/api/v1/programmes")).json()}
    assert {"PLP-PRIMA", "ADMINDUK", "MANKES", "PKP", "WAWASAN"} <= set(programmes)
    admin = programmes["ADMINDUK"]
    assert (admin["jp"], admin["target_fields"], admin["kind"]) == (
        32,
        ["administrasi_kependudukan"],
        "teknis",
    )
    assert admin["benefit_id"].startswith("Menguasai")
    for_health = (await client.get("/api/v1/programmes", params={"bidang": "kesehatan"})).json()
    codes = {p["code"] for p in for_health}
    assert "MANKES" in codes and "ADMINDUK" not in codes and "PLP-PRIMA" in codes


async def test_seeding_again_adds_and_publishes_nothing(ctx):
    conn = await asyncpg.connect(ctx.database_dsn)
    try:
        before = await conn.fetchval("SELECT count(*) FROM outbox")
        people = await conn.fetchval("SELECT count(*) FROM civil_servants")
        await seed(ctx)  # what a second instance (or a restart) does at start
        assert await conn.fetchval("SELECT count(*) FROM outbox") == before
        assert await conn.fetchval("SELECT count(*) FROM civil_servants") == people
        seeded = await conn.fetchval(
            "SELECT count(DISTINCT key) FROM outbox"
            " WHERE topic = 'asn.enrollment.asn-profile-changed.v1'"
        )
        assert seeded >= 148  # the synthetic roster, published once at the first start
    finally:
        await conn.close()


async def test_programme_management_and_validation(client):
    body = {
        "code": "UJI-SIAK",
        "title": "Bimtek SIAK Terpusat",
        "kind": "bimtek",
        "competencies": ["teknis.administrasi_kependudukan"],
        "target_fields": ["administrasi_kependudukan"],
        "jp": 12,
        "benefit_id": "Input data penduduk lebih cepat dan tepat.",
        "benefit_en": "Enter population data faster and correctly.",
        "default_capacity": 20,
    }
    assert (await client.post("/api/v1/programmes", json=body)).status_code == 201
    assert (await client.post("/api/v1/programmes", json=body)).status_code == 409
    bad = await client.post(
        "/api/v1/programmes",
        json={**body, "code": "uji kecil", "competencies": ["teknis.SIAK Baru"], "jp": 0},
    )
    assert bad.status_code == 422
    assert {f["field"] for f in bad.json()["fields"]} == {"code", "competencies", "jp"}

    r = await client.patch("/api/v1/programmes/UJI-SIAK", json={"jp": 14, "active": False})
    assert (r.json()["jp"], r.json()["active"]) == (14, False)
    closed = await client.post(
        "/api/v1/programmes/UJI-SIAK/sessions",
        json={
            "starts_at": "2027-07-01T08:00:00+07:00",
            "ends_at": "2027-07-01T12:00:00+07:00",
            "place": "Aula",
        },
    )
    assert closed.status_code == 409 and closed.json()["error"] == "programme_inactive"
    assert (await client.get("/api/v1/programmes/TIDAK-ADA")).status_code == 404

    # A null for a yes/no field is a 422 naming it, and changes nothing (the fuzzer found a 500).
    null = await client.patch("/api/v1/programmes/UJI-SIAK", json={"active": None, "jp": 20})
    assert null.status_code == 422
    assert [f["field"] for f in null.json()["fields"]] == ["active"]
    assert (await client.get("/api/v1/programmes/UJI-SIAK")).json()["jp"] == 14


async def test_session_validation_points_at_fields(client):
    def session(**fields):
        return {
            "starts_at": "2027-07-01T08:00:00+07:00",
            "ends_at": "2027-07-01T12:00:00+07:00",
            "place": "Aula",
            **fields,
        }

    # A seminar must name its speakers and their topics.
    r = await client.post("/api/v1/programmes/INTEGRITAS/sessions", json=session())
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "speakers"
    r = await client.post(
        "/api/v1/programmes/INTEGRITAS/sessions",
        json=session(
            speakers=[{"name": "Dr. Rina, KPK", "topic": "Gratifikasi dalam pelayanan"}],
            online_url="https://zoom.example/j/9",
            starts_at="2027-07-01T01:00:00Z",  # stored and shown in WIB
            ends_at="2027-07-01T05:00:00Z",
        ),
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert (created["starts_at"], created["mode"], created["capacity"]) == (
        "2027-07-01T08:00:00+07:00",
        "hybrid",
        100,
    )
    assert created["speakers"][0]["topic"] == "Gratifikasi dalam pelayanan"

    r = await client.post(
        "/api/v1/programmes/PLP-PRIMA/sessions",
        json=session(starts_at="2027-07-01T08:00:00", ends_at="2027-07-01T07:00:00+07:00"),
    )
    assert r.status_code == 422
    assert {f["field"] for f in r.json()["fields"]} == {"starts_at"}
    r = await client.post(
        "/api/v1/programmes/PLP-PRIMA/sessions", json=session(place=None, capacity=0)
    )
    assert r.status_code == 422


async def test_more_seats_promote_the_waitlist_in_order(client):
    session_id = await open_session(
        client,
        starts_at="2027-08-02T08:00:00+07:00",
        ends_at="2027-08-02T16:00:00+07:00",
        capacity=1,
    )
    nips = await add_people(client, 4)
    placed = [await invite(client, session_id, nip, accept=True) for nip in nips]
    assert [p["status"] for p in placed] == ["enrolled", "waitlisted", "waitlisted", "waitlisted"]
    r = await client.patch(f"/api/v1/sessions/{session_id}", json={"capacity": 3})
    assert r.status_code == 200
    assert r.json()["promoted"] == [placed[1]["id"], placed[2]["id"]]
    assert r.json()["seats"] == {"taken": 3, "free": 0, "waitlisted": 1, "invited": 0}
    r = await client.patch(f"/api/v1/sessions/{session_id}", json={"starts_at": "2027-08-03"})
    assert r.status_code == 422  # times are not changed once people may hold them


async def test_a_roster_unit_id_must_fit_the_event_contract(client):
    csv_text = (
        "nip,name,unit_id,bidang,position,position_type,rank,supervisor_nip\n"
        "198504122010011001,Budi,Dinas Dukcapil,administrasi_kependudukan,Staf,pelaksana,II/a,\n"
    )
    r = await client.post(
        "/api/v1/asn/import", content=csv_text, headers={"content-type": "text/csv"}
    )
    assert r.status_code == 200
    [bad] = r.json()["bad_rows"]
    assert (bad["line"], bad["problems"][0]["column"]) == (2, "unit_id")
