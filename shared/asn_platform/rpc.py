"""Asynchronous request/reply over Kafka, for the few places where a caller needs an answer.

FastStream's ``broker.request()`` only works in TestKafkaBroker (a real broker raises
FeatureNotSupportedException, see docs/kafka.md), so replies are matched by hand:

- The caller publishes the request with headers ``correlation_id``, ``reply_to`` (its own reply
  topic, one per caller instance: ``topics.reply_topic(service, instance_id)``) and
  ``x-rpc-deadline`` (epoch milliseconds after which nobody waits for the answer).
- The responder (a FastStream subscriber in a consumer group, so instances share the load)
  calls the handler and returns the result; FastStream publishes it to ``reply_to`` with the
  same ``correlation_id``. A failing handler sends ``{"error": {...}}`` with
  ``x-rpc-status: error``; an expired request is acknowledged without an answer.
- The caller's reader task resolves the waiting future by correlation id; ``request`` raises
  ``RpcTimeout`` when no reply came in time.

API::

    client = RpcClient(broker, settings, "surveys")
    await broker.start(); await client.start()          # creates and reads the reply topic
    answer = await client.request(topics.RPC_RECOMMENDATIONS_REQUEST,
                                  {"unit_id": "disdukcapil"}, timeout_s=5.0)   # -> dict
    await client.stop()                                  # deletes the reply topic

    async def answer(payload: dict) -> dict: ...
    register_responder(broker, topics.RPC_RECOMMENDATIONS_REQUEST, "recommendations-rpc",
                       answer, settings=settings)        # before broker.start()

Payloads are plain JSON objects on the wire; their typed contracts (the question and the
answer as pydantic models, with committed JSON Schemas) live in ``asn_platform.contracts.rpc``:
``request`` accepts a model, and the caller parses the reply with the contract's parser.

Errors: ``RpcTimeout`` (a ``TimeoutError``) names the topic, the timeout and the correlation
id; ``RpcError`` carries a responder's failure. Requests are for queries: a responder may see
a request twice (it is redelivered if the responder dies while answering).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import uuid4

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from faststream.exceptions import AckMessage
from faststream.kafka import KafkaBroker, KafkaResponse
from faststream.kafka.annotations import KafkaMessage
from faststream.middlewares import AckPolicy
from pydantic import BaseModel

from asn_platform import topics
from asn_platform.kafka import client_options, consumer_options, ensure_topics
from asn_platform.settings import PlatformSettings

log = logging.getLogger(__name__)

H_CORRELATION_ID = "correlation_id"  # FastStream's header names
H_REPLY_TO = "reply_to"
H_DEADLINE = "x-rpc-deadline"
H_STATUS = "x-rpc-status"

Responder = Callable[[dict[str, Any]], Awaitable[dict[str, Any] | BaseModel]]


class RpcTimeout(TimeoutError):
    """No reply within the timeout (no responder running, or it is too slow)."""


class RpcError(RuntimeError):
    """The responder answered with an error, or the client stopped while waiting."""


def _as_dict(payload: dict[str, Any] | BaseModel) -> dict[str, Any]:
    if isinstance(payload, BaseModel):
        return payload.model_dump(mode="json")
    return payload


class RpcClient:
    """Sends requests and waits for their replies on this instance's reply topic."""

    def __init__(
        self,
        broker: KafkaBroker,
        settings: PlatformSettings,
        service_name: str,
        *,
        reply_topic: str | None = None,
        delete_reply_topic: bool = True,
    ) -> None:
        self.broker = broker
        self.settings = settings
        self.service_name = service_name
        self.reply_topic = reply_topic or topics.reply_topic(service_name, settings.instance_id)
        self.delete_reply_topic = delete_reply_topic
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._task is not None:
            return
        bootstrap = self.settings.kafka_bootstrap_servers
        await ensure_topics(
            bootstrap, [topics.TopicSpec(self.reply_topic, 1)], settings=self.settings
        )
        consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            **client_options(self.settings),
            client_id=f"{self.service_name}-rpc-replies",
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=self.settings.kafka_fetch_max_wait_ms,
        )
        await consumer.start()
        consumer.assign([TopicPartition(self.reply_topic, 0)])
        self._consumer = consumer
        self._task = asyncio.create_task(self._read_replies(), name=f"rpc-{self.reply_topic}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            with contextlib.suppress(Exception):
                await consumer.stop()
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(RpcError("the RPC client stopped before the reply came"))
        self._pending.clear()
        if self.delete_reply_topic:
            await self._delete_reply_topic()

    async def request(
        self,
        topic: str,
        payload: dict[str, Any] | BaseModel,
        timeout_s: float = 5.0,
        *,
        key: bytes | None = None,
    ) -> dict[str, Any]:
        """Send ``payload`` to ``topic`` and return the reply; ``RpcTimeout`` if none in time."""
        if self._task is None:
            raise RuntimeError("RpcClient.start() must be awaited before request()")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        correlation_id = uuid4().hex
        future: asyncio.Future[dict[str, Any]] = loop.create_future()
        self._pending[correlation_id] = future
        try:
            await asyncio.wait_for(
                self.broker.publish(
                    _as_dict(payload),
                    topic=topic,
                    key=key,
                    reply_to=self.reply_topic,
                    correlation_id=correlation_id,
                    headers={H_DEADLINE: str(int((time.time() + timeout_s) * 1000))},
                ),
                max(0.001, deadline - loop.time()),
            )
            return await asyncio.wait_for(future, max(0.001, deadline - loop.time()))
        except TimeoutError:
            raise RpcTimeout(
                f"no reply to the request on {topic!r} within {timeout_s:g}s "
                f"(correlation id {correlation_id}); is a responder running?"
            ) from None
        finally:
            self._pending.pop(correlation_id, None)

    async def _read_replies(self) -> None:
        assert self._consumer is not None
        consumer = self._consumer
        while True:
            try:
                batch = await consumer.getmany(timeout_ms=1000, max_records=500)
            except asyncio.CancelledError:
                raise
            except Exception as err:
                log.warning("rpc reply reader on %s: %s", self.reply_topic, err)
                await asyncio.sleep(1.0)
                continue
            for records in batch.values():
                for record in records:
                    self._resolve(record)

    def _resolve(self, record: Any) -> None:
        headers = {k: (v or b"").decode(errors="replace") for k, v in record.headers or ()}
        future = self._pending.get(headers.get(H_CORRELATION_ID, ""))
        if future is None or future.done():
            return  # a late reply, or one meant for an earlier process on this topic
        try:
            body = json.loads(record.value) if record.value else {}
        except ValueError:
            future.set_exception(RpcError("the reply is not JSON"))
            return
        if headers.get(H_STATUS) == "error":
            error = body.get("error", {}) if isinstance(body, dict) else {}
            future.set_exception(
                RpcError(f"the responder failed: {error.get('type')}: {error.get('message')}")
            )
        elif not isinstance(body, dict):
            future.set_exception(RpcError("the reply is not a JSON object"))
        else:
            future.set_result(body)

    async def _delete_reply_topic(self) -> None:
        admin = AIOKafkaAdminClient(
            bootstrap_servers=self.settings.kafka_bootstrap_servers,
            request_timeout_ms=5000,
            **client_options(self.settings),
        )
        try:
            await asyncio.wait_for(admin.start(), 5.0)
            await asyncio.wait_for(admin.delete_topics([self.reply_topic]), 5.0)
        except Exception as err:
            log.info("could not delete reply topic %s: %s", self.reply_topic, err)
        finally:
            with contextlib.suppress(Exception):
                await admin.close()


def register_responder(
    broker: KafkaBroker,
    topic: str,
    group_id: str,
    handler: Responder,
    *,
    settings: PlatformSettings | None = None,
) -> Any:
    """Answer requests on ``topic`` with ``handler(payload) -> dict``; register before start."""
    settings = settings or PlatformSettings()
    subscriber = broker.subscriber(
        topic,
        group_id=group_id,
        ack_policy=AckPolicy.ACK,
        decoder=_raw_body,
        **consumer_options(settings),
    )

    async def respond(message: KafkaMessage) -> KafkaResponse:
        deadline = message.headers.get(H_DEADLINE)
        if deadline and deadline.isdigit() and int(deadline) < time.time() * 1000:
            log.info("rpc %s: request %s expired; not answered", topic, message.correlation_id)
            raise AckMessage()
        try:
            payload = json.loads(message.body) if message.body else {}
            if not isinstance(payload, dict):
                raise ValueError("the request body must be a JSON object")
            result = _as_dict(await handler(payload))
            return KafkaResponse(
                json.dumps(result).encode(),
                headers={H_STATUS: "ok", "content-type": "application/json"},
            )
        except Exception as err:
            log.warning("rpc %s: handler failed: %s: %s", topic, type(err).__name__, err)
            error = {"error": {"type": type(err).__name__, "message": str(err)[:1000]}}
            return KafkaResponse(
                json.dumps(error).encode(),
                headers={H_STATUS: "error", "content-type": "application/json"},
            )

    respond.__name__ = f"rpc_{group_id}_{topic}".replace(".", "_").replace("-", "_")
    subscriber(respond)
    return subscriber


async def _raw_body(message: Any) -> None:
    return None
