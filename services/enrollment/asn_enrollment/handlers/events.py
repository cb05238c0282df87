"""The events this service publishes, built from stored rows (published with ``uow.publish``, so
the change and its event commit together)."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from asn_enrollment.domain.catalogue import Session
from asn_enrollment.domain.roster import CivilServant
from asn_platform.contracts import (
    AsnProfileChanged,
    EnrollmentChanged,
    ProfileChange,
    TrainingCompleted,
)
from asn_platform.contracts.enrollment import (
    CatalogueChange,
    ProgrammeCatalogueChanged,
    SessionChange,
    SessionChanged,
    SessionSpeaker,
)
from asn_platform.timezone import to_jakarta
from asn_platform.vocabulary import Bidang, EnrollmentStatus, ProgrammeKind


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


def catalogue_changed(row: asyncpg.Record, change: CatalogueChange) -> ProgrammeCatalogueChanged:
    """``row``: a programmes row (with active and updated_at, the moment of the change)."""
    return ProgrammeCatalogueChanged(
        code=row["code"],
        title=row["title"],
        kind=ProgrammeKind(row["kind"]),
        competencies=list(row["competencies"]),
        target_fields=[Bidang(f) for f in row["target_fields"]],
        jp=row["jp"],
        benefit_id=row["benefit_id"],
        benefit_en=row["benefit_en"],
        default_capacity=row["default_capacity"],
        days=row["days"],
        active=row["active"],
        change=change,
        changed_at=to_jakarta(row["updated_at"]),
    )


def session_changed(
    row: asyncpg.Record,
    session: Session,
    change: SessionChange,
    at: datetime,
    reason: str | None = None,
) -> SessionChanged:
    """``row``: a sessions row as store.catalogue reads it; ``session`` its domain model."""
    return SessionChanged(
        session_id=str(row["id"]),
        programme_code=row["programme_code"],
        change=change,
        sequence=row["sequence"],
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        place=session.place or None,
        online_url=session.online_url or None,
        capacity=session.capacity,
        speakers=[SessionSpeaker(name=s.name, topic=s.topic) for s in session.speakers],
        scheduled_programme_id=row["scheduled_programme_id"],
        reason=reason,
        changed_at=to_jakarta(at),
    )
