"""The JP ledger: hours credited per person per (Jakarta) year, and the 20 JP minimum.

Unit and person views use the pure rules in domain.jp_ledger on one unit's rows; the summary
over all units is one SQL aggregate (same rule: active people whose year total is below the
minimum), so it stays cheap as the roster grows.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from asn_enrollment.domain.jp_ledger import (
    JpEntry,
    RosterMember,
    person_standings,
    shortfall,
    unit_compliance,
)
from asn_platform.timezone import to_jakarta
from asn_platform.vocabulary import ANNUAL_JP_MINIMUM


def _entry(row: asyncpg.Record) -> JpEntry:
    return JpEntry(str(row["enrollment_id"]), row["nip"], row["jp"], row["completed_at"])


async def person(conn: asyncpg.Connection, nip: str, year: int) -> dict[str, Any]:
    rows = await conn.fetch(
        "SELECT j.enrollment_id, j.nip, j.programme_code, p.title, j.jp, j.completed_at"
        " FROM jp_entries j JOIN programmes p ON p.code = j.programme_code"
        " WHERE j.nip = $1 AND j.year = $2 ORDER BY j.completed_at",
        nip,
        year,
    )
    entries = [_entry(r) for r in rows]
    [standing] = person_standings([RosterMember(nip, "", True)], entries, year)
    return {
        "nip": nip,
        "year": year,
        "jp": standing.jp,
        "minimum": ANNUAL_JP_MINIMUM,
        "shortfall": standing.shortfall,
        "compliant": standing.compliant,
        "entries": [
            {
                "enrollment_id": str(r["enrollment_id"]),
                "programme_code": r["programme_code"],
                "programme_title": r["title"],
                "jp": r["jp"],
                "completed_at": to_jakarta(r["completed_at"]).isoformat(),
            }
            for r in rows
        ],
    }


async def units_summary(conn: asyncpg.Connection, year: int) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT c.unit_id, count(*) AS headcount,"
        " count(*) FILTER (WHERE coalesce(t.jp, 0) < $2) AS below"
        " FROM civil_servants c LEFT JOIN ("
        "   SELECT nip, sum(jp) AS jp FROM jp_entries WHERE year = $1 GROUP BY nip"
        " ) t ON t.nip = c.nip WHERE c.active GROUP BY c.unit_id ORDER BY c.unit_id",
        year,
        ANNUAL_JP_MINIMUM,
    )
    return [
        {
            "unit_id": r["unit_id"],
            "year": year,
            "headcount": r["headcount"],
            "below_minimum": r["below"],
            "compliant": r["headcount"] - r["below"],
            "percent_compliant": round(100 * (r["headcount"] - r["below"]) / r["headcount"], 1),
        }
        for r in rows
    ]


async def unit(conn: asyncpg.Connection, unit_id: str, year: int) -> dict[str, Any] | None:
    members = await conn.fetch(
        "SELECT nip, unit_id, active, name FROM civil_servants WHERE unit_id = $1 AND active",
        unit_id,
    )
    if not members:
        return None
    entries = await conn.fetch(
        "SELECT j.enrollment_id, j.nip, j.jp, j.completed_at FROM jp_entries j"
        " JOIN civil_servants c ON c.nip = j.nip WHERE c.unit_id = $1 AND j.year = $2",
        unit_id,
        year,
    )
    names = {m["nip"]: m["name"] for m in members}
    [compliance] = unit_compliance(
        [RosterMember(m["nip"], m["unit_id"], m["active"]) for m in members],
        [_entry(e) for e in entries],
        year,
    )
    percent = compliance.percent_compliant
    return {
        "unit_id": unit_id,
        "year": year,
        "minimum": ANNUAL_JP_MINIMUM,
        "headcount": compliance.headcount,
        "compliant": compliance.compliant_count,
        "below_minimum": compliance.below_count,
        "percent_compliant": None if percent is None else round(percent, 1),
        "below": [
            {
                "nip": s.nip,
                "name": names[s.nip],
                "jp": s.jp,
                "shortfall": shortfall(s.jp),
            }
            for s in compliance.below
        ],
    }
