"""The unit of work on a real PostgreSQL: state and events commit together or not at all, and a
transaction PostgreSQL aborts as a deadlock victim is run again instead of failing."""

from __future__ import annotations

import asyncio
from datetime import datetime
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from asn_platform.contracts.enrollment import AsnProfileChanged
from asn_platform.db import migrate
from asn_platform.uow import UnitOfWork, UnitsOfWork

pytestmark = pytest.mark.integration


@pytest.fixture
async def pool(fresh_db: str):
    await migrate(fresh_db, ["asn_platform"])
    pool = await asyncpg.create_pool(fresh_db, min_size=2, max_size=4)
    assert pool is not None
    await pool.execute("CREATE TABLE counters (name text PRIMARY KEY, n int NOT NULL)")
    await pool.execute("INSERT INTO counters VALUES ('a', 0), ('b', 0)")
    yield pool
    await pool.close()


def _profile(nip: str = "198504122010011001") -> AsnProfileChanged:
    return AsnProfileChanged.model_validate(
        {
            **AsnProfileChanged.model_json_schema()["examples"][0],
            "nip": nip,
            "changed_at": datetime(2026, 7, 1, 8, tzinfo=ZoneInfo("Asia/Jakarta")),
        }
    )


async def test_state_and_event_commit_together(pool: asyncpg.Pool) -> None:
    units = UnitsOfWork(pool, source="/tangsel/test")

    async def work(uow: UnitOfWork) -> str:
        await uow.conn.execute("UPDATE counters SET n = n + 1 WHERE name = 'a'")
        await uow.publish(_profile())
        return "done"

    assert await units.run(work) == "done"
    assert await pool.fetchval("SELECT n FROM counters WHERE name = 'a'") == 1
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 1
    source = await pool.fetchval("SELECT headers::text FROM outbox")
    assert "/tangsel/test" in source


async def test_a_failed_unit_leaves_neither_state_nor_event(pool: asyncpg.Pool) -> None:
    units = UnitsOfWork(pool, source="/tangsel/test")

    async def work(uow: UnitOfWork) -> None:
        await uow.conn.execute("UPDATE counters SET n = n + 1 WHERE name = 'a'")
        await uow.publish(_profile())
        raise ValueError("refused by the domain")

    with pytest.raises(ValueError):
        await units.run(work)
    assert await pool.fetchval("SELECT n FROM counters WHERE name = 'a'") == 0
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 0


async def test_a_deadlock_victim_is_run_again(pool: asyncpg.Pool) -> None:
    units = UnitsOfWork(pool, source="/tangsel/test")
    both_locked_first = asyncio.Barrier(2)
    runs = {"ab": 0, "ba": 0}

    def crossing(first: str, second: str):
        async def work(uow: UnitOfWork) -> None:
            runs[first + second] += 1
            await uow.conn.execute("UPDATE counters SET n = n + 1 WHERE name = $1", first)
            if runs[first + second] == 1:
                await both_locked_first.wait()  # each holds one row and wants the other's
            await uow.conn.execute("UPDATE counters SET n = n + 1 WHERE name = $1", second)
            await uow.publish(_profile())

        return work

    await asyncio.wait_for(
        asyncio.gather(units.run(crossing("a", "b")), units.run(crossing("b", "a"))), 30
    )
    assert sorted(runs.values()) == [1, 2]  # PostgreSQL aborted one; it ran again
    counts = dict(await pool.fetch("SELECT name, n FROM counters"))
    assert counts == {"a": 2, "b": 2}  # each unit applied once, none lost, none doubled
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 2


async def test_bind_refuses_a_connection_outside_a_transaction(pool: asyncpg.Pool) -> None:
    units = UnitsOfWork(pool, source="/tangsel/test")
    async with pool.acquire() as conn:
        with pytest.raises(RuntimeError, match="open transaction"):
            units.bind(conn)
        async with conn.transaction():
            assert units.bind(conn).conn is conn
