"""Response models of the enrollment API (so the OpenAPI documents every response), built from
what the handlers return. Times are shown in Asia/Jakarta."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from pydantic import BaseModel, ConfigDict, Field

from asn_enrollment.domain.catalogue import SessionMode, Speaker, mode_of
from asn_enrollment.domain.lifecycle import allowed_targets
from asn_platform.timezone import to_jakarta
from asn_platform.vocabulary import Bidang, EnrollmentStatus, ProgrammeKind

S = EnrollmentStatus


def _wib(moment: datetime | None) -> datetime | None:
    return None if moment is None else to_jakarta(moment)


def _ids(ids: list[UUID]) -> list[str]:
    return [str(i) for i in ids]


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- roster -----------------------------------------------------------------------------------


class AsnOut(Out):
    nip: str
    name: str
    unit_id: str
    bidang: str
    position: str
    position_type: str
    rank: str
    supervisor_nip: str | None
    active: bool
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: asyncpg.Record) -> AsnOut:
        data = dict(row)
        data["created_at"] = to_jakarta(row["created_at"])
        data["updated_at"] = to_jakarta(row["updated_at"])
        return cls.model_validate(data)


class AsnList(Out):
    total: int
    items: list[AsnOut]


class DeactivatedOut(AsnOut):
    cancelled_enrollments: list[str] = Field(description="Seats and waitlist places cancelled")


# --- catalogue --------------------------------------------------------------------------------


class ProgrammeOut(Out):
    code: str
    title: str
    kind: ProgrammeKind
    competencies: list[str]
    target_fields: list[Bidang]
    jp: int
    benefit_id: str
    benefit_en: str
    default_capacity: int
    days: int
    active: bool

    @classmethod
    def of(cls, row: asyncpg.Record) -> ProgrammeOut:
        return cls.model_validate(
            {
                **dict(row),
                "competencies": list(row["competencies"]),
                "target_fields": list(row["target_fields"]),
            }
        )


class SpeakerOut(Out):
    name: str
    topic: str


class SeatsOut(Out):
    taken: int
    free: int
    waitlisted: int
    invited: int


class SessionOut(Out):
    id: str
    programme_code: str
    programme_title: str
    programme_kind: ProgrammeKind
    starts_at: datetime
    ends_at: datetime
    timezone: str = "Asia/Jakarta"
    place: str | None
    online_url: str | None
    mode: SessionMode
    capacity: int
    speakers: list[SpeakerOut]
    seats: SeatsOut
    scheduled_programme_id: str | None
    session_ref: str | None
    sequence: int = Field(description="0 when opened, one more on each reschedule or cancellation")
    cancelled_at: datetime | None = Field(description="When cancelled; null while it stands")
    cancel_reason: str | None

    @classmethod
    def of(cls, row: asyncpg.Record) -> SessionOut:
        speakers = [Speaker.model_validate(s) for s in json.loads(row["speakers"])]
        return cls(
            id=str(row["id"]),
            programme_code=row["programme_code"],
            programme_title=row["programme_title"],
            programme_kind=ProgrammeKind(row["programme_kind"]),
            starts_at=to_jakarta(row["starts_at"]),
            ends_at=to_jakarta(row["ends_at"]),
            place=row["place"],
            online_url=row["online_url"],
            mode=mode_of(row["place"], row["online_url"]),
            capacity=row["capacity"],
            speakers=[SpeakerOut(name=s.name, topic=s.topic) for s in speakers],
            seats=SeatsOut(
                taken=row["seats_taken"],
                free=max(0, row["capacity"] - row["seats_taken"]),
                waitlisted=row["waitlisted"],
                invited=row["invited"],
            ),
            scheduled_programme_id=row["scheduled_programme_id"],
            session_ref=row["session_ref"],
            sequence=row["sequence"],
            cancelled_at=_wib(row["cancelled_at"]),
            cancel_reason=row["cancel_reason"],
        )


class SessionChangedOut(SessionOut):
    promoted: list[str] = Field(description="Enrollments moved up from the waitlist")


class SessionCancelledOut(SessionOut):
    cancelled_enrollments: list[str] = Field(description="Enrollments cancelled with it")


# --- enrollments ------------------------------------------------------------------------------


class EnrollmentOut(Out):
    id: str
    session_id: str
    programme_code: str
    nip: str
    status: EnrollmentStatus
    session_starts_at: datetime
    session_ends_at: datetime
    invited_at: datetime
    changed_at: datetime
    waitlisted_at: datetime | None
    waitlist_rank: int | None
    reason: str | None
    score: int | None
    scheduled_programme_id: str | None
    allowed_next: list[EnrollmentStatus] = Field(
        description="Statuses it may move to (the waitlist is assigned, never requested)"
    )

    @classmethod
    def fields_of(cls, row: asyncpg.Record) -> dict[str, Any]:
        status = S(row["status"])
        return {
            "id": str(row["id"]),
            "session_id": str(row["session_id"]),
            "programme_code": row["programme_code"],
            "nip": row["nip"],
            "status": status,
            "session_starts_at": to_jakarta(row["starts_at"]),
            "session_ends_at": to_jakarta(row["ends_at"]),
            "invited_at": to_jakarta(row["invited_at"]),
            "changed_at": to_jakarta(row["changed_at"]),
            "waitlisted_at": _wib(row["waitlisted_at"]),
            "waitlist_rank": row["waitlist_rank"],
            "reason": row["reason"],
            "score": row["score"],
            "scheduled_programme_id": row["scheduled_programme_id"],
            "allowed_next": sorted(t for t in allowed_targets(status) if t is not S.WAITLISTED),
        }

    @classmethod
    def of(cls, row: asyncpg.Record) -> EnrollmentOut:
        return cls.model_validate(cls.fields_of(row))


class TransitionOut(EnrollmentOut):
    promoted: list[str] = Field(description="Enrollments moved up from the waitlist by it")

    @classmethod
    def with_promoted(cls, row: asyncpg.Record, promoted: list[UUID]) -> TransitionOut:
        return cls.model_validate({**cls.fields_of(row), "promoted": _ids(promoted)})


# --- JP ledger --------------------------------------------------------------------------------


class LedgerLineOut(Out):
    enrollment_id: str
    programme_code: str
    programme_title: str
    jp: int
    completed_at: datetime


class PersonJpOut(Out):
    nip: str
    year: int
    jp: int
    minimum: int
    shortfall: int
    compliant: bool
    entries: list[LedgerLineOut]


class UnitYearOut(Out):
    unit_id: str
    year: int
    headcount: int
    below_minimum: int
    compliant: int
    percent_compliant: float


class BelowMinimumOut(Out):
    nip: str
    name: str
    jp: int
    shortfall: int


class UnitDetailOut(Out):
    unit_id: str
    year: int
    minimum: int
    headcount: int
    compliant: int
    below_minimum: int
    percent_compliant: float | None
    below: list[BelowMinimumOut]


class PersonalDataOut(Out):
    """The personal-data download (a JSON attachment)."""

    exported_at: datetime
    profile: AsnOut
    enrollments: list[EnrollmentOut]
    jp: list[PersonJpOut]
    recommendations: dict[str, Any] = Field(
        description="The recommendations service's answer, or {'unavailable': true}"
    )
    note: str
