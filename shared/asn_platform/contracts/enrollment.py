"""Events of the enrollment service: the ASN roster, enrollments and completed training.

All three name a civil servant (NIP), so they are personal data: the topics can be denied to
partner agencies by ACL. All are keyed by NIP, so one person's events stay in order.

- ``AsnProfileChanged`` (asn.enrollment.asn-profile-changed.v1): the whole current profile on
  every change (state, not a delta). The topic is log-compacted: the latest event per NIP is the
  roster, so a new reader rebuilds the roster by reading it from the start.
- ``EnrollmentChanged`` (asn.enrollment.enrollment-changed.v1): an enrollment moved to a status.
- ``TrainingCompleted`` (asn.enrollment.training-completed.v1): JP credited for a programme.
- ``ProgrammeCatalogueChanged`` (asn.enrollment.programme-catalogue-changed.v1): the whole current
  catalogue entry on every change (state, not a delta; compacted topic, keyed by programme code).
  Other services keep a read model of the catalogue from it; no personal data.
- ``SessionChanged`` (asn.enrollment.session-changed.v1): a session was opened, rescheduled or
  cancelled; the whole current session with a ``sequence`` that rises on every change (the
  iCalendar SEQUENCE of the invitations). Keyed by session id; no personal data (speakers are
  named in their public role).
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

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


class CatalogueChange(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DEACTIVATED = "deactivated"


class ProgrammeCatalogueChanged(Event):
    """The current catalogue entry of one programme (created, updated or deactivated)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "code": "PLP-PRIMA",
                    "title": "Pelatihan Pelayanan Prima",
                    "kind": "teknis",
                    "competencies": ["manajerial.pelayanan_publik", "manajerial.komunikasi"],
                    "target_fields": [],
                    "jp": 24,
                    "benefit_id": "Melayani warga dengan lebih ramah sehingga keluhan berkurang.",
                    "benefit_en": "Serve citizens more kindly, so complaints fall.",
                    "default_capacity": 30,
                    "days": 3,
                    "active": True,
                    "change": "created",
                    "changed_at": "2026-07-01T08:00:00+07:00",
                }
            ]
        }
    )
    event_type: ClassVar[str] = topics.PROGRAMME_CATALOGUE_CHANGED
    topic: ClassVar[str] = topics.PROGRAMME_CATALOGUE_CHANGED

    code: ProgrammeCode
    title: ShortText = Field(description="Title, Indonesian.")
    kind: ProgrammeKind = Field(description="Programme kind (PKP, teknis, seminar, ...).")
    competencies: list[CompetencyKey] = Field(
        min_length=1, max_length=20, description="Competencies the programme develops."
    )
    target_fields: list[Bidang] = Field(
        default_factory=list, description="Fields it is meant for; empty means every field."
    )
    jp: int = Field(ge=1, le=1000, description="JP credited on completion.")
    benefit_id: Explanation = Field(description="Benefit to the participant, Indonesian.")
    benefit_en: Explanation = Field(description="Benefit to the participant, English.")
    default_capacity: int = Field(ge=1, le=100_000, description="Seats per session by default.")
    days: int = Field(ge=1, le=366, description="Usual length of a session in days.")
    active: bool = Field(description="False once deactivated: no new sessions are scheduled.")
    change: CatalogueChange = Field(description="What happened to the entry.")
    changed_at: Moment

    def partition_key(self) -> str:
        return self.code

    def subject(self) -> str:
        return f"programmes/{self.code}"


class SessionChange(StrEnum):
    OPENED = "opened"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"


class SessionSpeaker(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: ShortText = Field(description="Speaker's name and title (public role).")
    topic: Explanation = Field(description="What the speaker talks about in this session.")


class SessionChanged(Event):
    """A session was opened, rescheduled or cancelled: its whole current state."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "session_id": "ses-2026-10-05-a",
                    "programme_code": "PLP-PRIMA",
                    "change": "rescheduled",
                    "sequence": 1,
                    "starts_at": "2026-10-06T08:00:00+07:00",
                    "ends_at": "2026-10-08T16:00:00+07:00",
                    "place": "Aula BKPSDM, Jl. Maruga Raya No. 1, Serua, Ciputat",
                    "online_url": None,
                    "capacity": 30,
                    "speakers": [],
                    "scheduled_programme_id": "sp-0b9e7c1e",
                    "reason": "Aula dipakai untuk rapat paripurna.",
                    "changed_at": "2026-09-28T10:00:00+07:00",
                }
            ]
        }
    )
    event_type: ClassVar[str] = topics.SESSION_CHANGED
    topic: ClassVar[str] = topics.SESSION_CHANGED

    session_id: EntityId
    programme_code: ProgrammeCode
    change: SessionChange = Field(
        description=(
            "What happened to the session. 'rescheduled' is any later change of what the "
            "invitees hold: times, place, link or speakers (a change of seats alone is not "
            "published)."
        )
    )
    sequence: int = Field(
        ge=0, le=1_000_000, description="0 when opened, one more on every later change."
    )
    starts_at: Moment
    ends_at: Moment
    place: str | None = Field(
        default=None, min_length=1, max_length=300, description="Venue, when held in person."
    )
    online_url: str | None = Field(
        default=None, min_length=1, max_length=500, description="Link, when held online."
    )
    capacity: int = Field(ge=1, le=100_000, description="Seats.")
    speakers: list[SessionSpeaker] = Field(
        default_factory=list, max_length=50, description="Invited speakers (narasumber)."
    )
    scheduled_programme_id: EntityId | None = Field(
        default=None, description="The scheduled programme it was opened for, if any."
    )
    reason: Explanation | None = Field(
        default=None, description="Why it was rescheduled or cancelled, when given."
    )
    changed_at: Moment

    @model_validator(mode="after")
    def _ends_after_start(self) -> SessionChanged:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self

    def partition_key(self) -> str:
        return self.session_id

    def subject(self) -> str:
        return f"sessions/{self.session_id}"
