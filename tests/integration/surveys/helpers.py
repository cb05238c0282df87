"""Helpers for the surveys integration tests: payloads, test units, and a tap on the topics."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, TopicPartition

from asn_platform.dlq import DeadLetter
from asn_platform.envelope import Envelope, decode
from asn_platform.topics import (
    RESPONSE_INTAKE,
    SERVICE_GAP_DETECTED,
    SURVEY_SUBMITTED,
    dead_letter_topic,
)

CODES = ("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9")
Q3_2026 = "2026-08-14T10:00:00+07:00"  # a fixed past moment: period keys are deterministic
_ips = itertools.count(1)


def new_ip() -> str:
    """A client address of its own, so that rate-limit buckets do not interfere between tests."""
    n = next(_ips)
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


def payload(unit_id: str, answers: Any = 3, **overrides: Any) -> dict[str, Any]:
    values = [answers] * 9 if isinstance(answers, int) else list(answers)
    data: dict[str, Any] = {
        "unit_id": unit_id,
        "service": "Layanan A",
        "answers": dict(zip(CODES, values, strict=True)),
        "respondent": {"sex": "P", "age": 34, "education": "S1", "occupation": "Swasta"},
        "submitted_at": Q3_2026,
    }
    data.update(overrides)
    return data


def answers_with(base: int = 4, **by_code: int) -> list[int]:
    return [by_code.get(code, base) for code in CODES]


async def create_unit(
    client: httpx.AsyncClient, *, served_per_month: int = 1, **overrides: Any
) -> str:
    """A fresh unit for one test (its own aggregates and gap state)."""
    unit_id = overrides.pop("unit_id", f"t-{uuid.uuid4().hex[:10]}")
    body = {
        "unit_id": unit_id,
        "name": f"Unit Uji {unit_id}",
        "bidang": "administrasi_kependudukan",
        "served_per_month": served_per_month,
        "services": ["Layanan A", "Layanan B"],
        **overrides,
    }
    r = await client.post("/api/v1/units", json=body)
    assert r.status_code == 201, r.text
    return unit_id


async def submit(
    client: httpx.AsyncClient, body: dict[str, Any], ip: str | None = None
) -> httpx.Response:
    return await client.post(
        "/api/v1/responses", json=body, headers={"X-Forwarded-For": ip or new_ip()}
    )


@dataclass
class Tap:
    """Reads the surveys topics from the beginning, without a consumer group, into memory."""

    bootstrap: str
    events: list[Envelope[Any]] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)
    _consumer: AIOKafkaConsumer | None = None
    _task: asyncio.Task[None] | None = None

    TOPICS = (SURVEY_SUBMITTED, SERVICE_GAP_DETECTED, dead_letter_topic(RESPONSE_INTAKE))

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=20,
        )
        await self._consumer.start()
        parts = []
        for topic in self.TOPICS:
            found = self._consumer.partitions_for_topic(topic)
            if not found:
                await self._consumer._client.force_metadata_update()
                found = self._consumer.partitions_for_topic(topic) or set()
            parts += [TopicPartition(topic, p) for p in sorted(found)]
        self._consumer.assign(parts)
        await self._consumer.seek_to_beginning(*parts)
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        assert self._consumer is not None
        while True:
            batches = await self._consumer.getmany(timeout_ms=50)
            for records in batches.values():
                for rec in records:
                    if rec.topic.endswith(".dlq"):
                        self.dead_letters.append(DeadLetter.from_record(rec))
                    else:
                        self.events.append(
                            decode(
                                rec.topic,
                                rec.headers,
                                rec.value,
                                key=rec.key,
                                partition=rec.partition,
                                offset=rec.offset,
                            )
                        )

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._consumer:
            await self._consumer.stop()

    def submitted(self, unit_id: str) -> list[Envelope[Any]]:
        return [e for e in self.events if e.topic == SURVEY_SUBMITTED and e.data.unit_id == unit_id]

    def gaps(self, unit_id: str) -> list[Envelope[Any]]:
        return [
            e for e in self.events if e.topic == SERVICE_GAP_DETECTED and e.data.unit_id == unit_id
        ]

    async def wait_for(
        self, predicate: Callable[[], Any], timeout_s: float = 15.0, what: str = "events"
    ) -> Any:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            await asyncio.sleep(0.05)
        raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
