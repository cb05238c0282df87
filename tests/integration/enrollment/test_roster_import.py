import logging

import asyncpg
import pytest

from tests.integration.enrollment.conftest import (
    add_people,
    invite,
    new_nip,
    open_session,
    transition,
)

pytestmark = pytest.mark.integration

HEADER = "nip,name,unit_id,bidang,position,position_type,rank,supervisor_nip"


async def _profile_events(ctx, nips):
    conn = await asyncpg.connect(ctx.database_dsn)
    try:
        return await conn.fetchval(
            "SELECT count(*) FROM outbox WHERE topic = 'asn.enrollment.asn-profile-changed.v1'"
            " AND convert_from(key, 'UTF8') = ANY($1::text[])",
            nips,
        )
    finally:
        await conn.close()


async def test_csv_import_reports_bad_rows_by_line_and_imports_the_good_ones(ctx, client):
    head, staff, other = new_nip(), new_nip(), new_nip()
    csv_text = "\n".join(
        [
            HEADER,
            f"{head},Siti Rahmawati,disdukcapil,administrasi_kependudukan,Kepala Seksi,struktural,III/d,",
            f"{staff},Budi Santoso,disdukcapil,administrasi_kependudukan,Operator SIAK,pelaksana,ii/c,{head}",
            # line 4: NIP with a month 13 appointment; line 5: unknown rank; line 6: too few columns
            "198504122010131001,Salah Bulan,disdukcapil,administrasi_kependudukan,Staf,pelaksana,II/a,",
            f"{other},Rank Salah,disdukcapil,administrasi_kependudukan,Staf,pelaksana,V/a,",
            "199001012015031001,Kurang Kolom",
            "",
            f"{staff},Budi Lagi,disdukcapil,administrasi_kependudukan,Staf,pelaksana,II/a,",
        ]
    )
    r = await client.post(
        "/api/v1/asn/import", files={"file": ("roster.csv", csv_text.encode(), "text/csv")}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["imported"], body["created"], body["rejected"]) == (2, 2, 4)
    lines = {row["line"]: row for row in body["bad_rows"]}
    assert sorted(lines) == [4, 5, 6, 8]
    assert lines[4]["problems"][0]["column"] == "nip"
    assert "bulan" in lines[4]["problems"][0]["reason"]
    assert lines[5]["problems"][0]["column"] == "rank"
    assert lines[6]["problems"][0]["column"] is None
    assert "duplikat" in lines[8]["problems"][0]["reason"]
    assert "198504122010131001" not in r.text  # reasons never echo a NIP

    got = (await client.get(f"/api/v1/asn/{staff}")).json()
    assert (got["rank"], got["supervisor_nip"]) == ("II/c", head)
    assert (await client.get(f"/api/v1/asn/{other}")).status_code == 404
    assert await _profile_events(ctx, [head, staff]) == 2

    # The same file again (as a raw text/csv body): nothing changes, nothing is published.
    again = await client.post(
        "/api/v1/asn/import", content=csv_text.encode(), headers={"content-type": "text/csv"}
    )
    assert again.status_code == 200
    assert (again.json()["created"], again.json()["updated"], again.json()["unchanged"]) == (
        0,
        0,
        2,
    )
    assert await _profile_events(ctx, [head, staff]) == 2

    # A changed row updates the profile and publishes once more for that NIP only.
    changed = csv_text.replace("Operator SIAK", "Verifikator Data")
    r = await client.post(
        "/api/v1/asn/import", content=changed, headers={"content-type": "text/csv"}
    )
    assert (r.json()["updated"], r.json()["unchanged"]) == (1, 1)
    assert await _profile_events(ctx, [staff]) == 2


async def test_a_file_that_is_not_a_roster_is_refused_whole(client):
    r = await client.post(
        "/api/v1/asn/import", content=b"nama,unit\nBudi,x\n", headers={"content-type": "text/csv"}
    )
    assert r.status_code == 422
    [problem] = r.json()["fields"]
    assert problem["field"] == "file" and "header" in problem["problem"]


async def test_roster_crud_validates_and_publishes(ctx, client):
    nip = new_nip()
    bad = await client.post("/api/v1/asn", json={"nip": "1234", "name": "X"})
    assert bad.status_code == 422
    assert {f["field"] for f in bad.json()["fields"]} >= {"nip", "unit_id", "rank"}
    body = {
        "nip": nip,
        "name": "Rina Susanti",
        "unit_id": "dinkes",
        "bidang": "kesehatan",
        "position": "Perawat Ahli Pertama",
        "position_type": "Fungsional",
        "rank": "III/a",
    }
    assert (await client.post("/api/v1/asn", json=body)).status_code == 201
    assert (await client.post("/api/v1/asn", json=body)).status_code == 409
    r = await client.patch(f"/api/v1/asn/{nip}", json={"rank": "III/b"})
    assert r.json()["rank"] == "III/b"
    r = await client.patch(f"/api/v1/asn/{nip}", json={"rank": "IX/z"})
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "rank"
    r = await client.delete(f"/api/v1/asn/{nip}")
    assert r.json()["active"] is False
    assert await _profile_events(ctx, [nip]) == 3  # created, updated, deactivated


async def test_access_log_lines_never_carry_a_whole_nip(client, caplog):
    nip = new_nip()
    access = logging.getLogger("uvicorn.access")
    # uvicorn's own logging config makes this logger not propagate (another test of the session
    # may have applied it), so caplog listens on the logger itself
    access.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.INFO, logger="uvicorn.access"):
            # The line uvicorn writes for GET /api/v1/asn/{nip} (the filter is on that logger).
            access.info(
                '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", f"/api/v1/asn/{nip}", "1.1", 200
            )
    finally:
        access.removeHandler(caplog.handler)
    assert nip not in caplog.text
    assert f"{nip[:4]}***********{nip[-3:]}" in caplog.text


async def test_an_inactive_person_cannot_take_a_seat(client):
    [nip] = await add_people(client, 1)
    session_id = await open_session(
        client,
        starts_at="2027-09-06T08:00:00+07:00",
        ends_at="2027-09-06T12:00:00+07:00",
        capacity=5,
    )
    enrollment = await invite(client, session_id, nip)
    assert (await client.delete(f"/api/v1/asn/{nip}")).status_code == 200
    r = await transition(client, enrollment["id"], to="enrolled")
    assert r.status_code == 409 and r.json()["error"] == "asn_inactive"
    r = await client.post(f"/api/v1/sessions/{session_id}/enrollments", json={"nip": nip})
    assert r.status_code == 409 and r.json()["error"] == "asn_inactive"
