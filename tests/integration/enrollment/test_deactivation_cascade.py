"""Deactivating a person (moved, retired) cancels the seats they hold, in one transaction: the
waitlist moves up, the history and events say why, and open invitations cannot be accepted."""

import pytest

from tests.integration.enrollment.conftest import add_people, invite, open_session, transition

pytestmark = pytest.mark.integration


async def test_deactivation_cancels_seats_and_promotes_the_waitlist(ctx, client):
    leaving, waiting = await add_people(client, 2)
    full = await open_session(
        client, starts_at="2027-05-03T08:00:00+07:00", ends_at="2027-05-05T16:00:00+07:00",
        capacity=1,
    )  # fmt: skip
    later = await open_session(
        client, starts_at="2027-06-07T08:00:00+07:00", ends_at="2027-06-09T16:00:00+07:00",
        capacity=5,
    )  # fmt: skip
    seat = await invite(client, full, leaving, accept=True)
    queued = await invite(client, full, waiting, accept=True)
    assert (seat["status"], queued["status"]) == ("enrolled", "waitlisted")
    pending = await invite(client, later, leaving)

    r = await client.delete(f"/api/v1/asn/{leaving}")
    assert r.status_code == 200, r.text
    assert r.json()["active"] is False
    assert r.json()["cancelled_enrollments"] == [seat["id"]]

    after = (await client.get(f"/api/v1/enrollments/{seat['id']}")).json()
    assert after["status"] == "cancelled" and "dinonaktifkan" in after["reason"]
    promoted = (await client.get(f"/api/v1/enrollments/{queued['id']}")).json()
    assert promoted["status"] == "enrolled"
    refused = await transition(client, pending["id"], to="enrolled")
    assert refused.status_code == 409 and refused.json()["error"] == "asn_inactive"
    again = await client.delete(f"/api/v1/asn/{leaving}")
    assert again.status_code == 200 and again.json()["cancelled_enrollments"] == []
