"""Dead letters: messages a consumer could not apply, kept on ``<topic>.dlq`` for a person to see.

A dead-letter record keeps the original key, value and headers and adds (all UTF-8 text):

    x-dlq-original-topic, x-dlq-original-partition, x-dlq-original-offset,
    x-dlq-consumer-group, x-dlq-error-class, x-dlq-error-message (at most 1,000 characters),
    x-dlq-attempts, x-dlq-failed-at (RFC 3339, UTC)

API:

- ``DeadLetterPublisher(settings, client_id=...)``: ``publish(record, group=, error=, attempts=)``
  (used by ``asn_platform.inbox``; awaits the broker's ack), ``close()``.
- ``read_dead_letters(bootstrap, topic, limit=100, from_offset=0) -> list[DeadLetter]``: the
  records of a DLQ topic (``topic`` may be the original topic or its ``.dlq``).
- ``redrive(bootstrap, dlq_topic, offset, partition=0, value=None) -> DeadLetter``: send one dead
  letter back to its original topic with its key and original headers (``x-dlq-*`` removed,
  ``x-dlq-redriven-from`` added); ``value`` replaces the body, for a message fixed by hand.

The command line is ``asn-dlq`` (``asn_platform.dlq_cli``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from asn_platform.kafka import client_options, started
from asn_platform.logmask import mask_nips
from asn_platform.settings import PlatformSettings
from asn_platform.topics import dead_letter_topic

log = logging.getLogger(__name__)

PREFIX = "x-dlq-"
H_ORIGINAL_TOPIC = "x-dlq-original-topic"
H_ORIGINAL_PARTITION = "x-dlq-original-partition"
H_ORIGINAL_OFFSET = "x-dlq-original-offset"
H_CONSUMER_GROUP = "x-dlq-consumer-group"
H_ERROR_CLASS = "x-dlq-error-class"
H_ERROR_MESSAGE = "x-dlq-error-message"
H_ATTEMPTS = "x-dlq-attempts"
H_FAILED_AT = "x-dlq-failed-at"
H_REDRIVEN_FROM = "x-dlq-redriven-from"
MAX_ERROR_MESSAGE = 1000

Headers = Sequence[tuple[str, bytes]]


def is_dead_letter_topic(topic: str) -> bool:
    return topic.endswith(".dlq")


def dlq_topic_of(topic: str) -> str:
    return topic if is_dead_letter_topic(topic) else dead_letter_topic(topic)


def error_text(error: BaseException) -> str:
    # Dead letters are read by operators and may be kept long: no whole NIP in the reason.
    text = mask_nips(str(error) or repr(error))
    return text if len(text) <= MAX_ERROR_MESSAGE else text[: MAX_ERROR_MESSAGE - 1] + "…"


def dead_letter_headers(
    original: Headers,
    *,
    topic: str,
    partition: int,
    offset: int,
    group: str,
    error: BaseException,
    attempts: int,
    failed_at: datetime | None = None,
) -> list[tuple[str, bytes]]:
    """The original headers (without older x-dlq-* ones) plus this failure's x-dlq-* headers."""
    kept = [(k, v if v is not None else b"") for k, v in original if not k.startswith(PREFIX)]
    moment = (failed_at or datetime.now(UTC)).astimezone(UTC)
    added = {
        H_ORIGINAL_TOPIC: topic,
        H_ORIGINAL_PARTITION: str(partition),
        H_ORIGINAL_OFFSET: str(offset),
        H_CONSUMER_GROUP: group,
        H_ERROR_CLASS: f"{type(error).__module__}.{type(error).__qualname__}",
        H_ERROR_MESSAGE: error_text(error),
        H_ATTEMPTS: str(attempts),
        H_FAILED_AT: moment.isoformat().replace("+00:00", "Z"),
    }
    return kept + [(k, v.encode()) for k, v in added.items()]


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A record of a DLQ topic and what its x-dlq-* headers say."""

    dlq_topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]
    timestamp_ms: int | None = None
    info: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_record(cls, record: Any) -> DeadLetter:
        headers = [(k, v or b"") for k, v in (record.headers or ())]
        info = {
            k[len(PREFIX) :]: v.decode(errors="replace") for k, v in headers if k.startswith(PREFIX)
        }
        return cls(
            dlq_topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key,
            value=record.value,
            headers=headers,
            timestamp_ms=record.timestamp,
            info=info,
        )

    @property
    def original_topic(self) -> str:
        return self.info.get("original-topic") or self.dlq_topic.removesuffix(".dlq")

    @property
    def original_partition(self) -> int | None:
        value = self.info.get("original-partition")
        return int(value) if value and value.lstrip("-").isdigit() else None

    @property
    def original_offset(self) -> int | None:
        value = self.info.get("original-offset")
        return int(value) if value and value.lstrip("-").isdigit() else None

    @property
    def consumer_group(self) -> str:
        return self.info.get("consumer-group", "")

    @property
    def error_class(self) -> str:
        return self.info.get("error-class", "")

    @property
    def error_message(self) -> str:
        return self.info.get("error-message", "")

    @property
    def attempts(self) -> int:
        value = self.info.get("attempts", "0")
        return int(value) if value.isdigit() else 0

    @property
    def failed_at(self) -> str:
        return self.info.get("failed-at", "")

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k == name:
                return v.decode(errors="replace")
        return None

    def original_headers(self) -> list[tuple[str, bytes]]:
        return [(k, v) for k, v in self.headers if not k.startswith(PREFIX)]


def _producer(settings: PlatformSettings, client_id: str, bootstrap: str | None = None) -> Any:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap or settings.kafka_bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=settings.kafka_idempotence,
        # a dead letter may be a little larger than the original (x-dlq-* headers)
        max_request_size=settings.kafka_max_message_bytes + 64 * 1024,
        request_timeout_ms=5000,
        **client_options(settings),
    )


class DeadLetterPublisher:
    """Writes dead letters; the producer starts on first use and is rebuilt after a failure."""

    def __init__(self, settings: PlatformSettings, *, client_id: str = "asn-dlq") -> None:
        self.settings = settings
        self.client_id = client_id
        self._producer: Any = None
        self._lock = asyncio.Lock()

    async def publish(
        self, record: Any, *, group: str, error: BaseException, attempts: int
    ) -> None:
        headers = dead_letter_headers(
            record.headers or (),
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            group=group,
            error=error,
            attempts=attempts,
        )
        async with self._lock:
            if self._producer is None:
                self._producer = await started(_producer(self.settings, self.client_id))
            try:
                await self._producer.send_and_wait(
                    dead_letter_topic(record.topic),
                    value=record.value,
                    key=record.key,
                    headers=headers,
                )
            except BaseException:
                await self._close_locked()
                raise

    async def _close_locked(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(producer.stop(), 5.0)

    async def close(self) -> None:
        async with self._lock:
            await self._close_locked()


async def _partitions(consumer: Any, topic: str, timeout_s: float = 10.0) -> list[int]:
    deadline = time.monotonic() + timeout_s
    while True:
        parts = consumer.partitions_for_topic(topic)
        if parts:
            return sorted(parts)
        if time.monotonic() > deadline:
            raise LookupError(f"topic {topic!r} does not exist")
        # all topics: an unsubscribed consumer tracks none (Tansu answered with all anyway)
        await consumer._client.force_metadata_update()
        await asyncio.sleep(0.1)


def _reader(bootstrap: str, settings: PlatformSettings | None = None) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=50,
        **client_options(settings),
    )


async def read_dead_letters(
    bootstrap: str,
    topic: str,
    *,
    limit: int = 100,
    from_offset: int = 0,
    idle_ms: int = 1000,
    settings: PlatformSettings | None = None,
) -> list[DeadLetter]:
    """Up to ``limit`` dead letters from the start (or ``from_offset``) of every partition.

    Reads until the broker has nothing more for ``idle_ms`` (end offsets are not trusted: the
    embedded broker reports them wrongly). Ordered by partition, then offset.
    """
    dlq = dlq_topic_of(topic)
    consumer = _reader(bootstrap, settings)
    await consumer.start()
    try:
        parts = [TopicPartition(dlq, p) for p in await _partitions(consumer, dlq)]
        found = await _read_assigned(consumer, parts, from_offset, limit, idle_ms)
    finally:
        await consumer.stop()
    found.sort(key=lambda d: (d.partition, d.offset))
    return found[:limit]


async def read_dead_letters_of(
    bootstrap: str,
    dlq_topics: Sequence[str],
    *,
    limit: int = 1000,
    idle_ms: int = 300,
    settings: PlatformSettings | None = None,
) -> list[DeadLetter]:
    """The dead letters of several DLQ topics with one reader; a topic that does not exist
    (yet) has none. Ordered by topic, partition, offset."""
    consumer = _reader(bootstrap, settings)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()  # all topics (see _partitions)
        parts = [
            TopicPartition(topic, p)
            for topic in dlq_topics
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        found = await _read_assigned(consumer, parts, 0, limit, idle_ms) if parts else []
    finally:
        await consumer.stop()
    found.sort(key=lambda d: (d.dlq_topic, d.partition, d.offset))
    return found[:limit]


async def _read_assigned(
    consumer: AIOKafkaConsumer, parts: list[TopicPartition], from_offset: int, limit: int,
    idle_ms: int,
) -> list[DeadLetter]:  # fmt: skip
    consumer.assign(parts)
    for tp in parts:
        consumer.seek(tp, from_offset)
    found: list[DeadLetter] = []
    while len(found) < limit:
        batch = await consumer.getmany(timeout_ms=idle_ms, max_records=limit - len(found))
        if not batch:
            break
        for records in batch.values():
            found.extend(DeadLetter.from_record(r) for r in records)
    return found


async def fetch_dead_letter(
    bootstrap: str,
    dlq_topic: str,
    *,
    offset: int,
    partition: int = 0,
    timeout_s: float = 10.0,
    settings: PlatformSettings | None = None,
) -> DeadLetter:
    consumer = _reader(bootstrap, settings)
    await consumer.start()
    try:
        await _partitions(consumer, dlq_topic)
        tp = TopicPartition(dlq_topic, partition)
        consumer.assign([tp])
        consumer.seek(tp, offset)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            batch = await consumer.getmany(tp, timeout_ms=500, max_records=100)
            for record in batch.get(tp, []):
                if record.offset == offset:
                    return DeadLetter.from_record(record)
                if record.offset > offset:
                    break
            else:
                continue
            break
    finally:
        await consumer.stop()
    raise LookupError(f"no record at offset {offset} of {dlq_topic} partition {partition}")


async def redrive(
    bootstrap: str,
    dlq_topic: str,
    *,
    offset: int,
    partition: int = 0,
    value: bytes | None = None,
    settings: PlatformSettings | None = None,
) -> DeadLetter:
    """Send one dead letter back to its original topic; returns the dead letter re-driven."""
    if not is_dead_letter_topic(dlq_topic):
        raise ValueError(f"{dlq_topic!r} is not a dead-letter topic (it must end in .dlq)")
    letter = await fetch_dead_letter(
        bootstrap, dlq_topic, offset=offset, partition=partition, settings=settings
    )
    headers = letter.original_headers()
    headers.append((H_REDRIVEN_FROM, f"{dlq_topic}/{partition}/{offset}".encode()))
    producer = _producer(settings or PlatformSettings(), "asn-dlq-redrive", bootstrap=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(
            letter.original_topic,
            value=value if value is not None else letter.value,
            key=letter.key,
            headers=headers,
        )
    finally:
        await producer.stop()
    log.info("re-drove %s/%d/%d to %s", dlq_topic, partition, offset, letter.original_topic)
    return letter
