"""The last line of defence: a value the database refuses (asyncpg.DataError) is a 422 in the
platform's format, never a 500, and the route's transaction is rolled back (nothing partial)."""

from __future__ import annotations

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from asn_platform.http_errors import install_error_handlers

pytestmark = pytest.mark.integration


@pytest.fixture
async def pool(fresh_db: str):
    pool = await asyncpg.create_pool(fresh_db, min_size=1, max_size=2)
    assert pool is not None
    await pool.execute("CREATE TABLE notes (id serial PRIMARY KEY, body text, n integer)")
    yield pool
    await pool.close()


def _app(pool: asyncpg.Pool) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/notes")
    async def add(body: str, n: int = 1) -> dict[str, str]:
        # No bounds on purpose: the first row is written, the second is refused by PostgreSQL.
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("INSERT INTO notes (body, n) VALUES ('first', 1)")
            await conn.execute("INSERT INTO notes (body, n) VALUES ($1, $2)", body, n)
        return {"ok": "yes"}

    @app.get("/notes")
    async def find(n: int) -> dict[str, int]:
        async with pool.acquire() as conn:
            return {"found": await conn.fetchval("SELECT count(*) FROM notes WHERE n = $1", n)}

    return app


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"body": "a\x00b"}, "karakter"),  # CharacterNotInRepertoireError (NUL)
        ({"body": "ok", "n": str(2**40)}, "angka"),  # out of int32: asyncpg's encoder refuses
    ],
)
async def test_a_database_data_error_is_a_422_and_rolls_back(
    pool: asyncpg.Pool, params: dict[str, str], problem: str
) -> None:
    transport = httpx.ASGITransport(app=_app(pool))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        r = await client.post("/notes", params=params)
        assert r.status_code == 422, r.text
        body = r.json()
        assert body["error"] == "validation_failed" and body["message"] == "Data tidak valid"
        [field] = body["fields"]
        assert field["field"] == "(request)" and problem in field["problem"]
        assert "\x00" not in r.text and str(2**40) not in r.text  # the value is not echoed
        assert await pool.fetchval("SELECT count(*) FROM notes") == 0  # 'first' rolled back
        ok = await client.post("/notes", params={"body": "fine"})
        assert ok.status_code == 200 and await pool.fetchval("SELECT count(*) FROM notes") == 2


async def test_a_query_argument_beyond_64_bits_is_a_422(pool: asyncpg.Pool) -> None:
    transport = httpx.ASGITransport(app=_app(pool))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        r = await client.get("/notes", params={"n": str(2**70)})
        assert r.status_code == 422 and "angka" in r.json()["fields"][0]["problem"]
