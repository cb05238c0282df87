"""Operators manage units over HTTP; the Tangerang Selatan seed is inserted once."""

from __future__ import annotations

import pytest

from asn_platform.tangsel import UNITS
from asn_surveys.seed import seed_units
from tests.integration.surveys.conftest import Surveys
from tests.integration.surveys.helpers import create_unit

pytestmark = pytest.mark.integration


async def test_seed_units_are_present_and_seeding_again_adds_nothing(surveys: Surveys) -> None:
    listed = (await surveys.client.get("/api/v1/units")).json()["units"]
    ids = {u["unit_id"] for u in listed}
    assert {u.unit_id for u in UNITS} <= ids
    dukcapil = next(u for u in listed if u["unit_id"] == "disdukcapil")
    assert dukcapil["bidang_label"] == "Administrasi Kependudukan"
    assert "KTP-el" in dukcapil["services"] and dukcapil["served_per_month"] == 12000
    assert dukcapil["weights"]["U1"]["exact"] == "1/9"
    async with surveys.db.acquire() as conn:
        assert await seed_units(conn) == 0


async def test_create_update_and_refuse_units(surveys: Surveys) -> None:
    c = surveys.client
    unit = await create_unit(c, served_per_month=10)
    again = await c.post(
        "/api/v1/units",
        json={
            "unit_id": unit,
            "name": "X",
            "bidang": "kesehatan",
            "served_per_month": 1,
            "services": ["A"],
        },
    )
    assert again.status_code == 409 and again.json()["error"] == "unit_exists"

    bad = await c.post(
        "/api/v1/units",
        json={
            "unit_id": "Bad Id",
            "name": "",
            "bidang": "astronomi",
            "served_per_month": -1,
            "services": ["A", "a"],
        },
    )
    assert bad.status_code == 422
    assert {f["field"] for f in bad.json()["fields"]} == {
        "unit_id",
        "name",
        "bidang",
        "served_per_month",
        "services",
    }

    weights = {"U1": "0.11", **{f"U{i}": "0.11" for i in range(2, 10)}}
    r = await c.patch(f"/api/v1/units/{unit}", json={"weights": weights})
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "weights"
    assert "1/9" in r.json()["fields"][0]["problem"]
    r = await c.patch(f"/api/v1/units/{unit}", json={"weights": {"U1": 1, "U10": 0}})
    fields = {f["field"] for f in r.json()["fields"]}
    assert r.status_code == 422 and {"weights.U10", "weights.U2", "weights.U9"} <= fields

    r = await c.patch(
        f"/api/v1/units/{unit}",
        json={
            "served_per_month": 3,
            "services": ["Layanan A", "Layanan C"],
            "district": "Setu",
            "weights": {f"U{i}": "1/9" for i in range(1, 10)},
        },
    )
    assert r.status_code == 200, r.text
    changed = r.json()
    assert changed["served_per_month"] == 3 and changed["services"] == ["Layanan A", "Layanan C"]
    assert changed["district"] == "Setu" and changed["custom_weights"] is True
    assert (await c.get(f"/api/v1/units/{unit}")).json() == changed

    assert (await c.patch(f"/api/v1/units/{unit}", json={"name": None})).status_code == 422
    assert (await c.patch("/api/v1/units/nope", json={"name": "X"})).status_code == 404
    assert (await c.get("/api/v1/units/nope")).status_code == 404

    r = await c.patch(f"/api/v1/units/{unit}", json={"active": False})
    assert r.json()["active"] is False
    refused = await c.post(
        "/api/v1/responses",
        headers={"X-Forwarded-For": "10.200.0.1"},
        json={
            "unit_id": unit,
            "service": "Layanan A",
            "answers": {f"U{i}": 3 for i in range(1, 10)},
            "respondent": {"sex": "L", "age": 40, "education": "S1", "occupation": "PNS"},
        },
    )
    assert refused.status_code == 422 and refused.json()["fields"][0]["field"] == "unit_id"


async def test_questionnaire_asks_sarana_before_pengaduan_in_both_languages(
    surveys: Surveys,
) -> None:
    body = (await surveys.client.get("/api/v1/units/disdukcapil/questionnaire")).json()
    assert [q["code"] for q in body["questions"]] == [
        "U1",
        "U2",
        "U3",
        "U4",
        "U5",
        "U6",
        "U7",
        "U9",
        "U8",
    ]
    assert body["questions"][7]["answers"][3]["label"] == "Sangat baik"
    en = (await surveys.client.get("/api/v1/units/disdukcapil/questionnaire?lang=en")).json()
    assert en["questions"][0]["element"] == "Requirements"
    assert en["unit"]["bidang_label"] == "Population administration"


async def test_openapi_documents_the_bodies_with_resolvable_schemas(surveys: Surveys) -> None:
    doc = (await surveys.client.get("/openapi.json")).json()
    assert "#/$defs/" not in str(doc)
    body = doc["paths"]["/api/v1/responses"]["post"]["requestBody"]["content"]
    schema = body["application/json"]["schema"]
    assert schema["required"] == ["unit_id", "service", "answers", "respondent"]
    assert schema["properties"]["answers"]["properties"]["U8"]["maximum"] == 4
    for path in ("/api/v1/units", "/api/v1/ikm/city", "/s/{unit_id}", "/s/{unit_id}/qr.svg"):
        assert path in doc["paths"], path
