"""Hostile input to the surveys API: each class the fuzzer found is a 4xx naming the field, and
nothing is stored."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.integration.surveys.conftest import Surveys
from tests.integration.surveys.helpers import create_unit, new_ip, payload

pytestmark = pytest.mark.integration


def _fields(r: httpx.Response) -> dict[str, str]:
    body = r.json()
    assert body["error"] == "validation_failed", body
    return {f["field"]: f["problem"] for f in body["fields"]}


def _unit_body(unit_id: str, **overrides: object) -> dict[str, object]:
    return {
        "unit_id": unit_id,
        "name": "Unit Uji",
        "bidang": "kesehatan",
        "served_per_month": 10,
        "services": ["Layanan A"],
        **overrides,
    }


def _raw_json(body: dict[str, object]) -> bytes:
    # json.dumps escapes a lone surrogate as \udXXX, as a hostile client would send it.
    return json.dumps(body).encode()


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("name", "Puskesmas\x00Setu", "NUL"),
        ("name", "Puskesmas \ud800 Setu", "surrogate"),
        ("name", "Puskesmas\x1bSetu", "U+001B"),
        ("district", "Setu\x00", "NUL"),
    ],
)
async def test_unit_text_with_nul_or_lone_surrogate_is_refused(
    surveys: Surveys, field: str, value: str, expected: str
) -> None:
    unit_id = f"hostile-{field}-{expected}".lower().replace("+", "")
    r = await surveys.client.post(
        "/api/v1/units",
        content=_raw_json(_unit_body(unit_id, **{field: value})),
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 422, r.text
    problems = _fields(r)
    assert list(problems) == [field] and expected in problems[field]
    assert await surveys.db.fetchval("SELECT count(*) FROM units WHERE unit_id = $1", unit_id) == 0


async def test_service_names_are_checked_too(surveys: Surveys) -> None:
    r = await surveys.client.post(
        "/api/v1/units",
        content=_raw_json(_unit_body("hostile-services", services=["A", "B\x00"])),
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 422 and list(_fields(r)) == ["services.1"]


async def test_unit_names_are_nfc_normalised(surveys: Surveys) -> None:
    unit = await create_unit(surveys.client, name="Kantor Cafe\u0301")  # e + combining accent
    stored = await surveys.db.fetchval("SELECT name FROM units WHERE unit_id = $1", unit)
    assert stored == "Kantor Caf\u00e9"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("service", "Layanan\x00A"),
        ("service", "Layanan \udc00"),
        ("client_ref", "kiosk\x00-1"),
        ("comment", "bagus\x00"),
    ],
)
async def test_response_text_with_nul_or_lone_surrogate_is_refused(
    surveys: Surveys, field: str, value: str
) -> None:
    unit = await create_unit(surveys.client)
    r = await surveys.client.post(
        "/api/v1/responses",
        content=_raw_json(payload(unit, **{field: value})),
        headers={"content-type": "application/json", "X-Forwarded-For": new_ip()},
    )
    assert r.status_code == 422, r.text
    assert list(_fields(r)) == [field]
    assert await surveys.db.fetchval("SELECT count(*) FROM responses WHERE unit_id = $1", unit) == 0


async def test_a_comment_may_hold_line_breaks(surveys: Surveys) -> None:
    unit = await create_unit(surveys.client)
    r = await surveys.client.post(
        "/api/v1/responses",
        json=payload(unit, comment="Antrean lama.\nPetugas ramah.\tTerima kasih"),
        headers={"X-Forwarded-For": new_ip()},
    )
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("when", ["0248-03-14T09:30:00+07:00", "1999-12-31T23:00:00+07:00"])
async def test_a_submission_time_far_in_the_past_is_refused(surveys: Surveys, when: str) -> None:
    unit = await create_unit(surveys.client)
    r = await surveys.client.post(
        "/api/v1/responses",
        json=payload(unit, submitted_at=when),
        headers={"X-Forwarded-For": new_ip()},
    )
    assert r.status_code == 422 and list(_fields(r)) == ["submitted_at"]


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"\xff\xfe\x00garbage", "application/json"),
        (b"not json", "application/json"),
        (b'{"unit_id": ', "application/json"),
        (b"unit_id=x&service=y", "application/x-www-form-urlencoded"),
        (b"[1, 2, 3]", "application/json"),
        (b"NaN", "application/json"),
    ],
)
async def test_malformed_bodies_are_4xx(
    surveys: Surveys, content: bytes, content_type: str
) -> None:
    for path in ("/api/v1/responses", "/api/v1/units"):
        r = await surveys.client.post(
            path,
            content=content,
            headers={"content-type": content_type, "X-Forwarded-For": new_ip()},
        )
        assert 400 <= r.status_code < 500, (path, r.status_code, r.text)


async def test_a_huge_body_is_refused_unread(surveys: Surveys) -> None:
    r = await surveys.client.post(
        "/api/v1/responses",
        content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
        headers={"content-type": "application/json", "X-Forwarded-For": new_ip()},
    )
    assert r.status_code == 413


async def test_a_weight_with_a_huge_exponent_is_refused_at_once(surveys: Surveys) -> None:
    weights = {f"U{i}": "1/9" for i in range(1, 10)}
    weights["U1"] = "1e999999999"
    started = time.monotonic()
    r = await surveys.client.post(
        "/api/v1/units", json=_unit_body("hostile-weights", weights=weights)
    )
    assert r.status_code == 422 and "weights.U1" in _fields(r)
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("unit_path", ["bad%00id", "x" * 300, "%ED%A0%80"])
async def test_odd_unit_ids_in_paths_are_4xx(surveys: Surveys, unit_path: str) -> None:
    for path in (
        f"/api/v1/units/{unit_path}",
        f"/api/v1/units/{unit_path}/questionnaire",
        f"/api/v1/ikm/units/{unit_path}",
        f"/s/{unit_path}",
        f"/s/{unit_path}/qr.svg",
    ):
        r = await surveys.client.get(path)
        assert 400 <= r.status_code < 500, (path, r.status_code)


async def test_query_text_with_nul_is_refused(surveys: Surveys) -> None:
    r = await surveys.client.get("/api/v1/gaps", params={"unit_id": "a\x00b"})
    assert r.status_code == 422 and list(_fields(r)) == ["query.unit_id"]
    r = await surveys.client.get("/api/v1/ikm/units/disdukcapil", params={"service": "\x00"})
    assert r.status_code == 422 and list(_fields(r)) == ["query.service"]


async def test_public_form_with_nul_or_invalid_utf8_is_a_form_error(surveys: Surveys) -> None:
    unit = await create_unit(surveys.client)
    fields = {
        "client_ref": f"{unit}-web-1",
        "service": "Layanan A",
        **{f"U{i}": "3" for i in range(1, 10)},
        "sex": "L",
        "age": "41",
        "education": "SMA",
        "occupation": "Wirausaha",
    }
    headers = {"X-Forwarded-For": new_ip()}
    r = await surveys.client.post(
        f"/s/{unit}", data={**fields, "comment": "bagus\x00sekali"}, headers=headers
    )
    assert r.status_code == 422 and 'id="err-comment"' in r.text
    r = await surveys.client.post(
        f"/s/{unit}",
        content=b"service=Layanan%FF%FEA&"
        + b"&".join(f"{k}={v}".encode() for k, v in fields.items() if k != "service"),
        headers={**headers, "content-type": "application/x-www-form-urlencoded"},
    )
    assert 200 <= r.status_code < 500 and r.status_code != 500
    r = await surveys.client.post(
        f"/s/{unit}", content=b"\x00\xff" * 100, headers={**headers, "content-type": "text/plain"}
    )
    assert r.status_code == 422
    assert (
        await surveys.db.fetchval(
            "SELECT count(*) FROM responses WHERE unit_id = $1 AND comment LIKE '%sekali%'", unit
        )
        == 0
    )


async def test_deeply_nested_json_is_a_4xx(surveys: Surveys) -> None:
    for path in ("/api/v1/responses", "/api/v1/units"):
        r = await surveys.client.post(
            path,
            content=b"[" * 50_000 + b"]" * 50_000,
            headers={"content-type": "application/json", "X-Forwarded-For": new_ip()},
        )
        assert 400 <= r.status_code < 500, (path, r.status_code)


@pytest.mark.parametrize(
    "period", ["0000-Y", "9999-M12", "0248-Q1", "2026-M13", "2026-M0", "-1-Y", "2026-Q9", "\x00"]
)
async def test_odd_periods_are_4xx(surveys: Surveys, period: str) -> None:
    for path in (
        "/api/v1/ikm/units/disdukcapil",
        "/api/v1/ikm/city",
        "/api/v1/gaps",
        "/api/v1/reports/units/disdukcapil",
    ):
        r = await surveys.client.get(path, params={"period": period})
        assert r.status_code < 500, (path, period, r.status_code, r.text)
