"""The webhooks service in-process (real lifespan, broker, PostgreSQL) and what its tests share:
publishing events as the owning services do, registering a receiver, waiting."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg
import httpx

from asn_devkit.testing import DatabaseFactory, running_service, service_pool
from asn_platform import topics
from asn_platform.envelope import KafkaRecord
from asn_platform.service import ServiceContext
from asn_platform.timezone import now_jakarta
from asn_webhooks.bootstrap import DEFINITION
from asn_webhooks.sealing import new_key
from tests.integration.recommendations.helpers import (
    Publisher,
    eventually,
    gap,
    new_unit,
    survey,
)
from tests.integration.webhooks.receiver import Receiver

API = "/api/v1/webhooks"
ANSWERS = {f"U{i}": 4 for i in range(1, 10)}
# One key for the whole test run: a restarted service must open what it sealed before.
TEST_SECRET_KEY = new_key()

__all__ = [
    "API",
    "Hooks",
    "Publisher",
    "Receiver",
    "eventually",
    "gap",
    "new_unit",
    "running_webhooks",
]


@dataclass
class Hooks:
    ctx: ServiceContext[Any]
    client: httpx.AsyncClient
    db: asyncpg.Pool
    publisher: Publisher

    async def register(
        self, receiver: Receiver, types: list[str] | None = None, **extra: Any
    ) -> dict[str, Any]:
        response = await self.client.post(
            f"{API}/subscriptions",
            json={
                "agency": "Dinas Kesehatan Kota Tangerang Selatan",
                "url": receiver.url,
                "event_types": types or [topics.SURVEY_SUBMITTED],
                **extra,
            },
        )
        assert response.status_code == 201, response.text
        sub = response.json()
        if not receiver.secrets:
            receiver.secrets = [sub["secret"]]
        return sub

    async def surveys(self, unit_id: str, n: int) -> list[KafkaRecord]:
        return await publish_surveys(self.publisher, unit_id, n)

    async def fanned_out(self, sub_id: str, records: list[KafkaRecord]) -> None:
        """Wait until the consumer wrote a delivery row of each record for this subscription."""
        ids = [uuid.UUID(r.header("ce_id")) for r in records]

        async def done() -> bool:
            n = await self.db.fetchval(
                "SELECT count(*) FROM webhook_deliveries"
                " WHERE subscription_id = $1 AND event_id = ANY($2)",
                uuid.UUID(sub_id),
                ids,
            )
            return bool(n == len(set(ids)))

        await eventually(done, 30, f"{len(ids)} delivery rows")

    async def delete(self, sub_id: str) -> None:
        response = await self.client.delete(f"{API}/subscriptions/{sub_id}")
        assert response.status_code == 204, response.text


async def publish_surveys(publisher: Publisher, unit_id: str, n: int) -> list[KafkaRecord]:
    """n survey responses of one unit (one key), published in this order."""
    start = now_jakarta() - timedelta(minutes=10)
    events = [survey(unit_id, ANSWERS, start + timedelta(seconds=i)) for i in range(n)]
    return await publisher.send(*events)


def event_ids(records: list[KafkaRecord]) -> list[str]:
    return [str(r.header("ce_id")) for r in records]


@asynccontextmanager
async def running_webhooks(
    kafka_topics: str,
    pg_server_url: str,
    db_factory: DatabaseFactory,
    name: str,
    group: str | None = None,
    port: int | None = None,
    **overrides: Any,
) -> AsyncIterator[Hooks]:
    """The service on database asn_test_wh<name>_<run>_webhooks; the same name and group again
    is the same service restarted (its data and its consumer group's offsets kept)."""
    prefix = f"asn_test_wh{name}_{db_factory.run_id}_"
    if f"{prefix}webhooks" not in db_factory.created:
        db_factory.created.append(f"{prefix}webhooks")
    publisher = Publisher(kafka_topics)
    await publisher.start()
    settings = {
        "webhooks_group": group or f"webhooks-test-{name}-{uuid.uuid4().hex[:6]}",
        "webhooks_allow_http_loopback": True,
        "webhooks_initial_backoff_s": 0.05,
        "webhooks_max_backoff_s": 0.3,
        "webhooks_poll_interval_s": 0.2,
        "webhooks_verify_timeout_s": 3.0,
        "webhooks_request_timeout_s": 3.0,
        "webhooks_secret_keys": TEST_SECRET_KEY,
        **overrides,
    }
    try:
        async with running_service(
            DEFINITION,
            bootstrap=kafka_topics,
            server_url=pg_server_url,
            db_prefix=prefix,
            port=port,
            **settings,
        ) as (ctx, client):
            async with service_pool(ctx, max_size=4) as pool:
                yield Hooks(ctx, client, pool, publisher)
    finally:
        await publisher.stop()
