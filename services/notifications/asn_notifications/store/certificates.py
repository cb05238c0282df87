"""Certificates issued for completed enrollments."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from asn_platform.contracts import TrainingCompleted


async def issue(
    conn: asyncpg.Connection, number: str, done: TrainingCompleted, now: datetime
) -> str:
    """The certificate number of this enrollment (issued now unless it was before)."""
    existing: str | None = await conn.fetchval(
        "SELECT number FROM certificates WHERE enrollment_id = $1", done.enrollment_id
    )
    if existing is not None:
        return existing
    await conn.execute(
        """INSERT INTO certificates (number, enrollment_id, nip, programme_code, competencies, jp,
               session_id, completed_at, issued_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
        number, done.enrollment_id, done.nip, done.programme_code, list(done.competencies),
        done.jp_credited, done.session_id, done.completed_at, now,
    )  # fmt: skip
    return number


async def number_taken(conn: asyncpg.Connection, number: str) -> bool:
    return bool(await conn.fetchval("SELECT 1 FROM certificates WHERE number = $1", number))


async def get(conn: asyncpg.Connection, number: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """SELECT c.*, p.name AS holder_name, g.title AS programme_title, s.starts_at
           FROM certificates c
           LEFT JOIN rm_profiles p ON p.nip = c.nip
           LEFT JOIN rm_programmes g ON g.code = c.programme_code
           LEFT JOIN rm_sessions s ON s.session_id = c.session_id
           WHERE c.number = $1""",
        number,
    )


async def of_holder(conn: asyncpg.Connection, nip: str) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            """SELECT c.number, c.programme_code, g.title AS programme_title, c.jp,
                      c.completed_at, c.issued_at
               FROM certificates c LEFT JOIN rm_programmes g ON g.code = c.programme_code
               WHERE c.nip = $1 ORDER BY c.completed_at DESC""",
            nip,
        )
    )
