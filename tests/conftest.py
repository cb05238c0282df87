"""Shared fixtures. Unit tests need none of these; integration tests get a real broker
(embedded Apache Kafka, one per session; Tansu with ASN_TEST_BROKER=tansu) and real PostgreSQL
databases (fresh per run); ASN_TEST_INFRA=containers runs both in containers instead."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest

from asn_devkit.oidc import DevIdentity
from asn_devkit.testing import (
    DatabaseFactory,
    TestBroker,
    session_broker_kind,
    stop_test_identity,
    test_broker,
    test_identity,
    test_infra,
    test_postgres_server,
)
from asn_platform.kafka import ensure_topics


def pytest_configure(config: pytest.Config) -> None:
    if session_broker_kind() == "tansu":
        # launchers started by e2e tests use Tansu too; it has no idempotent producer
        os.environ.setdefault("ASN_EMBEDDED_BROKER", "tansu")
        os.environ["ASN_KAFKA_IDEMPOTENCE"] = "false"


def pytest_report_header(config: pytest.Config) -> str:
    return (
        f"broker: {session_broker_kind()} (ASN_TEST_BROKER=kafka|tansu); "
        f"infra: {test_infra()} (ASN_TEST_INFRA=embedded|containers)"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if session_broker_kind() != "tansu":
        return
    skip = pytest.mark.skip(reason="needs Apache Kafka (this run is on Tansu)")
    for item in items:
        if "kafka_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def session_broker() -> Iterator[TestBroker]:
    """The broker that lives for the whole test session (Kafka, or Tansu on request)."""
    with test_broker() as broker:
        yield broker


@pytest.fixture(scope="session")
def kafka_bootstrap(session_broker: TestBroker) -> str:
    """bootstrap servers of the session's broker (no credentials needed on it)."""
    return session_broker.bootstrap


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
