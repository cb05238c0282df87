"""ProgrammeCatalogueChanged and SessionChanged, read back from the real broker: programme
changes over the API, the seeded catalogue (published once), sessions opened (over the API and
for a scheduled programme), rescheduled and cancelled (with their enrollments)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import asyncpg
import httpx
import pytest

from asn_devkit.oidc import DevIdentity
from asn_enrollment.seed import seed, seed_catalogue
from asn_platform import topics
from asn_platform.contracts import ScheduledSession
from asn_platform.envelope import encode
from asn_platform.timezone import JAKARTA
from tests.integration.enrollment.conftest import add_people, invite, open_session, transition
from tests.integration.enrollment.test_scheduled_programmes import (
    SOURCE,
    _decision,
    _read_topic,
    _send,
    _wait_for,
)

pytestmark = pytest.mark.integration


def _programme(code: str) -> dict[str, object]:
    return {
        "code": code,
        "title": "Bimtek Arsip Digital",
        "kind": "bimtek",
        "competencies": ["teknis.administrasi_kependudukan"],
        "jp": 8,
        "benefit_id": "Arsip dinas mudah dicari kembali.",
        "benefit_en": "Office records are easy to find again.",
        "default_capacity": 15,
    }


async def test_programme_created_changed_and_deactivated_are_published(client, kafka_topics):
    code = f"UJI-ARSIP-{uuid.uuid4().hex[:6].upper()}"
    assert (await client.post("/api/v1/programmes", json=_programme(code))).status_code == 201
    r = await client.patch(f"/api/v1/programmes/{code}", json={"jp": 12})
    assert r.status_code == 200, r.text
    # The same values again change nothing, so nothing is published for it.
    assert (await client.patch(f"/api/v1/programmes/{code}", json={"jp": 12})).status_code == 200
    r = await client.patch(f"/api/v1/programmes/{code}", json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False

    found = await _read_topic(
        kafka_topics,
        topics.PROGRAMME_CATALOGUE_CHANGED,
        lambda body: body.get("code") == code,
        expected=3,
    )
    assert [(b["change"], b["jp"], b["active"]) for _, b in found] == [
        ("created", 8, True),
        ("updated", 12, True),
        ("deactivated", 12, False),
    ]
    for record, body in found:
        assert record.key.decode() == code
        assert dict(record.headers)["ce_type"] == b"asn.enrollment.programme-catalogue-changed.v1"
        assert body["title"] == "Bimtek Arsip Digital"
        assert body["competencies"] == ["teknis.administrasi_kependudukan"]


async def test_a_refused_programme_change_publishes_nothing(ctx, client):
    code = f"UJI-TOLAK-{uuid.uuid4().hex[:6].upper()}"
    assert (await client.post("/api/v1/programmes", json=_programme(code))).status_code == 201
    assert (await client.post("/api/v1/programmes", json=_programme(code))).status_code == 409
    bad = await client.patch(f"/api/v1/programmes/{code}", json={"competencies": []})
    assert bad.status_code == 422
    conn = await asyncpg.connect(ctx.database_dsn)
    try:
        published = await conn.fetchval(
            "SELECT count(*) FROM outbox WHERE topic = $1 AND key = $2",
            topics.PROGRAMME_CATALOGUE_CHANGED,
            code.encode(),
        )
    finally:
        await conn.close()
    assert published == 1  # the creation only


async def test_the_seeded_catalogue_is_published_once(ctx, kafka_topics):
    codes = {p.code for p in seed_catalogue()}
    conn = await asyncpg.connect(ctx.database_dsn)
    try:
        await seed(ctx)  # a restart: finds every programme and publishes nothing
        rows = await conn.fetch(
            "SELECT event_id, convert_from(key, 'UTF8') AS key FROM outbox"
            " WHERE topic = $1 AND convert_from(key, 'UTF8') = ANY($2::text[])",
            topics.PROGRAMME_CATALOGUE_CHANGED,
            sorted(codes),
        )
    finally:
        await conn.close()
    assert sorted(r["key"] for r in rows) == sorted(codes)  # one event per seed programme
    ids = {str(r["event_id"]) for r in rows}
    # Other services of the test session may seed the same broker: this service's events are
    # the ones with its outbox ids.
    found = await _read_topic(
        kafka_topics,
        topics.PROGRAMME_CATALOGUE_CHANGED,
        lambda body: body.get("code") in codes,
        expected=len(codes),
    )
    ours = [(r, b) for r, b in found if dict(r.headers)["ce_id"].decode() in ids]
    assert sorted(b["code"] for _, b in ours) == sorted(codes)
    assert {b["change"] for _, b in ours} == {"created"}


def _session_events(kafka_topics: str, session_id: str, expected: int):
    return _read_topic(
        kafka_topics,
        topics.SESSION_CHANGED,
        lambda body: body.get("session_id") == session_id,
        expected=expected,
    )


async def test_a_session_opened_rescheduled_and_cancelled_is_published_in_sequence(
    ctx, client, kafka_topics
):
    session_id = await open_session(
        client, starts_at="2028-03-06T08:00:00+07:00", ends_at="2028-03-06T16:00:00+07:00",
        capacity=1,
    )  # fmt: skip
    invited, enrolled, waitlisted, declined = await add_people(client, 4)
    invitation = await invite(client, session_id, invited)
    seat = await invite(client, session_id, enrolled, accept=True)
    queued = await invite(client, session_id, waitlisted, accept=True)
    refusal = await invite(client, session_id, declined)
    assert (seat["status"], queued["status"]) == ("enrolled", "waitlisted")
    r = await transition(client, refusal["id"], to="declined", reason="Sedang cuti.")
    assert r.status_code == 200, r.text

    r = await client.post(
        f"/api/v1/sessions/{session_id}/reschedule",
        json={
            "starts_at": "2028-03-13T08:00:00+07:00",
            "ends_at": "2028-03-13T16:00:00+07:00",
            "online_url": "https://zoom.example/j/42",
            "reason": "Aula dipakai untuk rapat paripurna.",
        },
    )
    assert r.status_code == 200, r.text
    moved = r.json()
    assert (moved["starts_at"], moved["sequence"], moved["mode"]) == (
        "2028-03-13T08:00:00+07:00",
        1,
        "hybrid",
    )

    r = await client.post(
        f"/api/v1/sessions/{session_id}/cancel", json={"reason": "Narasumber berhalangan."}
    )
    assert r.status_code == 200, r.text
    cancelled = r.json()
    assert cancelled["sequence"] == 2 and cancelled["cancelled_at"] is not None
    assert sorted(cancelled["cancelled_enrollments"]) == sorted(
        [invitation["id"], seat["id"], queued["id"]]
    )
    listed = (await client.get(f"/api/v1/sessions/{session_id}/enrollments")).json()
    assert {e["nip"]: e["status"] for e in listed} == {
        invited: "cancelled",
        enrolled: "cancelled",
        waitlisted: "cancelled",
        declined: "declined",  # final already: left as it was
    }

    found = await _session_events(kafka_topics, session_id, expected=3)
    assert [(b["change"], b["sequence"]) for _, b in found] == [
        ("opened", 0),
        ("rescheduled", 1),
        ("cancelled", 2),
    ]
    opened, rescheduled, gone = (b for _, b in found)
    assert opened["starts_at"] == "2028-03-06T08:00:00+07:00" and opened["reason"] is None
    assert rescheduled["starts_at"] == "2028-03-13T08:00:00+07:00"
    assert rescheduled["online_url"] == "https://zoom.example/j/42"
    assert rescheduled["place"] == "Aula BKPSDM"
    assert rescheduled["reason"] == "Aula dipakai untuk rapat paripurna."
    assert gone["reason"] == "Narasumber berhalangan."
    assert all(record.key.decode() == session_id for record, _ in found)

    # Each enrollment that was still open learnt it with its own EnrollmentChanged.
    changes = await _read_topic(
        kafka_topics,
        topics.ENROLLMENT_CHANGED,
        lambda body: body.get("session_id") == session_id and body.get("status") == "cancelled",
        expected=3,
    )
    assert sorted((b["nip"], b["previous_status"]) for _, b in changes) == sorted(
        [(invited, "invited"), (enrolled, "enrolled"), (waitlisted, "waitlisted")]
    )
    assert {b["reason"] for _, b in changes} == {"Narasumber berhalangan."}


async def test_a_new_place_is_published_but_more_seats_alone_are_not(client, kafka_topics):
    session_id = await open_session(
        client, starts_at="2028-03-20T08:00:00+07:00", ends_at="2028-03-20T16:00:00+07:00",
        capacity=2,
    )  # fmt: skip
    r = await client.patch(f"/api/v1/sessions/{session_id}", json={"capacity": 3})
    assert r.status_code == 200 and r.json()["sequence"] == 0, r.text
    r = await client.patch(
        f"/api/v1/sessions/{session_id}", json={"place": "Ruang Rapat Lt. 3, Puspemkot"}
    )
    assert r.status_code == 200 and r.json()["sequence"] == 1, r.text
    r = await client.patch(f"/api/v1/sessions/{session_id}", json={"capacity": 4})
    assert r.status_code == 200 and r.json()["sequence"] == 1, r.text
    r = await client.post(
        f"/api/v1/sessions/{session_id}/cancel", json={"reason": "Anggaran dialihkan."}
    )
    assert r.status_code == 200, r.text

    # Up to the cancellation (the last event) only the opening and the new place went out.
    found = await _session_events(kafka_topics, session_id, expected=3)
    assert [(b["change"], b["sequence"]) for _, b in found] == [
        ("opened", 0),
        ("rescheduled", 1),
        ("cancelled", 2),
    ]
    _, moved, gone = (b for _, b in found)
    assert (moved["place"], moved["capacity"], moved["reason"]) == (
        "Ruang Rapat Lt. 3, Puspemkot",
        3,
        None,
    )
    assert moved["starts_at"] == "2028-03-20T08:00:00+07:00"
    assert gone["capacity"] == 4


async def test_a_cancelled_session_is_not_changed_again(client):
    session_id = await open_session(
        client, starts_at="2028-04-03T08:00:00+07:00", ends_at="2028-04-03T12:00:00+07:00",
        capacity=5,
    )  # fmt: skip
    [late] = await add_people(client, 1)
    cancel = {"reason": "Anggaran dialihkan."}
    assert (
        await client.post(f"/api/v1/sessions/{session_id}/cancel", json=cancel)
    ).status_code == 200
    again = await client.post(f"/api/v1/sessions/{session_id}/cancel", json=cancel)
    assert again.status_code == 409 and again.json()["error"] == "session_cancelled"
    moved = await client.post(
        f"/api/v1/sessions/{session_id}/reschedule",
        json={
            "starts_at": "2028-04-10T08:00:00+07:00",
            "ends_at": "2028-04-10T12:00:00+07:00",
            "reason": "Coba lagi.",
        },
    )
    assert moved.status_code == 409 and moved.json()["error"] == "session_cancelled"
    r = await client.post(f"/api/v1/sessions/{session_id}/enrollments", json={"nip": late})
    assert r.status_code == 409 and r.json()["error"] == "session_cancelled"
    r = await client.patch(f"/api/v1/sessions/{session_id}", json={"capacity": 9})
    assert r.status_code == 409 and r.json()["error"] == "session_cancelled"
    shown = (await client.get(f"/api/v1/sessions/{session_id}")).json()
    assert shown["sequence"] == 1  # refusals do not count


async def test_a_started_session_is_neither_rescheduled_nor_cancelled(client):
    now = datetime.now(JAKARTA)
    session_id = await open_session(
        client,
        starts_at=(now - timedelta(hours=1)).isoformat(),
        ends_at=(now + timedelta(hours=3)).isoformat(),
        capacity=5,
    )
    moved = await client.post(
        f"/api/v1/sessions/{session_id}/reschedule",
        json={
            "starts_at": (now + timedelta(days=7)).isoformat(),
            "ends_at": (now + timedelta(days=7, hours=4)).isoformat(),
            "reason": "Terlambat.",
        },
    )
    assert moved.status_code == 409 and moved.json()["error"] == "session_started"
    cancel = await client.post(f"/api/v1/sessions/{session_id}/cancel", json={"reason": "x"})
    assert cancel.status_code == 409 and cancel.json()["error"] == "session_started"


async def test_a_reschedule_is_validated_field_by_field(client):
    session_id = await open_session(
        client, starts_at="2028-05-08T08:00:00+07:00", ends_at="2028-05-08T12:00:00+07:00",
        capacity=5,
    )  # fmt: skip
    url = f"/api/v1/sessions/{session_id}/reschedule"
    cases = [
        {"starts_at": "2028-05-09T12:00:00+07:00", "ends_at": "2028-05-09T08:00:00+07:00"},
        {"starts_at": "2020-05-09T08:00:00+07:00", "ends_at": "2020-05-09T12:00:00+07:00"},
        {"starts_at": "2028-05-09T08:00:00", "ends_at": "2028-05-09T12:00:00"},
    ]
    for times in cases:
        r = await client.post(url, json={**times, "reason": "Geser."})
        assert r.status_code == 422, (times, r.text)
    blank = await client.post(
        url,
        json={
            "starts_at": "2028-05-09T08:00:00+07:00",
            "ends_at": "2028-05-09T12:00:00+07:00",
            "reason": "   ",
        },
    )
    assert blank.status_code == 422
    unknown = await client.post(
        f"/api/v1/sessions/{uuid.uuid4()}/cancel", json={"reason": "Tidak ada."}
    )
    assert unknown.status_code == 404
    assert (await client.get(f"/api/v1/sessions/{session_id}")).json()["sequence"] == 0


async def test_only_organizers_and_admins_reschedule_or_cancel(
    client: httpx.AsyncClient, identity: DevIdentity
):
    session_id = await open_session(
        client, starts_at="2028-06-05T08:00:00+07:00", ends_at="2028-06-05T12:00:00+07:00",
        capacity=5,
    )  # fmt: skip
    times = {
        "starts_at": "2028-06-12T08:00:00+07:00",
        "ends_at": "2028-06-12T12:00:00+07:00",
        "reason": "Geser sepekan.",
    }
    for role in ("auditor", "unit-operator", "asn"):
        for action, body in (("reschedule", times), ("cancel", {"reason": "Batal."})):
            r = await client.post(
                f"/api/v1/sessions/{session_id}/{action}", json=body, headers=identity.headers(role)
            )
            assert r.status_code == 403, (role, action, r.status_code)
    r = await client.post(
        f"/api/v1/sessions/{session_id}/reschedule",
        json=times,
        headers=identity.headers("organizer"),
    )
    assert r.status_code == 200 and r.json()["sequence"] == 1
    r = await client.post(
        f"/api/v1/sessions/{session_id}/cancel",
        json={"reason": "Batal."},
        headers=identity.headers("organizer"),
    )
    assert r.status_code == 200 and r.json()["sequence"] == 2


async def test_sessions_of_a_scheduled_programme_are_published_as_opened(ctx, client, kafka_topics):
    cohort = await add_people(client, 2)
    sp_id = f"sp-{uuid.uuid4().hex[:12]}"
    event = _decision(
        sp_id,
        f"key-{sp_id}",
        "PLP-PRIMA",
        [
            ScheduledSession(
                session_ref="1",
                starts_at="2028-07-03T08:00:00+07:00",
                ends_at="2028-07-05T16:00:00+07:00",
                place="Aula Kecamatan Serpong",
                capacity=20,
                cohort=cohort,
            )
        ],
    )
    await _send(kafka_topics, encode(event, source=SOURCE))
    conn = await asyncpg.connect(ctx.database_dsn)
    try:
        session_id = await _wait_for(
            lambda: conn.fetchval(
                "SELECT id::text FROM sessions WHERE scheduled_programme_id = $1", sp_id
            )
        )
    finally:
        await conn.close()
    found = await _session_events(kafka_topics, session_id, expected=1)
    assert len(found) == 1
    [(_, body)] = found
    assert (body["change"], body["sequence"], body["scheduled_programme_id"]) == (
        "opened",
        0,
        sp_id,
    )
    assert (body["programme_code"], body["capacity"]) == ("PLP-PRIMA", 20)
    assert body["starts_at"] == "2028-07-03T08:00:00+07:00"
