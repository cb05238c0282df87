"""People: declines and no-shows earn explained nudges (the supervisor after repeated ones),
conversions are tracked, completions update JP and recommendations, and the enrollment
service's request/reply question is answered."""

from __future__ import annotations

import asyncio

import pytest

from asn_platform.kafka import make_broker
from asn_platform.rpc import RpcClient
from asn_platform.settings import PlatformSettings
from asn_platform.topics import NUDGE_REQUESTED, RECOMMENDATION_ISSUED, RPC_RECOMMENDATIONS_REQUEST
from asn_platform.vocabulary import EnrollmentStatus
from tests.integration.recommendations.conftest import Recs
from tests.integration.recommendations.helpers import (
    completion,
    enrollment,
    gap,
    new_nip,
    new_unit,
    profile,
)

pytestmark = pytest.mark.integration
DECLINED, NO_SHOW = EnrollmentStatus.DECLINED, EnrollmentStatus.NO_SHOW


async def test_declines_earn_nudges_then_the_supervisor_then_an_escalation(recs: Recs) -> None:
    unit, boss, nip = new_unit(), new_nip(), new_nip()
    await recs.publish(
        "recommendations.profiles",
        profile(boss, unit, position_type="struktural"),
        profile(nip, unit, supervisor_nip=boss, name="Siti Aminah"),
    )

    await recs.publish("recommendations.enrollments", enrollment(nip, DECLINED))
    [first] = await recs.tap.wait_for(NUDGE_REQUESTED, lambda e: e.nip == nip)
    n1 = first.data
    assert (n1.attempt, n1.include_supervisor, n1.tone.value) == (1, False, "gentle")
    assert n1.supervisor_nip is None
    assert "Siti Aminah" in n1.message_id and "Manfaatnya:" in n1.message_id
    assert "Sebagai pelaksana" in n1.message_id  # the benefit explained for their position
    assert "What you gain:" in n1.message_en

    await recs.publish("recommendations.enrollments", enrollment(nip, NO_SHOW))
    second = (await recs.tap.wait_for(NUDGE_REQUESTED, lambda e: e.nip == nip, count=2))[1].data
    assert (second.attempt, second.include_supervisor, second.supervisor_nip) == (2, True, boss)
    assert "atasan langsung" in second.message_id

    await recs.publish("recommendations.enrollments", enrollment(nip, DECLINED))
    third = (await recs.tap.wait_for(NUDGE_REQUESTED, lambda e: e.nip == nip, count=3))[2].data
    assert (third.attempt, third.tone.value) == (3, "firm")

    # Reminders used up (3 in the rules file): escalated, not another message, never silent.
    await recs.publish("recommendations.enrollments", enrollment(nip, DECLINED))
    body = (await recs.client.get("/api/v1/nudges/escalations")).json()
    [escalation] = [e for e in body["items"] if e["nip"] == nip]
    assert escalation["reminders_sent"] == 3 and escalation["non_attendances"] == 4
    assert escalation["supervisor_nip"] == boss
    await asyncio.sleep(0.3)
    assert len(recs.tap.matching(NUDGE_REQUESTED, lambda e: e.nip == nip)) == 3


async def test_a_nudged_person_who_enrolls_counts_as_converted(recs: Recs) -> None:
    unit, nip, other = new_unit(), new_nip(), new_nip()

    async def komunikasi() -> tuple[int, int]:
        rate = (await recs.client.get("/api/v1/nudges/conversion")).json()
        found = [p for p in rate["by_programme"] if p["programme_code"] == "KOMUNIKASI"]
        return (found[0]["people_nudged"], found[0]["people_converted"]) if found else (0, 0)

    # Other packages' events on the shared broker may have nudged people already: count deltas.
    nudged, converted = await komunikasi()
    await recs.publish("recommendations.profiles", profile(nip, unit), profile(other, unit))
    await recs.publish(
        "recommendations.enrollments",
        enrollment(nip, DECLINED, programme_code="KOMUNIKASI"),
        enrollment(other, DECLINED, programme_code="KOMUNIKASI"),
    )
    await recs.publish(
        "recommendations.enrollments",
        enrollment(nip, EnrollmentStatus.ENROLLED, programme_code="KOMUNIKASI"),
    )
    nudges = (await recs.client.get("/api/v1/nudges", params={"nip": nip})).json()["items"]
    assert nudges[0]["converted_status"] == "enrolled" and nudges[0]["converted_at"]
    assert await komunikasi() == (nudged + 2, converted + 1)
    rate = (await recs.client.get("/api/v1/nudges/conversion")).json()
    assert 0 < rate["conversion_rate"] <= 1 and "diingatkan" in rate["summary_id"]
    assert rate["people_converted"] / rate["people_nudged"] == rate["conversion_rate"]


