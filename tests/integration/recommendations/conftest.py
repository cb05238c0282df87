"""One recommendations service (real lifespan, real broker and PostgreSQL) for the package, a
publisher for its input topics and a tap on its output topics. Tests isolate themselves with
their own unit ids and NIPs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest

from asn_devkit.testing import DatabaseFactory, running_service, service_pool
from asn_platform.envelope import KafkaRecord
from asn_platform.service import ServiceContext
from asn_recommendations.main import DEFINITION
from tests.integration.recommendations.helpers import Publisher, Tap, eventually, seed_catalogue


@dataclass
class Recs:
    ctx: ServiceContext[Any]
    client: httpx.AsyncClient
    db: asyncpg.Pool
    tap: Tap
    publisher: Publisher
    prefix: str

    async def applied(
        self, group: str, records: Iterable[KafkaRecord], timeout_s: float = 20
    ) -> None:
        """Wait until the consumer group has applied (or skipped as duplicate) these events."""
        ids = [UUID(r.header("ce_id")) for r in records]

        async def done() -> bool:
            n = await self.db.fetchval(
                "SELECT count(*) FROM inbox WHERE consumer_group = $1 AND event_id = ANY($2)",
                group,
                ids,
            )
            return bool(n == len(set(ids)))

        await eventually(done, timeout_s, f"{group} to apply {len(ids)} event(s)")

    async def publish(self, group: str, *events: Any) -> list[KafkaRecord]:
        records = await self.publisher.send(*events)
        await self.applied(group, records)
        return records


@pytest.fixture(scope="package")
async def recs(
    kafka_topics: str, pg_server_url: str, db_factory: DatabaseFactory
) -> AsyncIterator[Recs]:
    prefix = f"asn_test_rc_{db_factory.run_id}_"
    db_factory.created.append(f"{prefix}recommendations")
    tap = Tap(kafka_topics)
    await tap.start()
    publisher = Publisher(kafka_topics)
    await publisher.start()
    try:
        async with running_service(
            DEFINITION,
            bootstrap=kafka_topics,
            server_url=pg_server_url,
            db_prefix=prefix,
            # (On Tansu each group join waited session_timeout/2, so this once lowered the
            # session timeout to 2 s; Kafka joins at once and refuses a timeout below 6 s.)
        ) as (ctx, client):
            async with service_pool(ctx, max_size=4) as pool:
                found = Recs(ctx, client, pool, tap, publisher, prefix)
                # What enrollment does when it seeds: the catalogue read model is filled from it.
                await found.publish("recommendations.catalogue", *seed_catalogue())
                yield found
    finally:
        await publisher.stop()
        await tap.stop()
