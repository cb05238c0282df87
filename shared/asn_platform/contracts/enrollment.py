"""Events of the enrollment service: the ASN roster, enrollments and completed training.

All three name a civil servant (NIP), so they are personal data: the topics can be denied to
partner agencies by ACL. All are keyed by NIP, so one person's events stay in order.

- ``AsnProfileChanged`` (asn.enrollment.asn-profile-changed.v1): the whole current profile on
  every change (state, not a delta). The topic is log-compacted: the latest event per NIP is the
  roster, so a new reader rebuilds the roster by reading it from the start.
- ``EnrollmentChanged`` (asn.enrollment.enrollment-changed.v1): an enrollment moved to a status.
- ``TrainingCompleted`` (asn.enrollment.training-completed.v1): JP credited for a programme.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import ConfigDict, Field, model_validator

from asn_platform import topics
from asn_platform.contracts.base import (
    CompetencyKey,
    EntityId,
    Event,
    Explanation,
    Moment,
    Nip,
    ProgrammeCode,
    ShortText,
    UnitId,
)
from asn_platform.vocabulary import Bidang, EnrollmentStatus, PositionType, ProgrammeKind


class ProfileChange(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DEACTIVATED = "deactivated"


class AsnProfileChanged(Event):
    """The current profile of one civil servant (roster entry)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "nip": "198504122010011001",
                    "name": "Budi Santoso",
                    "unit_id": "disdukcapil",
                    "bidang": "administrasi_kependudukan",
                    "position": "Pengadministrasi Kependudukan",
                    "position_type": "pelaksana",
                    "rank": "III/a",
                    "supervisor_nip": "197803152005012002",
                    "active": True,
                    "change": "updated",
                    "changed_at": "2026-07-01T08:00:00+07:00",
                }
            ]
        }
    )
    event_type: ClassVar[str] = topics.ASN_PROFILE_CHANGED
    topic: ClassVar[str] = topics.ASN_PROFILE_CHANGED
    personal_data: ClassVar[bool] = True

    nip: Nip
    name: ShortText = Field(description="Full name.")
    unit_id: UnitId = Field(description="Unit the civil servant works in.")
    bidang: Bidang = Field(description="Field of work.")
    position: ShortText = Field(description="Jabatan (position title).")
    position_type: PositionType = Field(description="Jenis jabatan.")
    rank: str = Field(
        pattern=r"^(I|II|III|IV)/[a-e]$|^[A-Z0-9 ./-]{1,20}$",
        description="Golongan/ruang, e.g. 'III/a' (PPPK grades such as 'IX' are accepted).",
        examples=["III/a"],
    )
    supervisor_nip: Nip | None = Field(default=None, description="Direct supervisor, if any.")
    active: bool = Field(description="False once the person left the roster.")
    change: ProfileChange = Field(description="What happened to the roster entry.")
    changed_at: Moment

    @model_validator(mode="after")
    def _deactivated_is_inactive(self) -> AsnProfileChanged:
        if self.change is ProfileChange.DEACTIVATED and self.active:
            raise ValueError("a deactivated profile must have active=false")
        if self.supervisor_nip is not None and self.supervisor_nip == self.nip:
            raise ValueError("supervisor_nip must differ from nip")
        return self

    def partition_key(self) -> str:
        return self.nip

    def subject(self) -> str:
        return f"asn/{self.nip}"


class EnrollmentChanged(Event):
    """An enrollment was created or moved to another status."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "enrollment_id": "enr-7d1f2c",
                    "nip": "198504122010011001",
                    "programme_code": "PLP-PRIMA",
                    "session_id": "ses-2026-10-05-a",
                    "status": "declined",
                    "previous_status": "invited",
                    "reason": "Bertepatan dengan jadwal pelayanan keliling.",
                    "changed_at": "2026-09-20T13:45:00+07:00",
                    "scheduled_programme_id": "sp-0b9e7c1e",
                }
            ]
        }
    )
    event_type: ClassVar[str] = topics.ENROLLMENT_CHANGED
    topic: ClassVar[str] = topics.ENROLLMENT_CHANGED
    personal_data: ClassVar[bool] = True

    enrollment_id: EntityId
    nip: Nip
    programme_code: ProgrammeCode
    session_id: EntityId = Field(description="The session (date, place) enrolled in.")
    status: EnrollmentStatus = Field(description="The new status.")
    previous_status: EnrollmentStatus | None = Field(
        default=None, description="Status before this change; null when just created."
    )
    reason: Explanation | None = Field(
        default=None, description="Why, when given (e.g. the reason for declining)."
    )
    changed_at: Moment
    scheduled_programme_id: EntityId | None = Field(
        default=None, description="The scheduled programme that invited this person, if any."
    )

    def partition_key(self) -> str:
        return self.nip

    def subject(self) -> str:
        return f"asn/{self.nip}/enrollments/{self.enrollment_id}"


class TrainingCompleted(Event):
    """A civil servant completed a programme; JP are credited."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "enrollment_id": "enr-7d1f2c",
                    "nip": "198504122010011001",
                    "unit_id": "disdukcapil",
                    "programme_code": "PLP-PRIMA",
                    "programme_kind": "teknis",
                    "competencies": ["manajerial.pelayanan_publik", "manajerial.komunikasi"],
                    "jp_credited": 24,
                    "score": 86.5,
                    "completed_at": "2026-10-07T16:00:00+07:00",
                    "session_id": "ses-2026-10-05-a",
                    "scheduled_programme_id": "sp-0b9e7c1e",
                }
            ]
        }
    )
    event_type: ClassVar[str] = topics.TRAINING_COMPLETED
    topic: ClassVar[str] = topics.TRAINING_COMPLETED
    personal_data: ClassVar[bool] = True

    enrollment_id: EntityId
    nip: Nip
    unit_id: UnitId = Field(description="The person's unit at completion (for impact per unit).")
    programme_code: ProgrammeCode
    programme_kind: ProgrammeKind = Field(description="Kind of programme (PKP, teknis, ...).")
    competencies: list[CompetencyKey] = Field(
        default_factory=list, description="Competencies the programme develops."
    )
    jp_credited: float = Field(
        ge=0,
        le=1000,
        description="Jam pelajaran credited (1 JP = 45 minutes of classical learning).",
    )
    score: float | None = Field(
        default=None, ge=0, le=100, description="Learning score (Kirkpatrick level 2), if assessed."
    )
    completed_at: Moment
    session_id: EntityId | None = Field(default=None, description="The session attended.")
    scheduled_programme_id: EntityId | None = Field(
        default=None, description="The scheduled programme it belonged to, if any."
    )

    def partition_key(self) -> str:
        return self.nip

    def subject(self) -> str:
        return f"asn/{self.nip}/enrollments/{self.enrollment_id}"
