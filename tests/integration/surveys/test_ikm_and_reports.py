"""IKM over HTTP: exact maths per unit, service and city (from aggregates), every period kind,
provisional flag, custom weights; the printable HTML report and the CSV."""

from __future__ import annotations

import csv
import io
from fractions import Fraction

import pytest

from asn_platform.vocabulary import ElementCode
from asn_surveys.domain.aggregate import COUNTER_NAMES
from asn_surveys.domain.ikm import ikm_from_answers
from tests.integration.surveys.conftest import Surveys
from tests.integration.surveys.helpers import CODES, create_unit, payload, submit

pytestmark = pytest.mark.integration

MARCH_2025 = "2025-03-20T14:00:00+07:00"  # a month no other test uses: the city is ours alone


def _as_codes(values: list[int]) -> dict[ElementCode, int]:
    return {ElementCode(c): v for c, v in zip(CODES, values, strict=True)}


async def test_unit_service_and_city_ikm_for_every_period_kind(surveys: Surveys) -> None:
    c = surveys.client
    a = await create_unit(c, served_per_month=2)  # month: N = 2 -> 2 responses needed
    b = await create_unit(c, served_per_month=1000)
    sets_a = [[4, 3, 3, 4, 3, 4, 4, 2, 3], [3, 3, 2, 4, 3, 3, 3, 2, 3], [4, 4, 4, 4, 4, 4, 4, 4, 4]]
    sets_b = [[2, 2, 1, 3, 2, 2, 3, 1, 2]]
    services = ["Layanan A", "Layanan B", "Layanan B"]
    for values, service in zip(sets_a, services, strict=True):
        r = await submit(c, payload(a, values, service=service, submitted_at=MARCH_2025))
        assert r.status_code == 201
    r = await submit(
        c,
        payload(
            b,
            sets_b[0],
            submitted_at=MARCH_2025,
            respondent={"sex": "L", "age": 67, "education": "SMA", "occupation": "PNS"},
        ),
    )
    assert r.status_code == 201

    expected_a = ikm_from_answers([_as_codes(v) for v in sets_a])
    for period in ("2025-M3", "2025-Q1", "2025-S1", "2025-Y"):
        body = (await c.get(f"/api/v1/ikm/units/{a}?period={period}")).json()
        assert body["n"] == 3 and body["period"]["key"] == period
        assert Fraction(body["ikm_converted_exact"]) == expected_a.converted
        assert body["ikm_converted"] == float(expected_a.converted_display)
        assert body["mutu"] == expected_a.mutu.value
        assert [e["nrr"] for e in body["elements"]] == [
            float(s.nrr_display) for s in expected_a.elements
        ]
        assert body["elements"][7]["answer_counts"] == {"1": 0, "2": 2, "3": 0, "4": 1}
        assert body["respondents"]["sex"] == {"L": 0, "P": 3}
    month = (await c.get(f"/api/v1/ikm/units/{a}?period=2025-M3")).json()
    assert (month["population"], month["required_sample"], month["provisional"]) == (2, 2, False)
    year = (await c.get(f"/api/v1/ikm/units/{a}?period=2025-Y")).json()
    assert (year["population"], year["provisional"]) == (24, True)
    assert year["period"]["label"] == "Tahun 2025"
    assert {s["service"]: s["n"] for s in month["services"]} == {"Layanan A": 1, "Layanan B": 2}

    svc = (await c.get(f"/api/v1/ikm/units/{a}?period=2025-Q1&service=Layanan B")).json()
    assert svc["service"] == "Layanan B" and svc["n"] == 2
    assert (
        Fraction(svc["ikm_converted_exact"])
        == ikm_from_answers([_as_codes(v) for v in sets_a[1:]]).converted
    )

    city = (await c.get("/api/v1/ikm/city?period=2025-M3")).json()
    expected_city = ikm_from_answers([_as_codes(v) for v in sets_a + sets_b])
    assert city["n"] == 4
    assert Fraction(city["ikm_converted_exact"]) == expected_city.converted
    assert city["respondents"]["age_band"]["60+"] == 1
    assert sorted((u["unit_id"], u["n"]) for u in city["units"]) == sorted([(a, 3), (b, 1)])
    assert city["provisional"] is True

    empty = (await c.get(f"/api/v1/ikm/units/{a}?period=2024-Q2")).json()
    assert empty["n"] == 0 and empty["ikm"] is None and empty["provisional"] is True
    bad = await c.get(f"/api/v1/ikm/units/{a}?period=2025-Q5")
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "period"
    assert (await c.get("/api/v1/ikm/units/nope?period=2025-Q1")).status_code == 404


