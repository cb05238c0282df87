"""Seats, waitlist and double booking under concurrency, against real PostgreSQL."""

import asyncio
import json

import asyncpg
import pytest

from tests.integration.enrollment.conftest import (
    add_people,
    invite,
    open_session,
    transition,
)

pytestmark = pytest.mark.integration

_EVENTS_OF = "SELECT count(*) FROM outbox WHERE convert_from(key, 'UTF8') = $1"
SEAT_STATUSES = {"enrolled", "attended", "no_show", "completed"}


async def _seats_over_time(ctx, session_id: str) -> list[int]:
    """Replay the session's history (ids are taken under the session lock, so in commit order)."""
    conn = await asyncpg.connect(ctx.database_dsn)
    try:
        rows = await conn.fetch(
            "SELECT h.from_status, h.to_status FROM enrollment_history h"
            " JOIN enrollments e ON e.id = h.enrollment_id WHERE e.session_id = $1 ORDER BY h.id",
            session_id,
        )
    finally:
        await conn.close()
    seats, trace = 0, []
    for row in rows:
        seats += (row["to_status"] in SEAT_STATUSES) - (row["from_status"] in SEAT_STATUSES)
        trace.append(seats)
    return trace


async def test_concurrent_cancellations_promote_the_waitlist_in_order_once(ctx, client):
    capacity, cancels = 10, 8
    session_id = await open_session(
        client,
        starts_at="2027-03-01T08:00:00+07:00",
        ends_at="2027-03-01T16:00:00+07:00",
        capacity=capacity,
    )
    nips = await add_people(client, capacity + 15)
    placed = [await invite(client, session_id, nip, accept=True) for nip in nips]
    seated = [e for e in placed if e["status"] == "enrolled"]
    queue = [e for e in placed if e["status"] == "waitlisted"]
    assert len(seated) == capacity and len(queue) == 15
    assert [e["waitlist_rank"] for e in queue] == list(range(1, 16))

    # Someone leaves the middle of the queue first: promotion must skip them, order kept.
    declined = await transition(client, queue[2]["id"], to="declined", reason="Sedang cuti")
    assert declined.status_code == 200
    # Many cancellations at once, while two people at the back leave the waitlist.
    results = await asyncio.gather(
        *(transition(client, e["id"], to="cancelled") for e in seated[:cancels]),
        transition(client, queue[12]["id"], to="cancelled"),
        transition(client, queue[14]["id"], to="declined", reason="Jadwal dinas luar kota"),
    )
    assert [r.status_code for r in results] == [200] * (cancels + 2)

    promoted = [p for r in results for p in r.json()["promoted"]]
    assert len(promoted) == len(set(promoted)) == cancels  # nobody promoted twice
    left_queue = {queue[i]["id"] for i in (2, 12, 14)}
    remaining = [e["id"] for e in queue if e["id"] not in left_queue]
    assert set(promoted) == set(remaining[:cancels])  # first come, first served

    listing = (await client.get(f"/api/v1/sessions/{session_id}/enrollments")).json()
    status = {e["id"]: e["status"] for e in listing}
    assert sum(s == "enrolled" for s in status.values()) == capacity
    still_waiting = [e for e in listing if e["status"] == "waitlisted"]
    assert [e["id"] for e in still_waiting] == remaining[cancels:]
    assert [e["waitlist_rank"] for e in still_waiting] == list(range(1, len(still_waiting) + 1))
    session = (await client.get(f"/api/v1/sessions/{session_id}")).json()
    assert session["seats"] == {
        "taken": capacity,
        "free": 0,
        "waitlisted": len(remaining) - cancels,
        "invited": 0,
    }
    assert max(await _seats_over_time(ctx, session_id)) <= capacity

    # Each promotion was published once, in the same transaction as its cancellation.
    conn = await asyncpg.connect(ctx.database_dsn)
    try:
        published = await conn.fetch(
            "SELECT convert_from(value, 'UTF8')::jsonb AS v FROM outbox"
            " WHERE topic = 'asn.enrollment.enrollment-changed.v1'"
            " AND convert_from(value, 'UTF8')::jsonb ->> 'session_id' = $1",
            session_id,
        )
    finally:
        await conn.close()
    bodies = [json.loads(r["v"]) for r in published]
    promotions = [
        b["enrollment_id"]
        for b in bodies
        if b["previous_status"] == "waitlisted" and b["status"] == "enrolled"
    ]
    assert sorted(promotions) == sorted(promoted)


async def test_concurrent_acceptances_never_exceed_capacity(ctx, client):
    session_id = await open_session(
        client,
        starts_at="2027-03-02T08:00:00+07:00",
        ends_at="2027-03-02T16:00:00+07:00",
        capacity=5,
    )
    nips = await add_people(client, 20)
    invitations = [await invite(client, session_id, nip) for nip in nips]
    results = await asyncio.gather(
        *(transition(client, e["id"], to="enrolled") for e in invitations)
    )
    statuses = [r.json()["status"] for r in results]
    assert statuses.count("enrolled") == 5 and statuses.count("waitlisted") == 15
    ranks = sorted(r.json()["waitlist_rank"] for r in results if r.json()["status"] == "waitlisted")
    assert len(set(ranks)) == 15
    assert max(await _seats_over_time(ctx, session_id)) <= 5


