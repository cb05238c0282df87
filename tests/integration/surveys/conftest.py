"""One surveys service (real lifespan, real broker and PostgreSQL) for the whole package, and a
tap reading its topics. Tests isolate themselves by creating their own units."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest

from asn_devkit.testing import DatabaseFactory, running_service, service_pool
from asn_platform.service import ServiceContext
from asn_surveys.main import DEFINITION
from tests.integration.surveys.helpers import Tap

RATE_BURST = 5


@dataclass
class Surveys:
    ctx: ServiceContext[Any]
    client: httpx.AsyncClient
    db: asyncpg.Pool
    tap: Tap


@pytest.fixture(scope="package")
async def surveys(
    kafka_topics: str, pg_server_url: str, db_factory: DatabaseFactory
) -> AsyncIterator[Surveys]:
    prefix = f"asn_test_sv_{db_factory.run_id}_"
    db_factory.created.append(f"{prefix}surveys")
    tap = Tap(kafka_topics)
    await tap.start()
    try:
        async with running_service(
            DEFINITION,
            bootstrap=kafka_topics,
            server_url=pg_server_url,
            db_prefix=prefix,
            trust_forwarded_for=True,  # tests pick their client address per request
            rate_limit_per_minute=60,
            rate_limit_burst=RATE_BURST,
        ) as (ctx, client):
            async with service_pool(ctx, max_size=4) as pool:
                yield Surveys(ctx, client, pool, tap)
    finally:
        await tap.stop()
