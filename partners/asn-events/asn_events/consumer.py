"""A Kafka consumer for partners: verified events in, offsets committed only after handling.

Delivery is at-least-once. A record's offset is committed after your handler returned for it
(and for every record before it on that partition), so a crash or a restart re-delivers what was
not finished, never skips it. Make your handler idempotent: keep the ``event.id`` values you have
applied (the platform never reuses one) and skip a repeat.

A record that is not a valid event (``EnvelopeError``) goes to ``on_invalid`` (default: log and
skip); the consumer never stops on one bad record.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from asn_events.config import PartnerLogin
from asn_events.envelope import CloudEvent, EnvelopeError, decode

log = logging.getLogger("asn_events")

Handler = Callable[[CloudEvent], Awaitable[None]]
OnInvalid = Callable[[Any, EnvelopeError], Awaitable[None]]


async def _log_invalid(record: Any, err: EnvelopeError) -> None:
    log.warning(
        "skipped an invalid record %s[%s]@%s: %s",
        record.topic,
        record.partition,
        record.offset,
        err,
    )


class EventConsumer:
    def __init__(
        self,
        login: PartnerLogin,
        topics: Sequence[str],
        *,
        group_suffix: str,
        handler: Handler,
        on_invalid: OnInvalid = _log_invalid,
        from_beginning: bool = True,
        **aiokafka_options: Any,
    ) -> None:
        self.handler = handler
        self.on_invalid = on_invalid
        self.handled = 0
        self._stop = asyncio.Event()
        self._consumer = AIOKafkaConsumer(
            *topics,
            **login.aiokafka_options(),
            group_id=login.group(group_suffix),
            enable_auto_commit=False,  # we commit after handling
            auto_offset_reset="earliest" if from_beginning else "latest",
            **aiokafka_options,
        )

    async def run(
        self, *, max_events: int | None = None, idle_timeout_s: float | None = None
    ) -> int:
        """Consume until ``stop()``, ``max_events`` handled, or ``idle_timeout_s`` with nothing
        new; returns how many events were handled."""
        await self._consumer.start()
        idle_since = asyncio.get_running_loop().time()
        try:
            while not self._stop.is_set():
                batch = await self._consumer.getmany(timeout_ms=500, max_records=500)
                if not batch:
                    idle = asyncio.get_running_loop().time() - idle_since
                    if idle_timeout_s is not None and idle >= idle_timeout_s:
                        break
                    continue
                idle_since = asyncio.get_running_loop().time()
                for partition, records in batch.items():
                    for record in records:
                        await self._handle(record)
                        # the next offset to read: this one is done
                        await self._consumer.commit({partition: record.offset + 1})
                        if max_events is not None and self.handled >= max_events:
                            return self.handled
        finally:
            await self._consumer.stop()
        return self.handled

    async def _handle(self, record: Any) -> None:
        try:
            event = decode(record)
        except EnvelopeError as err:
            await self.on_invalid(record, err)
            return
        await self.handler(event)
        self.handled += 1

    def stop(self) -> None:
        self._stop.set()

    async def committed(self, topic: str, partition: int) -> int | None:
        return await self._consumer.committed(TopicPartition(topic, partition))
