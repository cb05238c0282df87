"""PostgreSQL plumbing: one database per service, created if missing, migrations applied once.

Migrations are plain SQL files ``NNNN_name.sql`` in a package's ``migrations`` folder. They are
applied under a session advisory lock, so several instances starting at once apply each file
exactly once; a file changed after it was applied is refused (checksum), never re-run.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from importlib import resources
from urllib.parse import urlsplit, urlunsplit

import asyncpg

log = logging.getLogger(__name__)

_MIGRATION = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_LOCK_KEY = 0x41534E4D  # "ASNM": serialises migrations per database


def with_database(server_url: str, database: str) -> str:
    """The same server URL pointing at another database."""
    parts = urlsplit(server_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


async def ensure_database(server_url: str, database: str) -> None:
    """CREATE DATABASE if missing; safe when several instances race to do it."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", database):
        raise ValueError(f"database name {database!r} must be lower-case letters, digits, _")
    conn = await asyncpg.connect(server_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            try:
                await conn.execute(f'CREATE DATABASE "{database}"')
                log.info("created database %s", database)
            except (asyncpg.DuplicateDatabaseError, asyncpg.UniqueViolationError):
                pass  # another instance won the race
    finally:
        await conn.close()


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def load_migrations(package: str) -> list[Migration]:
    folder = resources.files(package).joinpath("migrations")
    found: list[Migration] = []
    if not folder.is_dir():
        return found
    for entry in folder.iterdir():
        m = _MIGRATION.match(entry.name)
        if m:
            found.append(Migration(int(m.group(1)), entry.name, entry.read_text("utf-8")))
        elif entry.name.endswith(".sql"):
            raise ValueError(f"migration file {entry.name!r} must be named NNNN_snake_case.sql")
    found.sort(key=lambda mig: mig.version)
    versions = [mig.version for mig in found]
    if len(set(versions)) != len(versions):
        raise ValueError(f"duplicate migration version in {package}")
    return found


async def migrate(dsn: str, packages: list[str]) -> list[str]:
    """Apply pending migrations of the given packages, in order; returns the names applied."""
    conn = await asyncpg.connect(dsn)
    applied: list[str] = []
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
        await conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   package text NOT NULL, version int NOT NULL, name text NOT NULL,
                   checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
                   PRIMARY KEY (package, version))"""
        )
        for package in packages:
            done = {
                r["version"]: r["checksum"]
                for r in await conn.fetch(
                    "SELECT version, checksum FROM schema_migrations WHERE package = $1", package
                )
            }
            for mig in load_migrations(package):
                if mig.version in done:
                    if done[mig.version] != mig.checksum:
                        raise RuntimeError(
                            f"migration {package}/{mig.name} changed after it was applied; "
                            "add a new migration instead"
                        )
                    continue
                async with conn.transaction():
                    await conn.execute(mig.sql)
                    await conn.execute(
                        "INSERT INTO schema_migrations (package, version, name, checksum)"
                        " VALUES ($1, $2, $3, $4)",
                        package,
                        mig.version,
                        mig.name,
                        mig.checksum,
                    )
                applied.append(f"{package}/{mig.name}")
                log.info("applied migration %s/%s", package, mig.name)
    finally:
        try:
            await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
        finally:
            await conn.close()
    return applied


async def create_pool(dsn: str, min_size: int = 2, max_size: int = 10) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        server_settings={"application_name": "asn-platform"},
    )
    assert pool is not None
    return pool
