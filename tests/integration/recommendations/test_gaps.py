"""Gaps: an opened gap schedules exactly one programme (once per gap, whatever is redelivered),
U9 facilities are flagged to management, and the cohort hears why."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from functools import partial

import pytest

from asn_platform.periods import periods_of_day
from asn_platform.timezone import now_jakarta
from asn_platform.topics import PROGRAMME_SCHEDULED, RECOMMENDATION_ISSUED
from asn_recommendations.bootstrap import build_deps
from asn_recommendations.handlers.follow_ups import sweep_follow_ups
from tests.integration.recommendations.conftest import Recs
from tests.integration.recommendations.helpers import (
    gap,
    new_nip,
    new_unit,
    profile,
    survey,
)

pytestmark = pytest.mark.integration


async def staff_for(recs: Recs, unit_id: str, n: int = 6) -> tuple[str, list[str]]:
    boss = new_nip()
    people = [new_nip() for _ in range(n)]
    await recs.publish(
        "recommendations.profiles",
        profile(boss, unit_id, position_type="struktural"),
        *(profile(nip, unit_id, supervisor_nip=boss) for nip in people),
    )
    return boss, people


async def test_a_gap_schedules_one_programme_once_whatever_is_redelivered(recs: Recs) -> None:
    unit = new_unit()
    _boss, people = await staff_for(recs, unit)
    first = gap(unit, "U7")
    [record] = await recs.publish("recommendations.gaps", first)

    [scheduled] = await recs.tap.wait_for(PROGRAMME_SCHEDULED, lambda e: e.unit_id == unit)
    ev = scheduled.data
    assert ev.programme_code == "PLP-PRIMA"
    assert ev.idempotency_key == f"{unit}:U7:{first.period}"
    assert ev.gap.element.value == "U7" and ev.gap.period == first.period
    cohort = {nip for s in ev.sessions for nip in s.cohort}
    assert cohort == set(people)  # U7 is for front-line staff: the struktural boss is not invited
    assert "Perilaku Pelaksana" in ev.explanation_id and "Staff behaviour" in ev.explanation_en
    assert scheduled.source == "/tangsel/recommendations"

    # The cohort is told why, each with the data behind it.
    issued = await recs.tap.wait_for(
        RECOMMENDATION_ISSUED, lambda e: e.nip in cohort, count=len(cohort)
    )
    assert {e.data.nip for e in issued} == cohort
    top = issued[0].data.items[0]
    assert top.programme_code == "PLP-PRIMA" and top.evidence["reasons"]

    # Redelivery (same CloudEvents id), and the same gap announced again with more answers.
    await recs.publisher.send(record)
    again = gap(unit, "U7", period=None, score=59.0, sample_size=450)
    await recs.publish("recommendations.gaps", again)
    await asyncio.sleep(1.0)  # give a wrong second schedule time to show up
    assert len(recs.tap.matching(PROGRAMME_SCHEDULED, lambda e: e.unit_id == unit)) == 1
    assert (
        await recs.db.fetchval("SELECT count(*) FROM scheduled_programmes WHERE unit_id = $1", unit)
        == 1
    )

    listed = (await recs.client.get("/api/v1/programmes", params={"unit_id": unit})).json()
    [programme] = listed["items"]
    assert programme["scheduled_programme_id"] == ev.scheduled_programme_id
    assert programme["sessions"][0]["participants"] == len(people)
    gaps = (await recs.client.get("/api/v1/gaps", params={"unit_id": unit})).json()["items"]
    assert [g["decision"]["outcome"] for g in gaps] == ["scheduled"]
    assert gaps[0]["score_converted"] == 59.0  # the latest announcement of the gap
    one = await recs.client.get(f"/api/v1/programmes/{ev.scheduled_programme_id}")
    assert set(one.json()["sessions"][0]["cohort"]) == set(people)


async def test_no_double_booking_across_gaps(recs: Recs) -> None:
    """Two gaps of one unit in a row: the second programme's sessions avoid the first's days
    for the people in both cohorts."""
    unit = new_unit()
    _, _people = await staff_for(recs, unit, n=3)
    await recs.publish("recommendations.gaps", gap(unit, "U7"), gap(unit, "U8"))
    found = await recs.tap.wait_for(PROGRAMME_SCHEDULED, lambda e: e.unit_id == unit, count=2)
    a, b = (e.data for e in found)
    assert {a.programme_code, b.programme_code} == {"PLP-PRIMA", "PENGADUAN"}
    for sa in a.sessions:
        for sb in b.sessions:
            if set(sa.cohort) & set(sb.cohort):
                assert sa.ends_at <= sb.starts_at or sb.ends_at <= sa.starts_at


async def test_u9_facilities_are_flagged_to_management_not_scheduled(recs: Recs) -> None:
    unit = new_unit()
    await staff_for(recs, unit, n=2)
    await recs.publish("recommendations.gaps", gap(unit, "U9", score=58.0))
    flagged = (await recs.client.get("/api/v1/gaps/flagged", params={"unit_id": unit})).json()
    [flag] = flagged["items"]
    assert flag["element"] == "U9" and flag["reason"] == "not_training"
    assert "anggaran" in flag["explanation_id"] and "budget" in flag["explanation_en"]
    en = await recs.client.get(
        "/api/v1/gaps/flagged", params={"unit_id": unit}, headers={"Accept-Language": "en"}
    )
    assert en.json()["items"][0]["explanation"] == flag["explanation_en"]
    await asyncio.sleep(0.5)
    assert not recs.tap.matching(PROGRAMME_SCHEDULED, lambda e: e.unit_id == unit)
    assert (
        await recs.db.fetchval("SELECT count(*) FROM scheduled_programmes WHERE unit_id = $1", unit)
        == 0
    )


async def test_a_provisional_gap_schedules_nothing_and_says_why(recs: Recs) -> None:
    unit = new_unit()
    await staff_for(recs, unit, n=2)
    await recs.publish("recommendations.gaps", gap(unit, "U6", sample_size=50, required_sample=370))
    gaps = (await recs.client.get("/api/v1/gaps", params={"unit_id": unit})).json()["items"]
    assert gaps[0]["provisional"] is True
    assert gaps[0]["decision"]["outcome"] == "skipped"
    assert gaps[0]["decision"]["reason"] == "provisional"
    assert not recs.tap.matching(PROGRAMME_SCHEDULED, lambda e: e.unit_id == unit)


async def test_unit_recommendations_show_gaps_decisions_and_staff(recs: Recs) -> None:
    unit = new_unit()
    _, _people = await staff_for(recs, unit, n=2)
    await recs.publish("recommendations.gaps", gap(unit, "U8"))
    body = (await recs.client.get(f"/api/v1/units/{unit}/recommendations")).json()
    assert body["open_gaps"][0]["element"] == "U8"
    assert body["open_gaps"][0]["rule"]["programmes"][0]["programme_code"] == "PENGADUAN"
    assert body["staff_active"] == 3
    demand = {d["programme_code"]: d["people"] for d in body["programme_demand"]}
    assert demand["PENGADUAN"] == 3  # U8 concerns every position, the head included
    unknown = await recs.client.get(f"/api/v1/units/{new_unit()}/recommendations")
    assert unknown.status_code == 404 and unknown.json()["error"] == "unknown_unit"
    bad = await recs.client.get("/api/v1/units/Not A Unit/recommendations")
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"].endswith("unit_id")


async def test_a_persisting_gap_gets_a_follow_up_after_the_cool_down(recs: Recs) -> None:
    """Surveys announces a gap once; if the element is still weak in a later period once the
    programme ended and the cool-down passed, the sweep schedules the rule's next programme."""
    unit = new_unit()
    _, people = await staff_for(recs, unit, n=3)
    opened = gap(unit, "U7", sample_size=40, required_sample=10)
    await recs.publish("recommendations.gaps", opened)
    [first] = await recs.tap.wait_for(PROGRAMME_SCHEDULED, lambda e: e.unit_id == unit)

    # Time passes: the programme ended long enough ago (moved into the past here).
    today = now_jakarta().date()
    current = next(p for p in periods_of_day(today) if p.kind.value == "Q")
    ended = min(current.first_day - timedelta(days=1), today - timedelta(days=90))
    await recs.db.execute(
        "UPDATE scheduled_programmes SET first_day = $2, last_day = $2"
        " WHERE scheduled_programme_id = $1",
        first.data.scheduled_programme_id,
        ended,
    )
    # ... and citizens still find staff impolite this quarter (12 answers of 2 on U7).
    answers = {f"U{i}": 2 if i == 7 else 3 for i in range(1, 10)}
    moment = now_jakarta() - timedelta(minutes=5)
    await recs.publish(
        "recommendations.surveys", *(survey(unit, answers, moment) for _ in range(12))
    )
    sweep = partial(sweep_follow_ups, recs.ctx.units, build_deps(recs.ctx.settings))
    assert (await sweep()).get("scheduled", 0) >= 1  # others' gaps may be swept too
    found = await recs.tap.wait_for(PROGRAMME_SCHEDULED, lambda e: e.unit_id == unit, count=2)
    follow = found[1].data
    assert follow.idempotency_key == f"{unit}:U7:{current.key}"
    assert follow.programme_code != first.data.programme_code  # the rule's next programme
    assert "program lanjutan" in follow.explanation_id and "follow-up" in follow.explanation_en
    assert {n for s in follow.sessions for n in s.cohort} <= set(people)

    await sweep()  # decided once: nothing more for this unit
    await asyncio.sleep(0.5)
    assert len(recs.tap.matching(PROGRAMME_SCHEDULED, lambda e: e.unit_id == unit)) == 2


async def test_a_gap_seen_before_the_roster_is_scheduled_once_the_roster_is_there(
    recs: Recs,
) -> None:
    unit = new_unit()
    await recs.publish("recommendations.gaps", gap(unit, "U8"))
    [flag] = (await recs.client.get("/api/v1/gaps/flagged", params={"unit_id": unit})).json()[
        "items"
    ]
    assert flag["reason"] == "no_eligible_staff"
    _, people = await staff_for(recs, unit, n=2)
    sweep = partial(sweep_follow_ups, recs.ctx.units, build_deps(recs.ctx.settings))
    assert (await sweep()).get("scheduled", 0) >= 1
    [scheduled] = await recs.tap.wait_for(PROGRAMME_SCHEDULED, lambda e: e.unit_id == unit)
    assert set(people) <= {n for s in scheduled.data.sessions for n in s.cohort}
    flagged = (await recs.client.get("/api/v1/gaps/flagged", params={"unit_id": unit})).json()
    assert flagged["items"] == []
