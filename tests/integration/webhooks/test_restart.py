"""A restart loses nothing and repeats only what was not acknowledged: the delivery rows are
each subscription's position, kept in PostgreSQL, and the consumer group's offsets in Kafka."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from asn_devkit.testing import DatabaseFactory
from tests.integration.webhooks.helpers import (
    Publisher,
    Receiver,
    event_ids,
    eventually,
    new_unit,
    publish_surveys,
    running_webhooks,
)

pytestmark = pytest.mark.integration


async def test_a_restart_loses_nothing_and_repeats_nothing_acknowledged(
    kafka_topics: str, pg_server_url: str, db_factory: DatabaseFactory
):
    group = f"webhooks-test-r-{uuid.uuid4().hex[:6]}"
    settings = {"webhooks_max_attempts": 100, "webhooks_pause_after_failures": 1000}
    receiver = Receiver()
    await receiver.start()
    try:
        async with running_webhooks(
            kafka_topics, pg_server_url, db_factory, "r", group, **settings
        ) as hooks:
            sub = await hooks.register(receiver)
            unit = new_unit()
            acknowledged = await hooks.surveys(unit, 3)
            await eventually(lambda: asyncio.sleep(0, len(receiver.accepted) >= 3), 30, "first")
            await receiver.stop()  # the next ones cannot be delivered before the restart
            waiting = await hooks.surveys(unit, 3)
            await hooks.fanned_out(sub["id"], waiting)
        # Stopped. Published while the service is down: only Kafka has these.
        publisher = Publisher(kafka_topics)
        await publisher.start()
        try:
            unseen = await publish_surveys(publisher, unit, 3)
        finally:
            await publisher.stop()
        await receiver.start()
        async with running_webhooks(
            kafka_topics, pg_server_url, db_factory, "r", group, **settings
        ) as hooks:
            every = acknowledged + waiting + unseen
            await eventually(
                lambda: asyncio.sleep(0, len(receiver.accepted) >= len(every)), 60, "the rest"
            )
            assert receiver.ids() == event_ids(every)  # all, in order, once each
            # nothing acknowledged before the restart was sent again
            assert all(receiver.attempts[i] == 1 for i in event_ids(acknowledged))
            await hooks.delete(sub["id"])
    finally:
        await receiver.stop()