async def test_a_decline_before_the_profile_is_nudged_when_the_profile_arrives(
    recs: Recs,
) -> None:
    unit, nip = new_unit(), new_nip()
    await recs.publish("recommendations.enrollments", enrollment(nip, DECLINED))
    assert not recs.tap.matching(NUDGE_REQUESTED, lambda e: e.nip == nip)
    await recs.publish("recommendations.profiles", profile(nip, unit))
    [nudge] = await recs.tap.wait_for(NUDGE_REQUESTED, lambda e: e.nip == nip)
    assert nudge.data.attempt == 1


async def test_a_completion_updates_jp_and_recommendations(recs: Recs) -> None:
    unit, nip = new_unit(), new_nip()
    await recs.publish("recommendations.profiles", profile(nip, unit))
    await recs.publish("recommendations.gaps", gap(unit, "U4"))  # integrity: INTEGRITAS, 8 JP
    # The programme's cohort hears about it first (issued when programme-scheduled comes back).
    await recs.tap.wait_for(RECOMMENDATION_ISSUED, lambda e: e.nip == nip)
    before = (await recs.client.get(f"/api/v1/asn/{nip}/recommendations")).json()
    assert before["jp_this_year"] == 0 and before["jp_shortfall"] == 20
    assert "INTEGRITAS" in [i["programme_code"] for i in before["items"]]
    assert "baru 0 dari minimal 20 JP" in before["jp_status_id"]

    await recs.publish(
        "recommendations.completions", completion(nip, unit, programme_code="INTEGRITAS", jp=8)
    )
    # The second: issued because they completed something.
    issued = (await recs.tap.wait_for(RECOMMENDATION_ISSUED, lambda e: e.nip == nip, count=2))[-1]
    codes = [i.programme_code for i in issued.data.items]
    assert "INTEGRITAS" not in codes  # completed: never recommended again
    assert issued.data.items[0].evidence["reasons"]
    after = (await recs.client.get(f"/api/v1/asn/{nip}/recommendations")).json()
    assert after["jp_this_year"] == 8 and after["jp_shortfall"] == 12
    assert [c["programme_code"] for c in after["completed"]] == ["INTEGRITAS"]
    assert "INTEGRITAS" not in [i["programme_code"] for i in after["items"]]
    reason = after["items"][0]["reasons"]
    assert any(r["kind"] == "jp_minimum" and r["data"]["jp_this_year"] == 8 for r in reason)
    en = (await recs.client.get(f"/api/v1/asn/{nip}/recommendations?lang=en")).json()
    assert en["items"][0]["reason"] == en["items"][0]["reason_en"]

    assert (await recs.client.get(f"/api/v1/asn/{new_nip()}/recommendations")).status_code == 404
    bad = await recs.client.get("/api/v1/asn/12345/recommendations")
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"].endswith("nip")


async def test_the_rpc_responder_answers_for_one_person(recs: Recs, kafka_topics: str) -> None:
    unit, nip = new_unit(), new_nip()
    await recs.publish("recommendations.profiles", profile(nip, unit))
    settings = PlatformSettings(kafka_bootstrap_servers=kafka_topics)
    broker = make_broker(settings, client_id="test-enrollment-caller")
    client = RpcClient(broker, settings, "test-enrollment")
    await broker.start()
    await client.start()
    try:
        answer = await client.request(
            RPC_RECOMMENDATIONS_REQUEST, {"nip": nip, "lang": "en"}, timeout_s=10, key=nip.encode()
        )
        assert answer["nip"] == nip and answer["jp_this_year"] == 0
        assert answer["items"] and answer["items"][0]["reason"] == answer["items"][0]["reason_en"]
        unknown = await client.request(RPC_RECOMMENDATIONS_REQUEST, {"nip": new_nip()}, 10)
        assert unknown["error"] == "unknown_nip"
        invalid = await client.request(RPC_RECOMMENDATIONS_REQUEST, {"nip": "12"}, 10)
        assert invalid["error"] == "invalid_nip"
    finally:
        await client.stop()
        await broker.stop()
