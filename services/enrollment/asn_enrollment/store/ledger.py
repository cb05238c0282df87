"""The JP ledger tables: entries per person and year, per unit, and the all-units aggregate.

The summary over all units is one SQL aggregate (the rule of domain.jp_ledger: active people
whose year total is below the minimum), so it stays cheap as the roster grows.
"""

from __future__ import annotations

import asyncpg

from asn_platform.vocabulary import ANNUAL_JP_MINIMUM


async def person_entries(conn: asyncpg.Connection, nip: str, year: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT j.enrollment_id, j.nip, j.programme_code, p.title, j.jp, j.completed_at"
        " FROM jp_entries j JOIN programmes p ON p.code = j.programme_code"
        " WHERE j.nip = $1 AND j.year = $2 ORDER BY j.completed_at",
        nip,
        year,
    )


async def person_years(conn: asyncpg.Connection, nip: str) -> list[int]:
    rows = await conn.fetch(
        "SELECT DISTINCT year FROM jp_entries WHERE nip = $1 ORDER BY year", nip
    )
    return [int(r["year"]) for r in rows]


async def units_summary(conn: asyncpg.Connection, year: int) -> list[asyncpg.Record]:
    """Per unit: active headcount and how many are below the minimum in ``year``."""
    return await conn.fetch(
        "SELECT c.unit_id, count(*) AS headcount,"
        " count(*) FILTER (WHERE coalesce(t.jp, 0) < $2) AS below"
        " FROM civil_servants c LEFT JOIN ("
        "   SELECT nip, sum(jp) AS jp FROM jp_entries WHERE year = $1 GROUP BY nip"
        " ) t ON t.nip = c.nip WHERE c.active GROUP BY c.unit_id ORDER BY c.unit_id",
        year,
        ANNUAL_JP_MINIMUM,
    )


async def unit_members(conn: asyncpg.Connection, unit_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT nip, unit_id, active, name FROM civil_servants WHERE unit_id = $1 AND active",
        unit_id,
    )


async def unit_entries(conn: asyncpg.Connection, unit_id: str, year: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT j.enrollment_id, j.nip, j.jp, j.completed_at FROM jp_entries j"
        " JOIN civil_servants c ON c.nip = j.nip WHERE c.unit_id = $1 AND j.year = $2",
        unit_id,
        year,
    )
