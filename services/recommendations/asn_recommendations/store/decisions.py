"""This service's own decisions: scheduled programmes, gap outcomes, nudges, recommendations.

Unlike the read models these are never rebuilt by replay; each row was written in the same
transaction as the event that announces it (outbox), so they are the record of what was said.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg

from asn_recommendations.domain.decisions import Schedule
from asn_recommendations.domain.nudges import LimitReached, Nudge
from asn_recommendations.store.conn import Conn


@dataclass(frozen=True, slots=True)
class SessionRow:
    session_ref: str
    days: tuple[date, ...]
    starts_at: datetime
    ends_at: datetime
    capacity: int
    place: str | None
    online_url: str | None
    cohort: tuple[str, ...]


async def insert_schedule(
    conn: Conn,
    schedule: Schedule,
    *,
    scheduled_programme_id: str,
    sessions: Sequence[SessionRow],
    explanation_id: str,
    explanation_en: str,
    event_id: UUID,
    at: datetime,
) -> bool:
    """Store a schedule; False (and nothing written) when its gap was scheduled already."""
    gap = schedule.gap
    inserted = await conn.fetchval(
        """
        INSERT INTO scheduled_programmes (scheduled_programme_id, idempotency_key, unit_id,
            element, period, period_kind, programme_code, competencies, rule_version, rule_line,
            gap_score, gap_mutu, follow_up_of, first_day, last_day, cohort_size, waiting,
            explanation_id, explanation_en, scheduled_at, event_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
            $18, $19, $20, $21)
        ON CONFLICT (idempotency_key) DO NOTHING
        RETURNING scheduled_programme_id
        """,
        scheduled_programme_id,
        schedule.idempotency_key,
        gap.unit_id,
        gap.element.value,
        gap.period.key,
        gap.period.kind.value,
        schedule.programme_code,
        list(schedule.competencies),
        schedule.rule_version,
        schedule.rule_line,
        float(gap.score),
        gap.mutu.value,
        schedule.follow_up_of,
        min(s.days[0] for s in sessions),
        max(s.days[-1] for s in sessions),
        sum(len(s.cohort) for s in sessions),
        len(schedule.cohort.overflow) + len(schedule.unplaced),
        explanation_id,
        explanation_en,
        at,
        event_id,
    )
    if inserted is None:
        return False
    await conn.executemany(
        """
        INSERT INTO scheduled_sessions (scheduled_programme_id, session_ref, days, starts_at,
            ends_at, capacity, place, online_url, cohort)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        """,
        [
            (
                scheduled_programme_id,
                s.session_ref,
                list(s.days),
                s.starts_at,
                s.ends_at,
                s.capacity,
                s.place,
                s.online_url,
                list(s.cohort),
            )
            for s in sessions
        ],
    )
    return True


async def decision_outcome(conn: Conn, gap_key: str) -> str | None:
    value = await conn.fetchval("SELECT outcome FROM gap_decisions WHERE gap_key = $1", gap_key)
    return str(value) if value is not None else None


async def save_gap_decision(
    conn: Conn,
    *,
    gap_key: str,
    unit_id: str,
    element: str,
    period: str,
    outcome: str,
    reason: str | None,
    explanation_id: str,
    explanation_en: str,
    rule_version: str | None,
    scheduled_programme_id: str | None,
    retry_after: date | None,
    at: datetime,
    trigger_event_id: UUID,
) -> None:
    """The gap's latest decision; a 'scheduled' one is final and never replaced."""
    await conn.execute(
        """
        INSERT INTO gap_decisions (gap_key, unit_id, element, period, outcome, reason,
            explanation_id, explanation_en, rule_version, scheduled_programme_id, retry_after,
            first_decided_at, decided_at, trigger_event_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13)
        ON CONFLICT (gap_key) DO UPDATE SET
            outcome = excluded.outcome, reason = excluded.reason,
            explanation_id = excluded.explanation_id, explanation_en = excluded.explanation_en,
            rule_version = excluded.rule_version,
            scheduled_programme_id = excluded.scheduled_programme_id,
            retry_after = excluded.retry_after, decided_at = excluded.decided_at,
            trigger_event_id = excluded.trigger_event_id
        WHERE gap_decisions.outcome <> 'scheduled'
        """,
        gap_key,
        unit_id,
        element,
        period,
        outcome,
        reason,
        explanation_id,
        explanation_en,
        rule_version,
        scheduled_programme_id,
        retry_after,
        at,
        trigger_event_id,
    )


