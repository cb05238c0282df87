"""Fixtures and helpers of the backbone integration tests (real Tansu broker, real PostgreSQL)."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from asn_platform.contracts import SurveySubmitted
from asn_platform.db import create_pool, migrate
from asn_platform.envelope import KafkaRecord, encode
from asn_platform.kafka import ensure_topics
from asn_platform.settings import PlatformSettings
from asn_platform.topics import TopicSpec, dead_letter_topic

EFFECTS_SQL = """
CREATE TABLE effects (
    event_id uuid NOT NULL,
    unit_id text NOT NULL,
    response_id text NOT NULL,
    consumer text NOT NULL DEFAULT '',
    applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE known_units (unit_id text PRIMARY KEY);
"""


def survey(i: int, unit: str | None = None, **changes: Any) -> SurveySubmitted:
    """A valid SurveySubmitted; ``i`` picks the response id and (unless given) one of 40 units."""
    data: dict[str, Any] = {
        "response_id": f"r-{i}",
        "unit_id": unit or f"unit-{i % 40}",
        "bidang": "kesehatan",
        "service": "Pemeriksaan Umum",
        "answers": {f"U{n}": 1 + (i + n) % 4 for n in range(1, 10)},
        "respondent": {"sex": "P", "age_band": "30-39", "education": "S1", "occupation": "PNS"},
        "submitted_at": datetime(2026, 8, 14, 3, 0, tzinfo=UTC),
        "channel": "kafka",
        **changes,
    }
    return SurveySubmitted.model_validate(data)


def retopic(record: KafkaRecord, topic: str) -> KafkaRecord:
    return KafkaRecord(topic, record.key, record.value, record.headers)


async def wait_for(
    condition: Callable[[], Awaitable[bool] | bool], timeout_s: float, what: str
) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        result = condition()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what}")
        await asyncio.sleep(0.05)


async def produce(bootstrap: str, records: list[KafkaRecord]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    try:
        futures = [
            await producer.send(r.topic, r.value, key=r.key, headers=r.headers) for r in records
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def read_all(bootstrap: str, topic: str, idle_ms: int = 1500) -> list[Any]:
    """Every record of a topic, from the start, until nothing more comes for ``idle_ms``."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        fetch_max_wait_ms=20,
    )
    await consumer.start()
    out: list[Any] = []
    try:
        while True:
            batch = await consumer.getmany(timeout_ms=idle_ms, max_records=5000)
            if not batch:
                return out
            for records in batch.values():
                out.extend(records)
    finally:
        await consumer.stop()


@dataclass
class Db:
    dsn: str
    pool: asyncpg.Pool

    async def val(self, sql: str, *args: Any) -> Any:
        async with self.pool.acquire() as conn:
            return await conn.fetchval(sql, *args)


@pytest.fixture
async def db(fresh_db: str) -> AsyncIterator[Db]:
    """A fresh database with the backbone tables and a test ``effects`` table."""
    await migrate(fresh_db, ["asn_platform"])
    pool = await create_pool(fresh_db, min_size=1, max_size=8)
    async with pool.acquire() as conn:
        await conn.execute(EFFECTS_SQL)
    yield Db(fresh_db, pool)
    await pool.close()


@pytest.fixture
def settings(kafka_topics: str) -> PlatformSettings:
    return PlatformSettings(
        kafka_bootstrap_servers=kafka_topics,
        kafka_idempotence=False,
        instance_id=f"test-{secrets.token_hex(3)}",
    )


@pytest.fixture
def new_topic(kafka_topics: str) -> Callable[..., Awaitable[str]]:
    """Create a uniquely named topic (and its .dlq) for one test."""

    async def create(label: str = "t", partitions: int = 3) -> str:
        name = f"test.{label}.{secrets.token_hex(4)}"
        await ensure_topics(
            kafka_topics, [TopicSpec(name, partitions), TopicSpec(dead_letter_topic(name), 1)]
        )
        return name

    return create


def group_name(label: str) -> str:
    return f"test-{label}-{secrets.token_hex(4)}"


def encode_for(topic: str, event: SurveySubmitted, **kwargs: Any) -> KafkaRecord:
    return retopic(encode(event, source="/tangsel/test", **kwargs), topic)
