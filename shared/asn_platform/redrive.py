"""Re-driving a service's own dead letters from inside the service: the consumer that failed
the event applies it again, through the inbox (a duplicate changes nothing), with the usual
retries; if it fails again it is dead-lettered again, with the new reason.

The service only needs READ on its DLQ twins (docs/kafka.md): nothing is produced to the
original topic, so no service may write another's events and the other consumer groups of
that topic are not bothered. ``asn-dlq redrive`` (operator, admin login) still sends a record
back to its original topic, for every group at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from faststream.kafka import KafkaBroker

from asn_platform.dlq import (
    H_REDRIVEN_FROM,
    DeadLetter,
    fetch_dead_letter,
    read_dead_letters_of,
)
from asn_platform.inbox import IdempotentConsumer, consumers_of
from asn_platform.logmask import mask_nips
from asn_platform.settings import PlatformSettings
from asn_platform.topics import dead_letter_topic

FETCH_TIMEOUT_S = 3.0  # a dead letter that is not there answers 404 after this


class Outcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # applied before (the inbox skipped it): nothing changed
    DEAD_LETTERED = "dead_lettered"  # failed again: a new dead letter with the reason


@dataclass(frozen=True, slots=True)
class Redriven:
    outcome: Outcome
    error: str | None  # the reason it failed again


@dataclass(frozen=True, slots=True)
class _Record:
    """The original record, rebuilt from its dead letter (the shape the inbox reads)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]


class DeadLetters:
    """The dead letters of the consumers registered on one service's broker."""

    def __init__(self, broker: KafkaBroker, settings: PlatformSettings) -> None:
        self.broker = broker
        self.settings = settings

    def consumers(self) -> list[IdempotentConsumer]:
        return consumers_of(self.broker)

    def dlq_topics(self) -> list[str]:
        return sorted({dead_letter_topic(c.topic) for c in self.consumers()})

    def groups(self) -> set[str]:
        return {c.group_id for c in self.consumers()}

    async def list(self, limit: int, topic: str | None = None) -> list[DeadLetter]:
        """This service's dead letters (its groups only: a DLQ twin is shared by every group
        reading the topic), newest first."""
        topics: Sequence[str] = self.dlq_topics()
        if topic is not None:
            topics = [t for t in topics if t in (topic, dead_letter_topic(topic))]
        if not topics:
            return []
        found = await read_dead_letters_of(
            self.settings.kafka_bootstrap_servers, topics, settings=self.settings
        )
        mine = [d for d in found if d.consumer_group in self.groups()]
        mine.sort(key=lambda d: (d.failed_at, d.dlq_topic, d.offset), reverse=True)
        return mine[:limit]

    async def get(self, dlq_topic: str, partition: int, offset: int) -> DeadLetter | None:
        if dlq_topic not in self.dlq_topics():
            return None
        try:
            letter = await fetch_dead_letter(
                self.settings.kafka_bootstrap_servers,
                dlq_topic,
                offset=offset,
                partition=partition,
                timeout_s=FETCH_TIMEOUT_S,
                settings=self.settings,
            )
        except LookupError:
            return None
        return letter if letter.consumer_group in self.groups() else None

    def consumer_for(self, letter: DeadLetter) -> IdempotentConsumer | None:
        return next(
            (
                c
                for c in self.consumers()
                if c.topic == letter.original_topic and c.group_id == letter.consumer_group
            ),
            None,
        )

    async def redrive(self, letter: DeadLetter, consumer: IdempotentConsumer) -> Redriven:
        headers: list[tuple[str, bytes]] = list(letter.original_headers())
        source = f"{letter.dlq_topic}/{letter.partition}/{letter.offset}"
        headers.append((H_REDRIVEN_FROM, source.encode()))
        record: Any = _Record(
            letter.original_topic,
            letter.original_partition if letter.original_partition is not None else -1,
            letter.original_offset if letter.original_offset is not None else -1,
            letter.key,
            letter.value,
            headers,
        )
        done = await consumer.apply_again(record)
        if isinstance(done, BaseException):
            reason = mask_nips(f"{type(done).__name__}: {done}")[:1000]  # as the DLQ headers
            return Redriven(Outcome.DEAD_LETTERED, reason)
        return Redriven(Outcome.APPLIED if done else Outcome.DUPLICATE, None)
