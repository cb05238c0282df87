"""Hostile input to the enrollment API: each class the fuzzer found is a 4xx naming the field, and
nothing is stored."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.integration.enrollment.conftest import new_nip, open_session, person

pytestmark = pytest.mark.integration

HUGE = str(2**70)  # beyond a 64-bit integer
HEADER = "nip,name,unit_id,bidang,position,position_type,rank,supervisor_nip"


def _fields(r: httpx.Response) -> dict[str, str]:
    body = r.json()
    assert body["error"] == "validation_failed", body
    return {f["field"]: f["problem"] for f in body["fields"]}


@pytest.mark.parametrize("path", ["/api/v1/asn", "/api/v1/sessions"])
@pytest.mark.parametrize(
    ("name", "value"), [("offset", HUGE), ("limit", HUGE), ("offset", "1000001"), ("limit", "0")]
)
async def test_paging_beyond_the_bounds_is_refused_naming_the_parameter(
    client: httpx.AsyncClient, path: str, name: str, value: str
) -> None:
    r = await client.get(path, params={name: value})
    assert r.status_code == 422, r.text
    assert list(_fields(r)) == [f"query.{name}"]


async def test_paging_within_the_bounds_works(client: httpx.AsyncClient) -> None:
    for path in ("/api/v1/asn", "/api/v1/sessions"):
        r = await client.get(path, params={"offset": "1000000", "limit": "1000"})
        assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    "when", ["0248-01-01T00:00:00+07:00", "3059-06-30T12:00:00Z", "1999-12-31T23:59:59+07:00"]
)
@pytest.mark.parametrize("name", ["starts_from", "starts_before"])
async def test_session_filters_far_outside_any_sensible_range_are_refused(
    client: httpx.AsyncClient, name: str, when: str
) -> None:
    r = await client.get("/api/v1/sessions", params={name: when})
    assert r.status_code == 422, r.text
    problems = _fields(r)
    assert list(problems) == [f"query.{name}"] and "2000" in problems[f"query.{name}"]


async def test_a_session_in_the_year_3059_is_refused_and_not_stored(
    client: httpx.AsyncClient,
) -> None:
    before = len((await client.get("/api/v1/sessions", params={"limit": 500})).json())
    r = await client.post(
        "/api/v1/programmes/PLP-PRIMA/sessions",
        json={
            "starts_at": "3059-01-01T09:00:00+07:00",
            "ends_at": "3059-01-01T16:00:00+07:00",
            "capacity": 10,
        },
    )
    assert r.status_code == 422 and set(_fields(r)) == {"starts_at", "ends_at"}
    after = len((await client.get("/api/v1/sessions", params={"limit": 500})).json())
    assert after == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Budi\x00Santoso"),
        ("name", "Budi \ud83d"),
        ("position", "Staf\x07"),
        ("rank", "II/c\x00"),
    ],
)
async def test_roster_text_with_control_characters_or_lone_surrogates_is_refused(
    client: httpx.AsyncClient, field: str, value: str
) -> None:
    nip = new_nip()
    r = await client.post(
        "/api/v1/asn",
        content=json.dumps(person(nip, **{field: value})).encode(),
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 422, r.text
    assert list(_fields(r)) == [field]
    assert (await client.get(f"/api/v1/asn/{nip}")).status_code == 404


async def test_a_patch_with_a_nul_changes_nothing(client: httpx.AsyncClient) -> None:
    nip = new_nip()
    assert (await client.post("/api/v1/asn", json=person(nip))).status_code == 201
    r = await client.patch(f"/api/v1/asn/{nip}", json={"name": "X\x00", "position": "Kepala"})
    assert r.status_code == 422 and list(_fields(r)) == ["name"]
    assert (await client.get(f"/api/v1/asn/{nip}")).json()["position"] == person(nip)["position"]


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        b"\xff\xfe" + "nip,name".encode("utf-16-le"),
        b"\x00" * 1000,
        (HEADER + "\n").encode() + b"\xc3\x28,\xa0\xa1\n",
    ],
)
async def test_a_binary_csv_is_refused_whole(client: httpx.AsyncClient, content: bytes) -> None:
    r = await client.post(
        "/api/v1/asn/import", content=content, headers={"content-type": "text/csv"}
    )
    assert r.status_code == 422, r.text
    assert list(_fields(r)) == ["file"]


async def test_a_csv_row_with_a_nul_is_a_bad_row(client: httpx.AsyncClient) -> None:
    nip = new_nip()
    row = ",".join(
        [
            nip,
            "Budi\x00",
            "disdukcapil",
            "administrasi_kependudukan",
            "Staf",
            "pelaksana",
            "II/c",
            "",
        ]
    )
    r = await client.post(
        "/api/v1/asn/import",
        content=f"{HEADER}\n{row}\n".encode(),
        headers={"content-type": "text/csv"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["imported"] == 0 and body["rejected"] == 1
    assert body["bad_rows"][0]["problems"][0]["column"] == "name"


async def test_a_multipart_upload_without_a_file_or_garbled_is_4xx(
    client: httpx.AsyncClient,
) -> None:
    r = await client.post(
        "/api/v1/asn/import",
        content=b"--x\r\nContent-Disposition: form-data; name=other\r\n\r\nhi\r\n--x--\r\n",
        headers={"content-type": "multipart/form-data; boundary=x"},
    )
    assert r.status_code == 422 and list(_fields(r)) == ["file"]
    r = await client.post(
        "/api/v1/asn/import",
        content=b"\x00\xff garbage",
        headers={"content-type": "multipart/form-data; boundary=\x00"},
    )
    assert 400 <= r.status_code < 500


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/asn/19850412%002010011001",
        "/api/v1/asn/" + "9" * 300,
        "/api/v1/asn/%ED%A0%80/jp",
        "/api/v1/sessions/not-a-uuid",
        "/api/v1/sessions/00000000-0000-0000-0000-00000000000%00",
        "/api/v1/programmes/PLP%00PRIMA",
        "/api/v1/programmes/" + "X" * 100,
        "/api/v1/enrollments/%FF%FE",
        "/api/v1/jp/units/a%00b",
    ],
)
async def test_odd_path_parameters_are_4xx(client: httpx.AsyncClient, path: str) -> None:
    r = await client.get(path)
    assert 400 <= r.status_code < 500, (path, r.status_code, r.text)


@pytest.mark.parametrize(
    "body",
    [
        {"to": "completed", "score": 2**70},
        {"to": "completed", "score": 101},
        {"to": "completed", "score": 90, "completed_at": "0248-01-01T00:00:00+07:00"},
        {"to": "declined", "reason": "tidak bisa\x00"},
    ],
)
async def test_transition_bodies_out_of_bounds_are_refused(
    client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    nip = new_nip()
    assert (await client.post("/api/v1/asn", json=person(nip))).status_code == 201
    session = await open_session(
        client,
        starts_at="2026-12-01T09:00:00+07:00",
        ends_at="2026-12-01T16:00:00+07:00",
        capacity=5,
    )
    r = await client.post(f"/api/v1/sessions/{session}/enrollments", json={"nip": nip})
    assert r.status_code == 201, r.text
    enrollment = r.json()["id"]
    r = await client.post(f"/api/v1/enrollments/{enrollment}/transitions", json=body)
    assert r.status_code == 422, r.text
    assert set(_fields(r)) & {"score", "completed_at", "reason"}
    assert (await client.get(f"/api/v1/enrollments/{enrollment}")).json()["status"] == "invited"


@pytest.mark.parametrize(
    "body",
    [
        {"jp": 2**70},
        {"default_capacity": 2**63},
        {"title": "Judul\x00"},
        {"competencies": ["manajerial.komunikasi\x00"]},
    ],
)
async def test_programme_patches_out_of_bounds_are_refused(
    client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    before = (await client.get("/api/v1/programmes/PLP-PRIMA")).json()
    r = await client.patch("/api/v1/programmes/PLP-PRIMA", json=body)
    assert r.status_code == 422, r.text
    assert next(iter(_fields(r))).split(".")[0] in body
    assert (await client.get("/api/v1/programmes/PLP-PRIMA")).json() == before


async def test_a_huge_json_body_is_413_and_a_large_roster_csv_still_fits(
    client: httpx.AsyncClient,
) -> None:
    # Enrollment's ceiling is the roster CSV limit (5 MB) plus room for the multipart wrapping.
    huge = b'{"nip": "' + b"1" * (6 * 1024 * 1024) + b'"}'
    r = await client.post("/api/v1/asn", content=huge, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"] == "body_too_large"
    csv = (HEADER + "\n").encode() + b"x" * (2 * 1024 * 1024)  # over 1 MiB, under the CSV limit
    r = await client.post("/api/v1/asn/import", content=csv, headers={"content-type": "text/csv"})
    assert r.status_code in (200, 422) and r.status_code != 413


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"nip=1&name=x", "application/x-www-form-urlencoded"),
        (b"<asn><nip>1</nip></asn>", "application/xml"),
        (b"\xff\xfe\xfd", "application/json"),
        (b'{"nip": ', "application/json"),
        (b"[]", "application/json"),
        (b"", "application/json"),
        (b'{"nip": "1"}', "text/plain"),
    ],
)
async def test_malformed_bodies_and_wrong_content_types_are_4xx(
    client: httpx.AsyncClient, content: bytes, content_type: str
) -> None:
    for method, path in (
        ("POST", "/api/v1/asn"),
        ("POST", "/api/v1/programmes"),
        ("PATCH", "/api/v1/programmes/PLP-PRIMA"),
        ("POST", "/api/v1/programmes/PLP-PRIMA/sessions"),
    ):
        r = await client.request(
            method, path, content=content, headers={"content-type": content_type}
        )
        assert 400 <= r.status_code < 500, (method, path, r.status_code, r.text)


async def test_deeply_nested_json_is_a_4xx(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/v1/asn",
        content=b'{"nip": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        headers={"content-type": "application/json"},
    )
    assert 400 <= r.status_code < 500
