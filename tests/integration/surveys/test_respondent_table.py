"""The processing table per respondent over HTTP: one row per respondent (U1..U9), pages that
neither overlap nor skip, the per-element sum / NRR / weighted NRR and the IKM of the whole
period, the CSV of the whole period (semicolons, decimal comma), and bounded parameters."""

from __future__ import annotations

from fractions import Fraction

import pytest

from asn_platform.vocabulary import ElementCode
from asn_surveys.domain.ikm import ikm_from_answers
from tests.integration.surveys.conftest import Surveys
from tests.integration.surveys.helpers import CODES, create_unit, payload, submit

pytestmark = pytest.mark.integration

ANSWERS = [
    [4, 3, 3, 4, 3, 4, 4, 2, 3],
    [3, 3, 2, 4, 3, 3, 3, 2, 3],
    [4, 4, 4, 4, 4, 4, 4, 4, 4],
    [2, 3, 3, 4, 2, 3, 1, 2, 3],
    [3, 2, 3, 3, 3, 3, 2, 3, 3],
]
# Oldest first; the last one is in another month (2025-M5) and must stay out of 2025-M4.
TIMES = [f"2025-04-{d:02d}T09:00:00+07:00" for d in (3, 7, 14, 21)] + ["2025-05-01T00:30:00+07:00"]


async def test_rows_pages_figures_and_csv(surveys: Surveys) -> None:
    c = surveys.client
    unit = await create_unit(c, served_per_month=5)
    for values, when in zip(ANSWERS, TIMES, strict=True):
        assert (await submit(c, payload(unit, values, submitted_at=when))).status_code == 201
    april = ANSWERS[:4]

    first = await c.get(f"/api/v1/ikm/units/{unit}/respondents", params={"period": "2025-M4",
                                                                           "limit": 3})  # fmt: skip
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["total"] == 4 and body["limit"] == 3 and body["offset"] == 0
    assert [r["no"] for r in body["respondents"]] == [1, 2, 3]
    assert [list(r["values"].values()) for r in body["respondents"]] == april[:3]
    assert body["respondents"][0]["submitted_at"] == "2025-04-03T09:00:00+07:00"
    second = (
        await c.get(f"/api/v1/ikm/units/{unit}/respondents",
                    params={"period": "2025-M4", "limit": 3, "offset": 3})
    ).json()  # fmt: skip
    assert [r["no"] for r in second["respondents"]] == [4]
    assert list(second["respondents"][0]["values"].values()) == april[3]

    expected = ikm_from_answers(
        [{ElementCode(k): v for k, v in zip(CODES, a, strict=True)} for a in april]
    )
    for i, e in enumerate(body["elements"]):
        column = [a[i] for a in april]
        assert e["code"] == CODES[i] and e["total"] == sum(column)
        assert e["nrr"] == round(sum(column) / 4, 3)
        assert e["weight"] == "1/9"
        assert e["weighted_nrr"] == round(float(Fraction(sum(column), 4) / 9), 3)
    assert body["ikm_converted"] == float(expected.converted_display)
    assert body["mutu"] == expected.mutu.value

    csv_r = await c.get(f"/api/v1/ikm/units/{unit}/respondents.csv", params={"period": "2025-M4"})
    assert csv_r.status_code == 200 and csv_r.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv_r.headers["content-disposition"]
    lines = csv_r.text.lstrip("\ufeff").splitlines()
    assert lines[0].split(";")[:4] == ["No. Responden", "Waktu (WIB)", "Layanan", "U1"]
    assert lines[1].split(";")[0:2] == ["1", "03-04-2025 09:00"]
    assert [ln.split(";")[3:] for ln in lines[1:5]] == [[str(v) for v in a] for a in april]
    sums = lines[5].split(";")
    assert sums[0] == "Jumlah nilai per unsur" and sums[3:] == [
        str(sum(a[i] for a in april)) for i in range(9)
    ]
    nrr_u1 = lines[6].split(";")[3]
    assert nrr_u1 == "3,250"  # (4+3+4+2)/4, decimal comma
    ikm_line = lines[9].split(";")
    assert ikm_line[0] == "IKM konversi (x 25)"
    assert ikm_line[3] == f"{expected.converted_display:.2f}".replace(".", ",")


async def test_bounds_unknown_units_and_empty_periods(surveys: Surveys) -> None:
    c = surveys.client
    unit = await create_unit(c, served_per_month=5)
    for params in ({"limit": 0}, {"limit": 1001}, {"offset": -1}, {"offset": 10**7},
                   {"period": "2025-Q9"}):  # fmt: skip
        r = await c.get(f"/api/v1/ikm/units/{unit}/respondents", params=params)
        assert r.status_code == 422, (params, r.text)
    assert (await c.get("/api/v1/ikm/units/no-such-unit/respondents")).status_code == 404
    empty = (await c.get(f"/api/v1/ikm/units/{unit}/respondents?period=2024-M1")).json()
    assert empty["total"] == 0 and empty["respondents"] == [] and empty["ikm"] is None
    r = await c.get(f"/api/v1/ikm/units/{unit}/respondents.csv?period=2024-M1")
    assert r.status_code == 404 and r.json()["error"] == "no_responses"
