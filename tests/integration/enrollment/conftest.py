"""One enrollment service (real lifespan, real PostgreSQL, embedded broker) shared by the
enrollment integration tests: starting it costs a consumer-group join, so tests share it and
keep apart by using their own people, units and sessions."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from asn_devkit.testing import DatabaseFactory, running_service
from asn_enrollment.domain.nip import make_nip
from asn_enrollment.main import DEFINITION
from asn_platform.service import ServiceContext
from asn_platform.vocabulary import Sex

RPC_TIMEOUT_S = 1.0
_counter = itertools.count(1)


@pytest.fixture(scope="session")
async def enrollment(
    kafka_topics: str, pg_server_url: str, db_factory: DatabaseFactory
) -> AsyncIterator[tuple[ServiceContext[Any], httpx.AsyncClient]]:
    prefix = f"asn_test_enr_{db_factory.run_id}_"
    db_factory.created.append(f"{prefix}enrollment")
    async with running_service(
        DEFINITION,
        bootstrap=kafka_topics,
        server_url=pg_server_url,
        db_prefix=prefix,
        db_pool_max=30,
        outbox_retention_s=3600,  # the tests read what was published from the outbox table
        enrollment_recommendations_timeout_s=RPC_TIMEOUT_S,
        instance_id=f"enrollment-test-{db_factory.run_id}",
    ) as running:
        yield running


@pytest.fixture
def ctx(enrollment: tuple[ServiceContext[Any], httpx.AsyncClient]) -> ServiceContext[Any]:
    return enrollment[0]


@pytest.fixture
def client(enrollment: tuple[ServiceContext[Any], httpx.AsyncClient]) -> httpx.AsyncClient:
    return enrollment[1]


def new_nip() -> str:
    """A valid NIP not in the seed roster (seed sequences stay below 500)."""
    i = next(_counter)
    birth = date(1990, 1, 1) + timedelta(days=7 * i)
    return make_nip(birth, 2015, 3, Sex.P if i % 2 else Sex.L, 500 + i % 400)


def person(nip: str, unit_id: str = "disdukcapil", **overrides: Any) -> dict[str, Any]:
    return {
        "nip": nip,
        "name": f"Peserta Uji {nip[-3:]}",
        "unit_id": unit_id,
        "bidang": "administrasi_kependudukan",
        "position": "Pengadministrasi Kependudukan",
        "position_type": "pelaksana",
        "rank": "II/c",
        **overrides,
    }


async def add_people(client: httpx.AsyncClient, n: int, unit_id: str = "disdukcapil") -> list[str]:
    nips = []
    for _ in range(n):
        nip = new_nip()
        r = await client.post("/api/v1/asn", json=person(nip, unit_id))
        assert r.status_code == 201, r.text
        nips.append(nip)
    return nips


async def open_session(
    client: httpx.AsyncClient,
    *,
    starts_at: str,
    ends_at: str,
    capacity: int,
    code: str = "PLP-PRIMA",
) -> str:
    r = await client.post(
        f"/api/v1/programmes/{code}/sessions",
        json={
            "starts_at": starts_at,
            "ends_at": ends_at,
            "place": "Aula BKPSDM",
            "capacity": capacity,
        },
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


async def invite(
    client: httpx.AsyncClient, session_id: str, nip: str, accept: bool = False
) -> dict[str, Any]:
    r = await client.post(
        f"/api/v1/sessions/{session_id}/enrollments", json={"nip": nip, "accept": accept}
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def transition(client: httpx.AsyncClient, enrollment_id: str, **body: Any) -> httpx.Response:
    return await client.post(f"/api/v1/enrollments/{enrollment_id}/transitions", json=body)
