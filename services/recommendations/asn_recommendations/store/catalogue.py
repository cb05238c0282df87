"""The programme catalogue read model: enrollment's programme-catalogue-changed events in, the
active programmes out as the domain's ``Programme`` values."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg

from asn_platform.contracts.enrollment import ProgrammeCatalogueChanged
from asn_platform.vocabulary import Bidang, ProgrammeKind
from asn_recommendations.domain.catalogue import Programme
from asn_recommendations.store.conn import Conn
from asn_recommendations.store.readmodels import Fact, newer, upsert_latest

_UPSERT_PROGRAMME = f"""
INSERT INTO rm_programmes (code, title, kind, competencies, target_fields, jp, capacity, days,
    benefit_id, benefit_en, active, changed_at, event_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
ON CONFLICT (code) DO UPDATE SET
    title = excluded.title, kind = excluded.kind, competencies = excluded.competencies,
    target_fields = excluded.target_fields, jp = excluded.jp, capacity = excluded.capacity,
    days = excluded.days, benefit_id = excluded.benefit_id, benefit_en = excluded.benefit_en,
    active = excluded.active, changed_at = excluded.changed_at, event_id = excluded.event_id
WHERE {newer("rm_programmes", "changed_at")}
"""


def _programme_row(ev: ProgrammeCatalogueChanged, event_id: UUID) -> tuple[Any, ...]:
    return (
        ev.code,
        ev.title,
        ev.kind.value,
        list(ev.competencies),
        [b.value for b in ev.target_fields],
        ev.jp,
        ev.default_capacity,
        ev.days,
        ev.benefit_id,
        ev.benefit_en,
        ev.active,
        ev.changed_at,
        event_id,
    )


async def apply_catalogue(conn: Conn, facts: Sequence[Fact[ProgrammeCatalogueChanged]]) -> None:
    """Last writer per code wins (a compacted topic replays only the latest, live sees all)."""
    await upsert_latest(
        conn, _UPSERT_PROGRAMME, facts, lambda e: e.code, lambda e: e.changed_at, _programme_row
    )


def programme_of(row: asyncpg.Record) -> Programme:
    return Programme(
        code=row["code"],
        title=row["title"],
        kind=ProgrammeKind(row["kind"]),
        competencies=tuple(row["competencies"]),
        target_fields=tuple(Bidang(b) for b in row["target_fields"]),
        jp=row["jp"],
        capacity=row["capacity"],
        days=row["days"],
        benefit_id=row["benefit_id"],
        benefit_en=row["benefit_en"],
    )


async def active_programmes(conn: Conn) -> dict[str, Programme]:
    """The programmes that may be scheduled and recommended now, by code (deactivated ones are
    left out: enrollment opens no new sessions for them)."""
    rows = await conn.fetch("SELECT * FROM rm_programmes WHERE active ORDER BY code")
    return {r["code"]: programme_of(r) for r in rows}