async def test_no_double_booking_under_concurrent_enrollments(client):
    [nip] = await add_people(client, 1)
    day = "2027-04-05"
    overlapping = [
        await open_session(
            client,
            # 08:00-14:00, 08:30-14:30, ...: every pair overlaps.
            starts_at=f"{day}T{8 + i // 2:02d}:{30 * (i % 2):02d}:00+07:00",
            ends_at=f"{day}T{14 + i // 2:02d}:{30 * (i % 2):02d}:00+07:00",
            capacity=30,
            code=code,
        )
        for i, code in enumerate(["PLP-PRIMA", "PENGADUAN", "ADMINDUK", "KOMUNIKASI", "PATEN"])
    ]
    invitations = [await invite(client, s, nip) for s in overlapping]
    results = await asyncio.gather(
        *(transition(client, e["id"], to="enrolled") for e in invitations)
    )
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 409, 409, 409, 409]
    refused = [r.json() for r in results if r.status_code == 409]
    assert {r["error"] for r in refused} == {"schedule_conflict"}
    winner = next(r.json() for r in results if r.status_code == 200)
    assert {r["conflicting_session_id"] for r in refused} == {winner["session_id"]}

    # A session starting exactly when the booked one ends is no clash (half-open intervals).
    booked_end = winner["session_ends_at"]
    after = await open_session(
        client,
        starts_at=booked_end,
        ends_at=f"{day}T23:00:00+07:00",
        capacity=5,
    )
    direct = await invite(client, after, nip, accept=True)
    assert direct["status"] == "enrolled"

    # Registering directly into an overlapping session is refused the same way, atomically:
    # the refused registration leaves no invitation behind.
    clash = await open_session(
        client, starts_at=f"{day}T10:30:00+07:00", ends_at=f"{day}T11:00:00+07:00", capacity=5
    )
    again = await client.post(
        f"/api/v1/sessions/{clash}/enrollments", json={"nip": nip, "accept": True}
    )
    assert again.status_code == 409 and again.json()["error"] == "schedule_conflict"
    assert (await client.get(f"/api/v1/sessions/{clash}/enrollments")).json() == []


async def test_illegal_transitions_are_refused_with_from_to_and_allowed(client):
    [nip] = await add_people(client, 1)
    session_id = await open_session(  # held already: attendance needs a started session
        client,
        starts_at="2026-05-04T08:00:00+07:00",
        ends_at="2026-05-04T16:00:00+07:00",
        capacity=3,
    )
    enrollment = await invite(client, session_id, nip)
    r = await transition(client, enrollment["id"], to="completed", score=90)
    assert r.status_code == 409
    body = r.json()
    assert body["error"] == "illegal_transition"
    assert (body["from"], body["to"]) == ("invited", "completed")
    assert body["allowed"] == ["declined", "enrolled"]
    assert body["message"].startswith("perubahan status") and "not allowed" in body["message_en"]

    r = await transition(client, enrollment["id"], to="declined")
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "reason"
    r = await transition(client, enrollment["id"], to="declined", reason="Sedang cuti melahirkan")
    assert r.status_code == 200 and r.json()["allowed_next"] == []
    r = await transition(client, enrollment["id"], to="enrolled")
    assert r.status_code == 409 and r.json()["allowed"] == []

    [other] = await add_people(client, 1)
    enrolled = await invite(client, session_id, other, accept=True)
    r = await transition(client, enrolled["id"], to="attended")
    assert r.status_code == 200
    r = await transition(client, enrolled["id"], to="completed")
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "score"
    r = await transition(client, enrolled["id"], to="completed", score=101)
    assert r.status_code == 422
    assert (await transition(client, enrolled["id"], to="cancelled")).status_code == 409


async def test_attendance_no_show_and_completion_wait_for_the_session_to_start(ctx, client):
    [nip, other] = await add_people(client, 2)
    session_id = await open_session(
        client,
        starts_at="2099-06-01T08:00:00+07:00",
        ends_at="2099-06-01T16:00:00+07:00",
        capacity=3,
    )
    enrolled = await invite(client, session_id, nip, accept=True)
    async with ctx.pool.acquire() as conn:
        events_before = await conn.fetchval(_EVENTS_OF, nip)
    for target in ("attended", "no_show"):
        r = await transition(client, enrolled["id"], to=target)
        assert r.status_code == 409, r.text
        body = r.json()
        assert (body["error"], body["rule"], body["to"]) == (
            "session_not_started",
            "attendance_after_start",
            target,
        )
        assert body["session_starts_at"] == "2099-06-01T08:00:00+07:00"
        assert "setelah sesi dimulai" in body["message"]
        assert "once the session has started" in body["message_en"]
    after = (await client.get(f"/api/v1/enrollments/{enrolled['id']}")).json()
    assert after["status"] == "enrolled"  # nothing changed on the refusal
    async with ctx.pool.acquire() as conn:
        assert await conn.fetchval(_EVENTS_OF, nip) == events_before
    # A cancellation of the seat before the start is still fine.
    assert (await transition(client, enrolled["id"], to="cancelled")).status_code == 200
    # An invitation is answered before the start, as ever.
    invited = await invite(client, session_id, other)
    assert (await transition(client, invited["id"], to="enrolled")).status_code == 200
