"""Gap detection: an element below the threshold on an adequate sample opens a gap once, and its
recovery closes it once, even when intakes for the unit run concurrently."""

from __future__ import annotations

import asyncio

import pytest

from asn_platform.contracts import GapStatus, GapTrend
from tests.integration.surveys.conftest import Surveys
from tests.integration.surveys.helpers import answers_with, create_unit, payload, submit

pytestmark = pytest.mark.integration


async def test_a_gap_opens_on_an_adequate_sample_and_a_recovery_event_follows(
    surveys: Surveys,
) -> None:
    # 1 person served a month -> 3 a quarter -> Krejcie-Morgan minimum 3 responses.
    unit = await create_unit(surveys.client, served_per_month=1)
    tap = surveys.tap
    # The previous quarter was excellent (one answer: too few to judge, enough for a trend).
    q2 = payload(unit, 4, submitted_at="2026-05-10T09:00:00+07:00")
    assert (await submit(surveys.client, q2)).status_code == 201

    bad = payload(unit, answers_with(4, U3=1))
    for i in range(3):
        assert (await submit(surveys.client, bad)).status_code == 201
        if i < 2:  # provisional: no gap on 1 or 2 answers, however bad
            await asyncio.sleep(0.2)
            assert tap.gaps(unit) == []
    opened = await tap.wait_for(lambda: tap.gaps(unit), what="gap opened")
    gap = opened[0].data
    assert gap.status is GapStatus.OPENED and gap.element.value == "U3"
    assert gap.unit_name.startswith("Unit Uji") and gap.bidang.value == "administrasi_kependudukan"
    assert gap.element_name == "Waktu Penyelesaian"
    assert (gap.score_converted, gap.score_nrr, gap.mutu.value) == (25.0, 1.0, "D")
    assert (gap.sample_size, gap.required_sample) == (3, 3)
    assert gap.period == "2026-Q3" and gap.period_label == "Triwulan III 2026"
    assert gap.trend is GapTrend.WORSENING and gap.previous_score_converted == 100.0
    assert gap.threshold == 76.61
    assert opened[0].subject == f"units/{unit}/elements/U3/periods/2026-Q3"

    state = (await surveys.client.get(f"/api/v1/gaps?unit_id={unit}")).json()["gaps"]
    assert [(g["element"], g["period"], g["open"], g["score"]) for g in state] == [
        ("U3", "2026-Q3", True, 25.0)
    ]

    # Good answers lift U3: (3 x 1 + 7 x 4) / 10 = 3.1 -> 77.50 >= 76.61 after the 7th.
    good = payload(unit, 4)
    for _ in range(6):
        assert (await submit(surveys.client, good)).status_code == 201
    await asyncio.sleep(0.3)
    assert len(tap.gaps(unit)) == 1  # 75.00 after six: still a gap, nothing new
    assert (await submit(surveys.client, good)).status_code == 201
    both = await tap.wait_for(lambda: len(tap.gaps(unit)) == 2 and tap.gaps(unit), what="recovery")
    recovered = both[1].data
    assert recovered.status is GapStatus.RECOVERED and recovered.element.value == "U3"
    assert recovered.score_converted == 77.5 and recovered.mutu.value == "B"
    assert recovered.sample_size == 10
    await asyncio.sleep(0.3)
    assert len(tap.gaps(unit)) == 2  # no element other than U3 ever crossed
    assert (await surveys.client.get(f"/api/v1/gaps?unit_id={unit}")).json()["gaps"] == []


async def test_concurrent_intakes_open_each_gap_exactly_once(surveys: Surveys) -> None:
    unit = await create_unit(surveys.client, served_per_month=1)
    bad = payload(unit, answers_with(4, U6=2, U7=1))
    answers = await asyncio.gather(*(submit(surveys.client, bad) for _ in range(12)))
    assert {a.status_code for a in answers} == {201}
    await surveys.tap.wait_for(lambda: len(surveys.tap.submitted(unit)) == 12, what="12 events")
    await surveys.tap.wait_for(lambda: len(surveys.tap.gaps(unit)) >= 2, what="gaps")
    await asyncio.sleep(0.3)
    gaps = surveys.tap.gaps(unit)
    assert sorted(g.data.element.value for g in gaps) == ["U6", "U7"]
    assert {g.data.status for g in gaps} == {GapStatus.OPENED}
    assert {g.data.trend for g in gaps} == {GapTrend.FIRST}
    n = await surveys.db.fetchval(
        "SELECT n FROM ikm_buckets WHERE unit_id = $1 AND period_key = '2026-Q3' AND service = ''",
        unit,
    )
    assert n == 12


async def test_a_large_unit_stays_provisional_and_opens_no_gap(surveys: Surveys) -> None:
    unit = await create_unit(surveys.client, served_per_month=5000)
    for _ in range(5):
        assert (await submit(surveys.client, payload(unit, 1))).status_code == 201
    ikm = (await surveys.client.get(f"/api/v1/ikm/units/{unit}?period=2026-Q3")).json()
    assert ikm["provisional"] is True and ikm["required_sample"] == 375  # N = 15,000
    await surveys.tap.wait_for(lambda: len(surveys.tap.submitted(unit)) == 5)
    assert surveys.tap.gaps(unit) == []
