"""Registering the consumers and the responder on the broker (before it starts).

Every consumer runs in batch mode: a batch of events is applied in one transaction (the read
model update, then the reactions), which is what makes the survey stream cheap to follow."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from faststream.kafka import KafkaBroker

from asn_platform import topics
from asn_platform.envelope import Envelope
from asn_platform.inbox import IdempotentConsumer, subscribe_idempotent
from asn_platform.rpc import register_responder
from asn_platform.uow import UnitsOfWork
from asn_recommendations.handlers.deps import Deps
from asn_recommendations.handlers.rpc import answer_recommendations_question
from asn_recommendations.kafka.feeds import FEEDS, Feed
from asn_recommendations.settings import Settings
from asn_recommendations.store.readmodels import Fact

RPC_GROUP = "recommendations.rpc"

BatchHandler = Callable[[asyncpg.Connection, list[Envelope[Any]]], Awaitable[None]]


def batch_handler(feed: Feed, units: Callable[[], UnitsOfWork], deps: Deps) -> BatchHandler:
    async def handle(conn: asyncpg.Connection, envelopes: list[Envelope[Any]]) -> None:
        await feed.handle(units().bind(conn), deps, [Fact(e.data, e.id) for e in envelopes])

    handle.__name__ = f"apply_{feed.name}"
    return handle


def subscribe_feeds(
    broker: KafkaBroker,
    pool: asyncpg.Pool,
    units: Callable[[], UnitsOfWork],
    deps: Deps,
    settings: Settings,
) -> dict[str, IdempotentConsumer]:
    return {
        feed.name: subscribe_idempotent(
            broker,
            topic=feed.topic,
            group_id=feed.group_id,
            pool=pool,
            batch=True,
            batch_handler=batch_handler(feed, units, deps),
            max_records=settings.consumer_batch_size,
            settings=settings,
            title=f"{feed.group_id}:{feed.topic}",
            description=feed.description,
        )
        for feed in FEEDS
    }


def register_recommendations_responder(
    broker: KafkaBroker, units: Callable[[], UnitsOfWork], deps: Deps, settings: Settings
) -> None:
    async def answer(payload: dict[str, Any]) -> Any:
        return await answer_recommendations_question(units(), deps, payload)

    register_responder(
        broker, topics.RPC_RECOMMENDATIONS_REQUEST, RPC_GROUP, answer, settings=settings
    )