# -- nudges -------------------------------------------------------------------------------------


async def insert_nudge(
    conn: Conn,
    nudge: Nudge,
    *,
    event_id: UUID,
    enrollment_id: str | None,
    requested_at: datetime,
    trigger_event_id: UUID,
) -> bool:
    inserted = await conn.fetchval(
        """
        INSERT INTO nudges (event_id, nip, programme_code, attempt, max_reminders,
            include_supervisor, supervisor_nip, copy_to_hr, register, tone, message_id,
            message_en, enrollment_id, requested_at, trigger_event_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
        ON CONFLICT DO NOTHING
        RETURNING event_id
        """,
        event_id,
        nudge.nip,
        nudge.programme_code,
        nudge.reminder_number,
        nudge.max_reminders,
        nudge.supervisor_nip is not None,
        nudge.supervisor_nip,
        nudge.copy_to_hr,
        nudge.tone.value,
        nudge.insistence.value,
        nudge.message_id,
        nudge.message_en,
        enrollment_id,
        requested_at,
        trigger_event_id,
    )
    return inserted is not None


async def insert_escalation(
    conn: Conn, limit: LimitReached, *, at: datetime, trigger_event_id: UUID
) -> None:
    await conn.execute(
        """
        INSERT INTO nudge_escalations (trigger_event_id, nip, programme_code, reminders_sent,
            non_attendances, supervisor_nip, message_id, message_en, escalated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        ON CONFLICT DO NOTHING
        """,
        trigger_event_id,
        limit.nip,
        limit.programme_code,
        limit.reminders_sent,
        limit.non_attendances,
        limit.supervisor_nip,
        limit.message_id,
        limit.message_en,
        at,
    )


async def add_pending_nudge(
    conn: Conn,
    *,
    trigger_event_id: UUID,
    nip: str,
    programme_code: str,
    enrollment_id: str | None,
    at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO pending_nudges (trigger_event_id, nip, programme_code, enrollment_id,"
        " received_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        trigger_event_id,
        nip,
        programme_code,
        enrollment_id,
        at,
    )


async def take_pending_nudges(conn: Conn, nips: Collection[str]) -> list[asyncpg.Record]:
    """Remove and return the pending nudges of these people, oldest first."""
    return list(
        await conn.fetch(
            "WITH taken AS (DELETE FROM pending_nudges WHERE nip = ANY($1::text[]) RETURNING *)"
            " SELECT * FROM taken ORDER BY received_at, trigger_event_id",
            list(nips),
        )
    )


async def open_nudges(conn: Conn, nips: Collection[str]) -> set[tuple[str, str]]:
    """(nip, programme) pairs with a nudge not yet followed by an enrollment."""
    rows = await conn.fetch(
        "SELECT DISTINCT nip, programme_code FROM nudges"
        " WHERE converted_at IS NULL AND nip = ANY($1::text[])",
        list(nips),
    )
    return {(r["nip"], r["programme_code"]) for r in rows}


async def mark_converted(
    conn: Conn, nip: str, programme_code: str, at: datetime, status: str
) -> int:
    """The person enrolled in (or attended, completed) a programme they were nudged about."""
    result = await conn.execute(
        "UPDATE nudges SET converted_at = $3, converted_status = $4"
        " WHERE nip = $1 AND programme_code = $2 AND converted_at IS NULL",
        nip,
        programme_code,
        at,
        status,
    )
    return int(result.split()[-1])


# -- recommendations ----------------------------------------------------------------------------


async def insert_recommendations(
    conn: Conn,
    rows: Sequence[tuple[UUID, str, str, str, list[dict[str, Any]]]],
    *,
    issued_at: datetime,
) -> None:
    """(event id, nip, unit id, cause, items) of recommendation-issued events just enqueued."""
    await conn.executemany(
        "INSERT INTO issued_recommendations (event_id, nip, unit_id, cause, items, issued_at)"
        " VALUES ($1, $2, $3, $4, $5::jsonb, $6) ON CONFLICT DO NOTHING",
        [
            (eid, nip, unit, cause, json.dumps(items), issued_at)
            for eid, nip, unit, cause, items in rows
        ],
    )
