"""Programmes (what can be learned) and sessions (when, where, with whom, for how many)."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Self
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from asn_enrollment.domain.bilingual import bilingual
from asn_platform.inputs import BoundedDateTime, Clean, SafeText
from asn_platform.timezone import to_jakarta
from asn_platform.vocabulary import Bidang, ProgrammeKind, parse_competency_key

_COMPETENCY_CODE = re.compile(r"[a-z0-9_]+")
PROGRAMME_CODE_PATTERN = r"^[A-Z0-9]+(-[A-Z0-9]+)*$"

# Kinds whose value is the invited speaker: a seminar or workshop without one is not scheduled.
KINDS_NEEDING_SPEAKERS = frozenset({ProgrammeKind.SEMINAR, ProgrammeKind.WORKSHOP})

# Input bounds (asn_platform.inputs): what a programme or session can sensibly hold.
MAX_COMPETENCIES = 20
Competency = Annotated[Clean, Field(min_length=1, max_length=100)]
Benefit = Annotated[Clean, Field(max_length=2000)]
SpeakerTopic = Annotated[Clean, Field(max_length=300)]
Place = Annotated[Clean, Field(max_length=300)]  # blank means none
Url = Annotated[Clean, Field(max_length=500)]
Jp = Annotated[int, Field(ge=1, le=1000)]
Capacity = Annotated[int, Field(ge=1, le=100_000)]
Days = Annotated[int, Field(ge=1, le=366)]


def _required(value: str) -> str:
    if not value:
        raise ValueError(bilingual("wajib diisi", "required"))
    return value


class Programme(BaseModel):
    """A catalogue entry: a programme that sessions are scheduled for."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    code: str = Field(
        description="Stable code, e.g. 'PLP-PRIMA'", pattern=PROGRAMME_CODE_PATTERN, max_length=40
    )
    title: SafeText = Field(description="Title, Indonesian", max_length=200)
    kind: ProgrammeKind = Field(description="Programme kind (PKP, teknis, seminar, ...)")
    competencies: tuple[Competency, ...] = Field(
        description="Competency keys '<type>.<code>', e.g. 'manajerial.komunikasi'",
        min_length=1,
        max_length=MAX_COMPETENCIES,
    )
    target_fields: tuple[Bidang, ...] = Field(
        default=(), description="Fields it is meant for; empty means open to every field"
    )
    jp: Jp = Field(description="JP credited on completion (1 JP = 45 minutes)")
    benefit_id: Benefit = Field(description="Benefit to the participant, Indonesian (persuasion)")
    benefit_en: Benefit = Field(description="Benefit to the participant, English")
    default_capacity: Capacity = Field(description="Seats per session unless set otherwise")
    days: Days = Field(default=1, description="Usual length of a session in days")

    @field_validator("title", "benefit_id", "benefit_en")
    @classmethod
    def _text_required(cls, value: str) -> str:
        return _required(value)

    @field_validator("competencies")
    @classmethod
    def _competencies(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for key in value:
            parse_competency_key(key)  # ValueError names the bad key
            # Codes are what the event contracts accept (CompetencyKey), or a completion of
            # this programme could not be published.
            if not _COMPETENCY_CODE.fullmatch(key.partition(".")[2]):
                raise ValueError(
                    bilingual(
                        f"kompetensi {key!r}: kode hanya huruf kecil, angka dan '_'",
                        f"competency {key!r}: code must be lower-case letters, digits and '_'",
                    )
                )
        if len(set(value)) != len(value):
            raise ValueError(bilingual("kompetensi ganda", "duplicate competency"))
        return value

    def is_open_to(self, bidang: Bidang) -> bool:
        return not self.target_fields or bidang in self.target_fields


class Speaker(BaseModel):
    """An invited speaker (narasumber) and what they speak about."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    name: SafeText = Field(description="Speaker's name and title", max_length=200)
    topic: SpeakerTopic = Field(description="The speaker's topic in this session", max_length=300)

    @field_validator("name", "topic")
    @classmethod
    def _text_required(cls, value: str) -> str:
        return _required(value)


def _aware_jakarta(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            bilingual(
                "waktu harus menyertakan zona waktu (WIB/UTC)",
                "time must carry a timezone (WIB/UTC)",
            )
        )
    return to_jakarta(value)


class SessionMode(StrEnum):
    OFFLINE = "offline"
    ONLINE = "online"
    HYBRID = "hybrid"


class Session(BaseModel):
    """One scheduled run of a programme. Times are held in Asia/Jakarta."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    programme_code: str = Field(
        description="Code of the programme", pattern=PROGRAMME_CODE_PATTERN, max_length=40
    )
    programme_kind: ProgrammeKind = Field(
        description="Kind of the programme, copied from it (speaker rule depends on it)"
    )
    starts_at: BoundedDateTime = Field(description="Start, timezone-aware; stored as Asia/Jakarta")
    ends_at: BoundedDateTime = Field(description="End, timezone-aware, after the start")
    place: Place | None = Field(default=None, description="Venue address", max_length=300)
    online_url: Url | None = Field(
        default=None, description="http(s) link for online or hybrid sessions", max_length=500
    )
    capacity: Capacity = Field(description="Seats; acceptances beyond it are waitlisted")
    speakers: tuple[Speaker, ...] = Field(
        default=(),
        validate_default=True,  # so the speaker rule also runs when none are given
        description="Invited speakers; required for seminars and workshops",
    )

    @field_validator("starts_at")
    @classmethod
    def _start(cls, value: datetime) -> datetime:
        return _aware_jakarta(value)

    @field_validator("ends_at")
    @classmethod
    def _end(cls, value: datetime, info: ValidationInfo) -> datetime:
        value = _aware_jakarta(value)
        starts_at = info.data.get("starts_at")  # absent when the start itself was invalid
        if starts_at is not None and value <= starts_at:
            raise ValueError(
                bilingual("waktu selesai harus setelah waktu mulai", "end must be after start")
            )
        return value

    @field_validator("place", "online_url")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("online_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(
                bilingual("tautan harus http(s)://...", "link must be an http(s):// address")
            )
        return value

    @field_validator("speakers")
    @classmethod
    def _speakers(cls, value: tuple[Speaker, ...], info: ValidationInfo) -> tuple[Speaker, ...]:
        if info.data.get("programme_kind") in KINDS_NEEDING_SPEAKERS and not value:
            raise ValueError(
                bilingual(
                    "seminar dan workshop wajib mencantumkan narasumber dan topiknya",
                    "seminars and workshops must name at least one speaker with a topic",
                )
            )
        return value

    @model_validator(mode="after")
    def _place_or_link(self) -> Self:
        # Spans two fields, so it is reported for the session as a whole.
        if self.place is None and self.online_url is None:
            raise ValueError(
                bilingual(
                    "isi tempat atau tautan daring (atau keduanya untuk hybrid)",
                    "give a place or an online link (both for hybrid)",
                )
            )
        return self

    @property
    def mode(self) -> SessionMode:
        return mode_of(self.place, self.online_url)


def mode_of(place: str | None, online_url: str | None) -> SessionMode:
    if place and online_url:
        return SessionMode.HYBRID
    return SessionMode.OFFLINE if place else SessionMode.ONLINE


def session_for(programme: Programme, **fields: object) -> Session:
    """A session of ``programme``: code and kind copied, capacity defaulting to the programme's."""
    data: dict[str, object] = {"capacity": programme.default_capacity, **fields}
    data["programme_code"] = programme.code
    data["programme_kind"] = programme.kind
    return Session.model_validate(data)
