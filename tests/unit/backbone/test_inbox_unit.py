"""The inbox glue with FastStream's TestKafkaBroker and an in-memory stand-in for asyncpg.

Proves only the wiring (parse, decode, inbox bookkeeping, handler calls, retries); delivery,
offsets and the database are proven by the integration tests on the real broker and PostgreSQL.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker

from asn_platform.contracts import SurveySubmitted
from asn_platform.envelope import Envelope, encode
from asn_platform.inbox import RetryPolicy, subscribe_idempotent
from asn_platform.settings import PlatformSettings


class FakeTransaction:
    def __init__(self, conn: FakeConnection) -> None:
        self.conn = conn

    async def start(self) -> None:
        self.conn.pending = set()

    async def commit(self) -> None:
        self.conn.db.inbox |= self.conn.pending
        self.conn.db.effects += self.conn.effects
        self.conn.effects = []

    async def rollback(self) -> None:
        self.conn.pending, self.conn.effects = set(), []


class FakeConnection:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db
        self.pending: set[tuple[str, UUID]] = set()
        self.effects: list[str] = []

    def transaction(self) -> FakeTransaction:
        return FakeTransaction(self)

    async def fetchval(self, sql: str, group: str, event_id: UUID, *rest: Any) -> Any:
        assert sql.startswith("INSERT INTO inbox")
        if (group, event_id) in self.db.inbox:
            return None
        self.pending.add((group, event_id))
        return event_id


class FakeDatabase:
    def __init__(self) -> None:
        self.inbox: set[tuple[str, UUID]] = set()
        self.effects: list[str] = []

    async def acquire(self) -> FakeConnection:
        return FakeConnection(self)

    async def release(self, conn: FakeConnection) -> None:
        pass


def headers_of(event: SurveySubmitted) -> tuple[bytes, bytes, dict[str, str]]:
    record = encode(event, source="/tangsel/test")
    return record.key, record.value, {k: v.decode() for k, v in record.headers}


@pytest.fixture
def event() -> SurveySubmitted:
    return SurveySubmitted.model_validate(SurveySubmitted.model_json_schema()["examples"][0])


async def test_handler_runs_once_per_event_id(event: SurveySubmitted):
    db = FakeDatabase()
    broker = KafkaBroker()
    seen: list[Envelope[SurveySubmitted]] = []

    async def handler(conn: FakeConnection, env: Envelope[SurveySubmitted]) -> None:
        seen.append(env)
        conn.effects.append(env.data.response_id)

    consumer = subscribe_idempotent(
        broker,
        topic=event.topic,
        group_id="g",
        pool=db,  # type: ignore[arg-type]
        handler=handler,
        settings=PlatformSettings(),
    )
    key, value, headers = headers_of(event)
    async with TestKafkaBroker(broker) as test_broker:
        for _ in range(3):
            await test_broker.publish(value, event.topic, key=key, headers=headers)
    assert [env.data for env in seen] == [event]
    assert db.effects == [event.response_id]
    assert (consumer.stats.applied, consumer.stats.duplicates) == (1, 2)


async def test_a_failing_handler_is_retried_and_its_effects_rolled_back(event: SurveySubmitted):
    db = FakeDatabase()
    broker = KafkaBroker()
    calls = {"n": 0}

    async def flaky(conn: FakeConnection, env: Envelope[SurveySubmitted]) -> None:
        calls["n"] += 1
        conn.effects.append(f"try-{calls['n']}")
        if calls["n"] < 3:
            raise RuntimeError("busy")

    consumer = subscribe_idempotent(
        broker,
        topic=event.topic,
        group_id="g",
        pool=db,  # type: ignore[arg-type]
        handler=flaky,
        settings=PlatformSettings(),
        retry=RetryPolicy(initial_delay_s=0.001, max_delay_s=0.002),
    )
    key, value, headers = headers_of(event)
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(value, event.topic, key=key, headers=headers)
    assert db.effects == ["try-3"]
    assert consumer.stats.retries == 2


def test_a_batch_handler_needs_batch_mode():
    with pytest.raises(ValueError, match="batch_handler needs batch=True"):
        subscribe_idempotent(
            KafkaBroker(),
            topic="asn.surveys.survey-submitted.v1",
            group_id="g",
            pool=FakeDatabase(),  # type: ignore[arg-type]
            batch_handler=lambda conn, envs: None,  # type: ignore[arg-type,return-value]
        )
