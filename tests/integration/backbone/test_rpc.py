"""Request/reply over the real broker: answers within the timeout, a clear timeout error when
nobody answers, responder errors travel back, concurrent requests are matched."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from faststream.kafka import KafkaBroker

from asn_platform.kafka import make_broker
from asn_platform.rpc import RpcClient, RpcError, RpcTimeout, register_responder
from asn_platform.settings import PlatformSettings

from .conftest import group_name

pytestmark = pytest.mark.integration


async def answer(payload: dict[str, Any]) -> dict[str, Any]:
    if payload.get("unit_id") == "boom":
        raise KeyError("no such unit")
    await asyncio.sleep(0.01)
    return {"unit_id": payload["unit_id"], "programmes": ["PLP-PRIMA"], "n": payload.get("n")}


@pytest.fixture
async def rpc(settings: PlatformSettings, new_topic: Callable):
    topic = await new_topic("rpc", partitions=3)
    responder_broker = make_broker(settings, client_id="responder", log_level=logging.DEBUG)
    register_responder(responder_broker, topic, group_name("rpc"), answer, settings=settings)
    caller_broker = make_broker(settings, client_id="caller", log_level=logging.DEBUG)
    client = RpcClient(caller_broker, settings, "surveys")
    await asyncio.gather(responder_broker.start(), caller_broker.start())
    await client.start()
    yield topic, client, caller_broker
    await client.stop()
    await asyncio.gather(responder_broker.stop(), caller_broker.stop())


async def test_a_request_is_answered_within_the_timeout(rpc):
    topic, client, _ = rpc
    reply = await client.request(topic, {"unit_id": "disdukcapil"}, timeout_s=10)
    assert reply == {"unit_id": "disdukcapil", "programmes": ["PLP-PRIMA"], "n": None}
    started = time.monotonic()
    replies = await asyncio.gather(
        *(client.request(topic, {"unit_id": f"u{i}", "n": i}, timeout_s=10) for i in range(30))
    )
    assert [r["n"] for r in replies] == list(range(30))
    assert time.monotonic() - started < 5


async def test_a_responder_error_comes_back_as_rpc_error(rpc):
    topic, client, _ = rpc
    with pytest.raises(RpcError, match="KeyError"):
        await client.request(topic, {"unit_id": "boom"}, timeout_s=10)


async def test_no_responder_gives_a_clear_timeout(settings: PlatformSettings, new_topic: Callable):
    topic = await new_topic("silent")
    broker: KafkaBroker = make_broker(settings, client_id="lonely", log_level=logging.DEBUG)
    await broker.start()
    client = RpcClient(broker, settings, "surveys")
    await client.start()
    try:
        started = time.monotonic()
        with pytest.raises(RpcTimeout, match=rf"on '{topic}' within 1s") as err:
            await client.request(topic, {"unit_id": "disdukcapil"}, timeout_s=1.0)
        assert 0.9 < time.monotonic() - started < 3
        assert "is a responder running" in str(err.value)
        assert isinstance(err.value, TimeoutError)
    finally:
        await client.stop()
        await broker.stop()
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        assert client.reply_topic not in await admin.list_topics()  # removed on stop
    finally:
        await admin.close()
