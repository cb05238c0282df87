"""Webhooks on real parts: the service in-process on the session's Kafka and PostgreSQL, events
published as the owning services publish them, receivers on real ports that verify with the
`standardwebhooks` library. Retries are quick here (backoff 0.05-0.3 s) and plentiful."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from asn_devkit.testing import DatabaseFactory
from asn_platform import topics
from tests.integration.webhooks.helpers import (
    API,
    Hooks,
    Receiver,
    event_ids,
    eventually,
    gap,
    new_unit,
    running_webhooks,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def hooks(
    kafka_topics: str, pg_server_url: str, db_factory: DatabaseFactory
) -> AsyncIterator[Hooks]:
    async with running_webhooks(
        kafka_topics,
        pg_server_url,
        db_factory,
        "d",
        webhooks_max_attempts=100,
        webhooks_pause_after_failures=1000,
    ) as h:
        yield h


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    yield r
    await r.stop()


async def test_every_event_arrives_once_per_id_in_order_per_key_under_retries(
    hooks: Hooks, receiver: Receiver
):
    receiver.fail_first = 1  # every event's first attempt gets a 500
    sub = await hooks.register(receiver, [topics.SURVEY_SUBMITTED, topics.SERVICE_GAP_DETECTED])
    units = [new_unit() for _ in range(3)]
    per_unit = {u: await hooks.surveys(u, 6) for u in units}
    gaps = await hooks.publisher.send(gap(units[0]))
    # Kafka delivers again what it delivered (a producer retry, a rebalance): nothing twice.
    await hooks.publisher.send(*per_unit[units[1]][:3])
    every = [r for records in per_unit.values() for r in records] + gaps
    await eventually(
        lambda: asyncio.sleep(0, len(receiver.accepted) >= len(every)), 60, "all events"
    )
    assert sorted(receiver.ids()) == sorted(event_ids(every))
    assert all(receiver.attempts[i] == 2 for i in event_ids(every))  # one 500, one 2xx each
    for unit, records in per_unit.items():
        got = [r.id for r in receiver.accepted if r.data.get("unit_id") == unit and
               r.type == topics.SURVEY_SUBMITTED]  # fmt: skip
        assert got == event_ids(records), f"order of {unit}"
    first = receiver.accepted[0]
    assert receiver.content_types == {"application/cloudevents+json"}
    assert first.headers["webhook-id"] == first.id
    assert first.headers["webhook-signature"].startswith("v1,")
    assert receiver.verifications == 1
    rows = await hooks.db.fetchval(
        "SELECT count(*) FROM webhook_deliveries WHERE subscription_id = $1::uuid", sub["id"]
    )
    assert rows == len(every)  # the duplicates created no row
    shown = (await hooks.client.get(f"{API}/subscriptions/{sub['id']}")).json()
    assert shown["deliveries"] == {"pending": 0, "delivered": len(every), "dead": 0}
    assert "secret" not in shown
    await hooks.delete(sub["id"])


async def test_the_body_is_the_whole_cloudevent(hooks: Hooks, receiver: Receiver):
    sub = await hooks.register(receiver, [topics.SERVICE_GAP_DETECTED])
    unit = new_unit()
    [record] = await hooks.publisher.send(gap(unit))
    await eventually(lambda: asyncio.sleep(0, receiver.accepted), 30, "the gap event")
    got = receiver.accepted[0]
    assert got.id == record.header("ce_id")
    assert got.type == topics.SERVICE_GAP_DETECTED
    assert got.data == json.loads(record.value)
    assert got.subject == record.header("ce_subject")
    await hooks.delete(sub["id"])


async def test_a_receiver_down_for_a_while_gets_everything_when_back(
    hooks: Hooks, receiver: Receiver
):
    sub = await hooks.register(receiver)
    await receiver.stop()  # gone: connections refused
    unit = new_unit()
    records = await hooks.surveys(unit, 5)
    await hooks.fanned_out(sub["id"], records)

    async def failed_twice() -> bool:
        attempts = await hooks.db.fetchval(
            "SELECT max(attempts) FROM webhook_deliveries WHERE subscription_id = $1::uuid",
            sub["id"],
        )
        return bool(attempts and attempts >= 2)

    await eventually(failed_twice, 30, "failed attempts while the receiver is down")
    await receiver.start()  # back on the same port
    await eventually(lambda: asyncio.sleep(0, len(receiver.accepted) >= 5), 60, "the backlog")
    assert receiver.ids() == event_ids(records)  # all of them, in order
    await hooks.delete(sub["id"])


async def test_a_paused_subscription_receives_nothing_until_resumed(hooks: Hooks):
    paused_rx, control_rx = Receiver(), Receiver()
    await paused_rx.start()
    await control_rx.start()
    try:
        paused = await hooks.register(paused_rx)
        control = await hooks.register(control_rx)
        r = await hooks.client.post(f"{API}/subscriptions/{paused['id']}/pause")
        assert r.status_code == 200 and r.json()["status"] == "paused"
        unit = new_unit()
        records = await hooks.surveys(unit, 4)
        await hooks.fanned_out(paused["id"], records)
        # The control subscription got the same events through the same sender: it went by.
        await eventually(lambda: asyncio.sleep(0, len(control_rx.accepted) >= 4), 30, "control")
        assert control_rx.ids() == event_ids(records)
        assert paused_rx.accepted == [] and not paused_rx.attempts
        r = await hooks.client.post(f"{API}/subscriptions/{paused['id']}/resume")
        assert r.status_code == 200 and r.json()["status"] == "active"
        await eventually(lambda: asyncio.sleep(0, len(paused_rx.accepted) >= 4), 30, "resumed")
        assert paused_rx.ids() == event_ids(records)
        await hooks.delete(paused["id"])
        await hooks.delete(control["id"])
    finally:
        await paused_rx.stop()
        await control_rx.stop()


async def test_rotation_overlap_signs_with_both_secrets(hooks: Hooks, receiver: Receiver):
    sub = await hooks.register(receiver)
    old = sub["secret"]
    r = await hooks.client.post(
        f"{API}/subscriptions/{sub['id']}/rotate-secret", json={"overlap_s": 3600}
    )
    assert r.status_code == 200, r.text
    new = r.json()["secret"]
    assert new != old and new.startswith("whsec_") and r.json()["previous_secret_valid_until"]
    receiver.secrets = [old, new]  # every request must verify with each secret on its own
    records = await hooks.surveys(new_unit(), 2)
    await eventually(lambda: asyncio.sleep(0, len(receiver.accepted) >= 2), 30, "overlap")
    assert receiver.ids() == event_ids(records) and receiver.refused == 0
    assert all(len(x.headers["webhook-signature"].split()) == 2 for x in receiver.accepted)

    # Rotated again without overlap: only the newest secret signs; the old one is refused.
    r = await hooks.client.post(
        f"{API}/subscriptions/{sub['id']}/rotate-secret", json={"overlap_s": 0}
    )
    newest = r.json()["secret"]
    receiver.secrets = [newest]
    more = await hooks.surveys(new_unit(), 1)
    await eventually(lambda: asyncio.sleep(0, len(receiver.accepted) >= 3), 30, "newest")
    assert receiver.ids()[-1] == event_ids(more)[0]
    assert receiver.accepted[-1].headers["webhook-signature"].count("v1,") == 1
    await hooks.delete(sub["id"])


async def test_personal_data_types_need_the_explicit_flag(hooks: Hooks, receiver: Receiver):
    body = {"agency": "BKD", "url": receiver.url, "event_types": [topics.ENROLLMENT_CHANGED]}
    r = await hooks.client.post(f"{API}/subscriptions", json=body)
    assert r.status_code == 422
    assert r.json()["fields"][0]["field"] == "event_types"
    assert "NIP" in r.json()["fields"][0]["problem"]
    for internal in (topics.RESPONSE_INTAKE, topics.RPC_RECOMMENDATIONS_REQUEST):
        r = await hooks.client.post(
            f"{API}/subscriptions",
            json={**body, "event_types": [internal], "allow_personal_data": True},
        )
        assert r.status_code == 422 and r.json()["fields"][0]["field"] == "event_types"
    assert receiver.verifications == 0  # refused before anything was sent
    sub = await hooks.register(receiver, [topics.ENROLLMENT_CHANGED], allow_personal_data=True)
    assert sub["allow_personal_data"] is True
    await hooks.delete(sub["id"])


async def test_registration_verifies_the_endpoint(hooks: Hooks, receiver: Receiver):
    gone = Receiver()  # nothing listens on its port
    body = {"agency": "BKD", "event_types": [topics.SURVEY_SUBMITTED]}
    r = await hooks.client.post(f"{API}/subscriptions", json={**body, "url": gone.url})
    assert r.status_code == 422, r.text
    assert r.json()["fields"][0]["field"] == "url"
    assert "verification failed" in r.json()["fields"][0]["problem"]
    # An endpoint that answers, but not 2xx (a path the receiver does not have: 404).
    r = await hooks.client.post(
        f"{API}/subscriptions", json={**body, "url": receiver.url.replace("/hook", "/nope")}
    )
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "url"
    assert "404" in r.json()["fields"][0]["problem"]
    r = await hooks.client.post(
        f"{API}/subscriptions", json={**body, "url": "http://dinkes.example.go.id/hook"}
    )
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "url"
    r = await hooks.client.post(f"{API}/subscriptions", json={**body, "url": "https://xn--/x"})
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "url"  # IDNA: not a 500
    listed = (await hooks.client.get(f"{API}/subscriptions")).json()
    assert all(s["url"] != gone.url for s in listed)


async def test_the_admin_api_is_for_admins(hooks: Hooks):
    from asn_devkit.testing import test_identity

    ident = test_identity()
    for role in ("auditor", "unit-operator", "organizer"):
        r = await hooks.client.get(f"{API}/subscriptions", headers=ident.headers(role))
        assert r.status_code == 403, role
    r = await hooks.client.get(f"{API}/subscriptions", headers={"authorization": ""})
    assert r.status_code == 401
