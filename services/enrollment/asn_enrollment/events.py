"""The events this service publishes, built from database rows and written to the outbox.

Every publish goes through ``emit`` inside the caller's transaction (never a direct broker
publish): the state change and its event commit together or not at all (docs/architecture.md, reliability rule 1).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from asn_enrollment.domain.roster import CivilServant
from asn_platform import outbox
from asn_platform.contracts import (
    AsnProfileChanged,
    EnrollmentChanged,
    Event,
    ProfileChange,
    TrainingCompleted,
)
from asn_platform.timezone import to_jakarta
from asn_platform.vocabulary import EnrollmentStatus, ProgrammeKind

SOURCE = "/tangsel/enrollment"


async def emit(conn: asyncpg.Connection, event: Event) -> UUID:
    """Write ``event`` to the outbox in the current transaction; the relay publishes it."""
    return await outbox.enqueue(conn, event, source=SOURCE)


def profile_changed(
    servant: CivilServant, change: ProfileChange, at: datetime
) -> AsnProfileChanged:
    return AsnProfileChanged(
        nip=servant.nip,
        name=servant.name,
        unit_id=servant.unit_id,
        bidang=servant.bidang,
        position=servant.position,
        position_type=servant.position_type,
        rank=servant.rank,
        supervisor_nip=servant.supervisor_nip,
        active=servant.active,
        change=change,
        changed_at=to_jakarta(at),
    )


def enrollment_changed(
    row: asyncpg.Record,
    previous: EnrollmentStatus | None,
    at: datetime,
    reason: str | None = None,
) -> EnrollmentChanged:
    """``row``: an enrollments row joined with its session's programme_code."""
    return EnrollmentChanged(
        enrollment_id=str(row["id"]),
        nip=row["nip"],
        programme_code=row["programme_code"],
        session_id=str(row["session_id"]),
        status=EnrollmentStatus(row["status"]),
        previous_status=previous,
        reason=reason,
        changed_at=to_jakarta(at),
        scheduled_programme_id=row["scheduled_programme_id"],
    )


def training_completed(
    row: asyncpg.Record,
    *,
    unit_id: str,
    programme_kind: ProgrammeKind,
    competencies: list[str],
    jp: int,
    score: int,
    completed_at: datetime,
) -> TrainingCompleted:
    return TrainingCompleted(
        enrollment_id=str(row["id"]),
        nip=row["nip"],
        unit_id=unit_id,
        programme_code=row["programme_code"],
        programme_kind=programme_kind,
        competencies=competencies,
        jp_credited=jp,
        score=score,
        completed_at=to_jakarta(completed_at),
        session_id=str(row["session_id"]),
        scheduled_programme_id=row["scheduled_programme_id"],
    )
