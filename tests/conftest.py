"""Shared fixtures. Unit tests need none of these; integration tests get a real broker
(embedded Tansu, one per session) and real PostgreSQL databases (fresh per run)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from asn_platform.devkit_oidc import DevIdentity
from asn_platform.kafka import ensure_topics
from asn_platform.testing import (
    DatabaseFactory,
    stop_test_identity,
    test_broker,
    test_identity,
    test_postgres_server,
)


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """bootstrap servers of a Tansu broker that lives for the whole test session."""
    with test_broker() as broker:
        yield broker.bootstrap


@pytest.fixture(scope="session")
async def kafka_topics(kafka_bootstrap: str) -> str:
    """The broker with every platform topic created at its partition count."""
    await ensure_topics(kafka_bootstrap)
    return kafka_bootstrap


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[str]:
    with test_postgres_server() as url:
        yield url


@pytest.fixture(scope="session")
async def db_factory(pg_server_url: str) -> AsyncIterator[DatabaseFactory]:
    factory = DatabaseFactory(pg_server_url)
    yield factory
    await factory.drop_all()


@pytest.fixture
async def fresh_db(db_factory: DatabaseFactory) -> str:
    """DSN of a new, empty database for this test."""
    return await db_factory.create("t")


@pytest.fixture(scope="session")
def identity() -> Iterator[DevIdentity]:
    """The session's OpenID provider (a real HTTP server); .token(role) / .headers(role)."""
    yield test_identity()
    stop_test_identity()


@pytest.fixture(scope="session", autouse=True)
def _stop_identity_at_end() -> Iterator[None]:
    yield
    stop_test_identity()
