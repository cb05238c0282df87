import asyncio

import asyncpg
import pytest

from asn_platform.db import ensure_database, load_migrations, migrate, with_database

pytestmark = pytest.mark.integration


async def test_ensure_database_is_idempotent_under_a_race(pg_server_url, db_factory):
    name = f"asn_test_race_{db_factory.run_id}"
    db_factory.created.append(name)
    await asyncio.gather(*(ensure_database(pg_server_url, name) for _ in range(4)))
    conn = await asyncpg.connect(with_database(pg_server_url, name))
    assert await conn.fetchval("SELECT current_database()") == name
    await conn.close()


async def test_migrations_apply_once_when_instances_start_together(fresh_db):
    results = await asyncio.gather(
        *(migrate(fresh_db, ["tests.fixtures_migrations"]) for _ in range(4))
    )
    applied = [names for names in results if names]
    assert len(applied) == 1, results
    assert applied[0] == [
        "tests.fixtures_migrations/0001_things.sql",
        "tests.fixtures_migrations/0002_more_things.sql",
    ]
    conn = await asyncpg.connect(fresh_db)
    assert await conn.fetchval("SELECT count(*) FROM things") == 1
    await conn.close()
    assert await migrate(fresh_db, ["tests.fixtures_migrations"]) == []


def test_migration_files_are_ordered():
    versions = [m.version for m in load_migrations("tests.fixtures_migrations")]
    assert versions == sorted(versions) == [1, 2]
