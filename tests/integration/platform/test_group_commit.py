"""Group commit on a real PostgreSQL: concurrent units of work share a transaction, each keeps
its own context and outcome, and a refused one leaves nothing while the others commit."""

from __future__ import annotations

import asyncio
import contextvars

import asyncpg
import pytest

from asn_platform.db import migrate
from asn_platform.group_commit import GroupCommit
from asn_platform.uow import UnitOfWork, UnitsOfWork

pytestmark = pytest.mark.integration

caller: contextvars.ContextVar[str] = contextvars.ContextVar("caller", default="")


class Refused(Exception):
    pass


@pytest.fixture
async def pool(fresh_db: str):
    await migrate(fresh_db, ["asn_platform"])
    pool = await asyncpg.create_pool(fresh_db, min_size=2, max_size=6)
    assert pool is not None
    await pool.execute(
        "CREATE TABLE done (name text PRIMARY KEY, seen_as text NOT NULL, tx bigint NOT NULL)"
    )
    yield pool
    await pool.close()


def _work(name: str, *, refuse: bool = False):
    async def work(uow: UnitOfWork) -> str:
        await uow.conn.execute(
            "INSERT INTO done VALUES ($1, $2, txid_current())", name, caller.get()
        )
        if refuse:
            raise Refused(name)
        return name

    return work


async def _as(caller_name: str, group: GroupCommit[str], work, key: str = "") -> str:
    caller.set(caller_name)  # in this caller's own task: gather runs each in a copied context
    return await group.run(work, key=key)


async def test_concurrent_works_share_transactions_and_keep_their_callers_context(
    pool: asyncpg.Pool,
) -> None:
    group: GroupCommit[str] = GroupCommit(
        UnitsOfWork(pool, source="/tangsel/test"), name="t", max_in_flight=1
    )
    names = [f"w{i:02d}" for i in range(20)]
    results = await asyncio.gather(*(_as(f"caller-{n}", group, _work(n)) for n in names))

    assert results == names  # each caller gets its own work's result
    rows = await pool.fetch("SELECT name, seen_as, tx FROM done ORDER BY name")
    assert [r["name"] for r in rows] == names
    assert all(r["seen_as"] == f"caller-{r['name']}" for r in rows)
    # the first started alone; the 19 that queued behind it went in together
    assert len({r["tx"] for r in rows}) == 2
    assert group.stats.batches == 2 and group.stats.largest == 19


async def test_a_refused_work_stores_nothing_and_the_others_of_its_batch_commit(
    pool: asyncpg.Pool,
) -> None:
    group: GroupCommit[str] = GroupCommit(
        UnitsOfWork(pool, source="/tangsel/test"), name="t", max_in_flight=1
    )
    works = [_work(f"ok{i}") for i in range(6)]
    works.insert(3, _work("bad", refuse=True))
    outcomes = await asyncio.gather(
        *(_as("c", group, w) for w in [_work("first"), *works]), return_exceptions=True
    )

    refused = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(refused) == 1 and isinstance(refused[0], Refused)
    names = {r["name"] for r in await pool.fetch("SELECT name FROM done")}
    assert names == {"first", *(f"ok{i}" for i in range(6))}
    assert group.stats.fallbacks == 1  # the batch was rolled back, then each ran alone


async def test_a_result_arrives_after_its_transaction_committed(pool: asyncpg.Pool) -> None:
    group: GroupCommit[str] = GroupCommit(
        UnitsOfWork(pool, source="/tangsel/test"), name="t", max_in_flight=1
    )

    async def check(name: str) -> None:
        await _as("c", group, _work(name))
        assert await pool.fetchval("SELECT count(*) FROM done WHERE name = $1", name) == 1

    await asyncio.gather(*(check(f"n{i}") for i in range(10)))


async def test_works_of_a_batch_run_in_key_order(pool: asyncpg.Pool) -> None:
    group: GroupCommit[str] = GroupCommit(
        UnitsOfWork(pool, source="/tangsel/test"), name="t", max_in_flight=1
    )
    order: list[str] = []

    def recording(name: str):
        async def work(uow: UnitOfWork) -> str:
            order.append(name)
            await uow.conn.execute("SELECT 1")
            return name

        return work

    keys = ["first", "c", "a", "b", "a"]
    await asyncio.gather(
        *(_as("c", group, recording(f"{k}{i}"), key=k) for i, k in enumerate(keys))
    )
    assert order == ["first0", "a2", "a4", "b3", "c1"]