async def test_custom_weights_change_the_index_not_the_elements(surveys: Surveys) -> None:
    c = surveys.client
    weights = {"U1": "1/2", **{code: "1/16" for code in CODES[1:]}}
    unit = await create_unit(c, served_per_month=100, weights=weights)
    values = [4, 1, 1, 1, 1, 1, 1, 1, 1]
    assert (await submit(c, payload(unit, values))).status_code == 201
    body = (await c.get(f"/api/v1/ikm/units/{unit}?period=2026-Q3")).json()
    # IKM = 4 x 1/2 + 8 x 1 x 1/16 = 2.5 -> 62.50
    assert body["ikm"] == 2.5 and body["ikm_converted"] == 62.5 and body["mutu"] == "D"
    assert body["elements"][0]["weight"] == "1/2" and body["elements"][0]["converted"] == 100.0
    reset = await c.patch(f"/api/v1/units/{unit}", json={"weights": None})
    assert reset.status_code == 200 and reset.json()["custom_weights"] is False
    body = (await c.get(f"/api/v1/ikm/units/{unit}?period=2026-Q3")).json()
    assert Fraction(body["ikm_converted_exact"]) == Fraction(12 * 25, 9)


async def test_report_html_and_csv(surveys: Surveys) -> None:
    c = surveys.client
    unit = await create_unit(c, served_per_month=1, name="Puskesmas Uji Laporan")
    for values in (
        [4, 4, 4, 4, 4, 4, 4, 4, 4],
        [3, 3, 1, 4, 3, 3, 3, 2, 3],
        [4, 3, 2, 4, 3, 4, 4, 2, 3],
    ):
        assert (await submit(c, payload(unit, values))).status_code == 201
    html = await c.get(f"/api/v1/reports/units/{unit}?period=2026-Q3")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    text = html.text
    assert '<html lang="id">' in text
    for expected in (
        "Laporan Hasil Survei Kepuasan Masyarakat",
        "Puskesmas Uji Laporan",
        "Triwulan III 2026",
        "Unsur Terlemah",
        "Profil Responden",
        "Waktu Penyelesaian",
        "Perempuan",
        "@page",
        "WIB",
    ):
        assert expected in text, expected
    assert "provisional" not in text  # 3 responses, 3 needed: adequate
    converted = text.split('id="ikm-converted">')[1].split("<")[0]
    assert "," in converted and "." not in converted  # Indonesian decimal comma everywhere
    english = await c.get(f"/api/v1/reports/units/{unit}?period=2026-Q3&lang=en")
    assert "Public Satisfaction Survey Report" in english.text and "Q3 2026" in english.text
    assert "." in english.text.split('id="ikm-converted">')[1].split("<")[0]

    response = await c.get(f"/api/v1/reports/units/{unit}?period=2026-Q3&format=csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["Unit", "Periode", "Layanan", "Bagian"]
    elements = [r for r in rows if r[3] == "Unsur"]
    assert [r[4] for r in elements] == list(CODES)
    u3 = next(r for r in elements if r[4] == "U3")
    assert (u3[7], u3[8], u3[9]) == ("2.333", "58.33", "D")
    weakest = [r[4] for r in rows if r[3] == "Unsur Terlemah"]
    assert weakest[0] == "U3"
    ikm = next(r for r in rows if r[3] == "IKM")
    assert ikm[11] == "3"

    none = await c.get(f"/api/v1/reports/units/{unit}?period=2020-Q1")
    assert none.status_code == 404 and none.json()["error"] == "no_responses"


async def test_report_pdf_reads_back_with_the_unit_and_a_decimal_comma(surveys: Surveys) -> None:
    from pypdf import PdfReader

    c = surveys.client
    unit = await create_unit(c, served_per_month=1, name="Puskesmas Uji PDF")
    for values in ([4, 4, 4, 4, 4, 4, 4, 4, 4], [3, 3, 1, 4, 3, 3, 3, 2, 3]):
        assert (await submit(c, payload(unit, values))).status_code == 201
    ikm = (await c.get(f"/api/v1/ikm/units/{unit}?period=2026-Q3")).json()
    shown = f"{ikm['ikm_converted']:.2f}".replace(".", ",")  # 2 decimals, as the report shows
    response = await c.get(f"/api/v1/reports/units/{unit}?period=2026-Q3&format=pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="laporan-skm-{unit}-2026-Q3.pdf"'
    )
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for expected in (
        "LAPORAN HASIL SURVEI KEPUASAN MASYARAKAT",
        "Puskesmas Uji PDF",
        "Triwulan III 2026",
        "Unsur Terlemah",
        "Profil Responden",
        "Perempuan",
    ):
        assert expected in text, expected  # fmt: skip
    assert shown in text and "," in shown, (shown, text[:800])
    assert f"{ikm['ikm_converted']:.2f}" not in text  # no decimal point in Indonesian
    english = await c.get(f"/api/v1/reports/units/{unit}?period=2026-Q3&format=pdf&lang=en")
    english_text = PdfReader(io.BytesIO(english.content)).pages[0].extract_text()
    assert "Public Satisfaction Survey Report".upper() in english_text
    assert f"{ikm['ikm_converted']:.2f}" in english_text


async def test_aggregate_table_holds_every_domain_counter(surveys: Surveys) -> None:
    columns = {
        r["column_name"]
        for r in await surveys.db.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'ikm_buckets'"
        )
    }
    assert set(COUNTER_NAMES) <= columns
