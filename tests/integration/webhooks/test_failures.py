"""Failure paths on real parts: few attempts before a dead letter, a subscription paused after
repeated failure; a bad signature refused by the receivers' library; re-delivery and resume
from the admin API."""

from __future__ import annotations

import asyncio
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
    new_unit,
    running_webhooks,
)

pytestmark = pytest.mark.integration
MAX_ATTEMPTS = 2
PAUSE_AFTER = 6


@pytest.fixture(scope="module")
async def hooks(
    kafka_topics: str, pg_server_url: str, db_factory: DatabaseFactory
) -> AsyncIterator[Hooks]:
    async with running_webhooks(
        kafka_topics,
        pg_server_url,
        db_factory,
        "f",
        webhooks_max_attempts=MAX_ATTEMPTS,
        webhooks_pause_after_failures=PAUSE_AFTER,
    ) as h:
        yield h


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    yield r
    await r.stop()


async def dead_letters(hooks: Hooks, sub_id: str) -> list[dict[str, object]]:
    r = await hooks.client.get(f"{API}/subscriptions/{sub_id}/dead-letters")
    assert r.status_code == 200, r.text
    return list(r.json())


async def test_a_bad_signature_is_refused_then_dead_lettered_and_redelivered(
    hooks: Hooks, receiver: Receiver
):
    sub = await hooks.register(receiver, [topics.SURVEY_SUBMITTED])
    right = receiver.secrets
    receiver.secrets = ["whsec_" + "QUJD" * 8]  # the receiver holds another secret
    records = [*(await hooks.surveys(new_unit(), 1)), *(await hooks.surveys(new_unit(), 1))]

    async def both_dead() -> list[dict[str, object]] | None:
        dead = await dead_letters(hooks, sub["id"])
        return dead if len(dead) == 2 else None

    dead = await eventually(both_dead, 30, "two dead letters")
    assert receiver.accepted == [] and receiver.refused == 2 * MAX_ATTEMPTS
    assert {str(d["event_id"]) for d in dead} == set(event_ids(records))
    assert all(d["attempts"] == MAX_ATTEMPTS and d["last_status"] == 401 for d in dead)
    shown = (await hooks.client.get(f"{API}/subscriptions/{sub['id']}")).json()
    assert shown["status"] == "active"  # 4 failures, below the pause threshold

    receiver.secrets = right  # the agency fixed its configuration
    r = await hooks.client.post(
        f"{API}/subscriptions/{sub['id']}/dead-letters/redeliver", json={"ids": [dead[0]["id"]]}
    )
    assert r.json() == {"redelivered": 1}
    await eventually(lambda: asyncio.sleep(0, len(receiver.accepted) == 1), 30, "one redelivery")
    assert receiver.ids() == [str(dead[0]["event_id"])]
    r = await hooks.client.post(f"{API}/subscriptions/{sub['id']}/dead-letters/redeliver")
    assert r.json() == {"redelivered": 1}
    await eventually(lambda: asyncio.sleep(0, len(receiver.accepted) == 2), 30, "the rest")
    assert sorted(receiver.ids()) == sorted(event_ids(records))
    assert await dead_letters(hooks, sub["id"]) == []
    await hooks.delete(sub["id"])


async def test_repeated_failure_pauses_the_subscription_and_resume_sends_what_waited(
    hooks: Hooks, receiver: Receiver
):
    sub = await hooks.register(receiver)
    await receiver.stop()
    units = [new_unit() for _ in range(4)]
    records = {u: await hooks.surveys(u, 2) for u in units}
    every = [r for rs in records.values() for r in rs]
    await hooks.fanned_out(sub["id"], every)

    async def paused() -> dict[str, object] | None:
        shown = (await hooks.client.get(f"{API}/subscriptions/{sub['id']}")).json()
        return shown if shown["status"] == "paused" else None

    shown = await eventually(paused, 30, "the automatic pause")
    assert shown["paused_reason"] == "repeated_failures"
    assert shown["consecutive_failures"] >= PAUSE_AFTER
    counts = shown["deliveries"]
    assert counts["delivered"] == 0 and counts["pending"] + counts["dead"] == len(every)

    await receiver.start()
    r = await hooks.client.post(f"{API}/subscriptions/{sub['id']}/resume")
    assert r.json()["status"] == "active" and r.json()["consecutive_failures"] == 0
    if counts["dead"]:
        r = await hooks.client.post(f"{API}/subscriptions/{sub['id']}/dead-letters/redeliver")
        assert r.status_code == 200
    await eventually(
        lambda: asyncio.sleep(0, len(receiver.accepted) >= len(every)), 30, "everything"
    )
    assert sorted(receiver.ids()) == sorted(event_ids(every))
    await hooks.delete(sub["id"])


async def test_unknown_subscriptions_are_404(hooks: Hooks):
    missing = "00000000-0000-4000-8000-000000000000"
    for method, path in (
        ("GET", ""),
        ("POST", "/pause"),
        ("POST", "/resume"),
        ("DELETE", ""),
        ("POST", "/rotate-secret"),
        ("GET", "/dead-letters"),
        ("POST", "/dead-letters/redeliver"),
    ):
        r = await hooks.client.request(method, f"{API}/subscriptions/{missing}{path}")
        assert r.status_code == 404, (method, path, r.text)
    r = await hooks.client.get(f"{API}/subscriptions/not-a-uuid")
    assert r.status_code == 422
