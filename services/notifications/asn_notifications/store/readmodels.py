"""Read models from enrollment's events: the latest state per key wins (by changed_at)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import asyncpg

from asn_platform.contracts import AsnProfileChanged, EnrollmentChanged
from asn_platform.contracts.enrollment import ProgrammeCatalogueChanged, SessionChanged


async def upsert_profile(conn: asyncpg.Connection, p: AsnProfileChanged) -> None:
    await conn.execute(
        """INSERT INTO rm_profiles (nip, name, unit_id, position, supervisor_nip, active, changed_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (nip) DO UPDATE SET name = $2, unit_id = $3, position = $4,
               supervisor_nip = $5, active = $6, changed_at = $7
           WHERE rm_profiles.changed_at <= $7""",
        p.nip, p.name, p.unit_id, p.position, p.supervisor_nip, p.active, p.changed_at,
    )  # fmt: skip


async def upsert_programme(conn: asyncpg.Connection, p: ProgrammeCatalogueChanged) -> None:
    await conn.execute(
        """INSERT INTO rm_programmes (code, title, benefit_id, benefit_en, jp, competencies, changed_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (code) DO UPDATE SET title = $2, benefit_id = $3, benefit_en = $4,
               jp = $5, competencies = $6, changed_at = $7
           WHERE rm_programmes.changed_at <= $7""",
        p.code, p.title, p.benefit_id, p.benefit_en, p.jp, list(p.competencies), p.changed_at,
    )  # fmt: skip


async def upsert_session(conn: asyncpg.Connection, s: SessionChanged) -> bool:
    """True when this is news (a higher sequence than the one known)."""
    speakers = json.dumps([sp.model_dump() for sp in s.speakers])
    row = await conn.fetchval(
        """INSERT INTO rm_sessions (session_id, programme_code, sequence, change, starts_at,
               ends_at, place, online_url, speakers, reason, changed_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11)
           ON CONFLICT (session_id) DO UPDATE SET programme_code = $2, sequence = $3,
               change = $4, starts_at = $5, ends_at = $6, place = $7, online_url = $8,
               speakers = $9::jsonb, reason = $10, changed_at = $11
           WHERE rm_sessions.sequence < $3
           RETURNING session_id""",
        s.session_id, s.programme_code, s.sequence, s.change.value, s.starts_at, s.ends_at,
        s.place, s.online_url, speakers, s.reason, s.changed_at,
    )  # fmt: skip
    return row is not None


async def upsert_enrollment(conn: asyncpg.Connection, e: EnrollmentChanged) -> bool:
    """True when this status is the latest known for the enrollment."""
    row = await conn.fetchval(
        """INSERT INTO rm_enrollments (enrollment_id, nip, programme_code, session_id, status, changed_at)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (enrollment_id) DO UPDATE SET nip = $2, programme_code = $3,
               session_id = $4, status = $5, changed_at = $6
           WHERE rm_enrollments.changed_at <= $6
           RETURNING enrollment_id""",
        e.enrollment_id, e.nip, e.programme_code, e.session_id, e.status.value, e.changed_at,
    )  # fmt: skip
    return row is not None


async def people_in_session(
    conn: asyncpg.Connection, session_id: str, statuses: list[str]
) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            "SELECT enrollment_id, nip FROM rm_enrollments WHERE session_id = $1"
            " AND status = ANY($2::text[]) ORDER BY enrollment_id",
            session_id,
            statuses,
        )
    )


async def enrolled_starting_between(
    conn: asyncpg.Connection, start: datetime, end: datetime
) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            """SELECT e.enrollment_id, e.nip, s.session_id, s.sequence
               FROM rm_sessions s JOIN rm_enrollments e ON e.session_id = s.session_id
               WHERE s.change <> 'cancelled' AND s.starts_at >= $1 AND s.starts_at < $2
                 AND e.status = 'enrolled'
               ORDER BY s.session_id, e.enrollment_id""",
            start,
            end,
        )
    )


async def profile(conn: asyncpg.Connection, nip: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM rm_profiles WHERE nip = $1", nip)


async def programme(conn: asyncpg.Connection, code: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM rm_programmes WHERE code = $1", code)


async def session(conn: asyncpg.Connection, session_id: str) -> dict[str, Any] | None:
    row = await conn.fetchrow("SELECT * FROM rm_sessions WHERE session_id = $1", session_id)
    if row is None:
        return None
    found = dict(row)
    found["speakers"] = (
        json.loads(found["speakers"]) if isinstance(found["speakers"], str) else found["speakers"]
    )
    return found
