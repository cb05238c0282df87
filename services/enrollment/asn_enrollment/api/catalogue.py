"""Catalogue routes: programmes and their sessions (times in Asia/Jakarta)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from asn_enrollment.api.common import audited, body_summary
from asn_enrollment.api.models import (
    ProgrammeOut,
    SessionCancelledOut,
    SessionChangedOut,
    SessionOut,
)
from asn_enrollment.domain.catalogue import (
    MAX_COMPETENCIES,
    Benefit,
    Capacity,
    Competency,
    Days,
    Jp,
    Place,
    Programme,
    Speaker,
    Url,
)
from asn_enrollment.handlers import catalogue as catalogue_handlers
from asn_enrollment.handlers import queries
from asn_enrollment.handlers import sessions as session_handlers
from asn_platform.auth import Role, allow, any_role
from asn_platform.inputs import BoundedDateTime, Clean, CleanMultiline, Limit, Offset, SafeText
from asn_platform.vocabulary import Bidang, ProgrammeKind

if TYPE_CHECKING:
    from asn_enrollment.bootstrap import Wiring

MAX_SPEAKERS = 20
CodePath = Annotated[Clean, Path(min_length=1, max_length=40, description="Programme code")]


class ProgrammeIn(Programme):
    active: bool = Field(default=True, description="Inactive programmes get no new sessions")


class ProgrammePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: SafeText | None = None
    kind: ProgrammeKind | None = None
    competencies: list[Competency] | None = Field(default=None, max_length=MAX_COMPETENCIES)
    target_fields: list[Bidang] | None = Field(default=None, max_length=len(Bidang))
    jp: Jp | None = None
    benefit_id: Benefit | None = None
    benefit_en: Benefit | None = None
    default_capacity: Capacity | None = None
    days: Days | None = None
    active: bool | None = None


class SessionIn(BaseModel):
    """A session to open. Times need an offset (+07:00 for WIB); they are shown in WIB."""

    model_config = ConfigDict(extra="forbid")

    starts_at: BoundedDateTime
    ends_at: BoundedDateTime
    place: Place | None = None
    online_url: Url | None = None
    capacity: Capacity | None = Field(default=None, description="Defaults to the programme's")
    speakers: list[Speaker] = Field(
        default_factory=list,
        max_length=MAX_SPEAKERS,
        description="Required for seminars and workshops",
    )


class SessionPatch(BaseModel):
    """Times are not changed here: people may already hold them (cancel and reopen instead)."""

    model_config = ConfigDict(extra="forbid")

    place: Place | None = None
    online_url: Url | None = None
    capacity: Capacity | None = None
    speakers: list[Speaker] | None = Field(default=None, max_length=MAX_SPEAKERS)


def _reason_given(value: str) -> str:
    if not value.strip():
        raise ValueError("wajib diisi (required)")
    return value.strip()


Reason = Annotated[
    CleanMultiline, Field(min_length=1, max_length=2000), AfterValidator(_reason_given)
]


class RescheduleIn(BaseModel):
    """New times (with offset, e.g. +07:00), optionally a new place or link, and why."""

    model_config = ConfigDict(extra="forbid")

    starts_at: BoundedDateTime
    ends_at: BoundedDateTime
    place: Place | None = Field(default=None, description="New venue; omitted: unchanged")
    online_url: Url | None = Field(default=None, description="New link; omitted: unchanged")
    reason: Reason = Field(description="Why, told to the people invited")


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason = Field(description="Why, told to the people invited and enrolled")


def router(w: Wiring) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["katalog dan sesi / catalogue and sessions"])

    @api.get("/programmes", summary="Katalog program / the programme catalogue")
    @any_role
    async def list_programmes(
        kind: ProgrammeKind | None = None,
        bidang: Bidang | None = Query(default=None, description="Open to this field"),
        competency: Competency | None = Query(default=None, examples=["manajerial.komunikasi"]),
        active: bool | None = None,
    ) -> list[ProgrammeOut]:
        rows = await queries.programmes(
            w.units,
            kind=kind.value if kind else None,
            bidang=bidang.value if bidang else None,
            competency=competency,
            active=active,
        )
        return [ProgrammeOut.of(r) for r in rows]

    @api.post("/programmes", status_code=201, summary="Tambah program / add a programme")
    @allow(Role.ORGANIZER)
    async def create_programme(body: ProgrammeIn) -> ProgrammeOut:
        programme = Programme.model_validate(body.model_dump(exclude={"active"}))
        row = await audited(
            w.units,
            lambda uow: catalogue_handlers.create_programme(uow, programme, body.active),
            body_summary(body, False),
        )
        return ProgrammeOut.of(row)

    @api.get("/programmes/{code}", summary="Satu program / one programme")
    @any_role
    async def get_programme(code: CodePath) -> ProgrammeOut:
        return ProgrammeOut.of(await queries.programme(w.units, code))

    @api.patch("/programmes/{code}", summary="Ubah program / change a programme")
    @allow(Role.ORGANIZER)
    async def patch_programme(code: CodePath, body: ProgrammePatch) -> ProgrammeOut:
        changes = body.model_dump(exclude_unset=True)
        row = await audited(
            w.units, lambda uow: catalogue_handlers.update_programme(uow, code, changes), changes
        )
        return ProgrammeOut.of(row)

    @api.post(
        "/programmes/{code}/sessions",
        status_code=201,
        summary="Buka sesi / open a session of a programme",
    )
    @allow(Role.ORGANIZER)
    async def create_session(code: CodePath, body: SessionIn) -> SessionOut:
        fields = body.model_dump(exclude_unset=True, exclude_none=True)
        row = await audited(
            w.units,
            lambda uow: session_handlers.open_session(uow, code, fields),
            body_summary(body),
        )
        return SessionOut.of(row)

    @api.get("/sessions", summary="Daftar sesi / sessions, by start time")
    @any_role
    async def list_sessions(
        programme_code: Annotated[Clean | None, Query(max_length=40)] = None,
        starts_from: BoundedDateTime | None = Query(
            default=None, description="With offset, e.g. +07:00"
        ),
        starts_before: BoundedDateTime | None = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> list[SessionOut]:
        rows = await queries.sessions(
            w.units,
            programme_code=programme_code,
            starts_from=starts_from,
            starts_before=starts_before,
            limit=limit,
            offset=offset,
        )
        return [SessionOut.of(r) for r in rows]

    @api.get("/sessions/{session_id}", summary="Satu sesi dan kursinya / a session and its seats")
    @any_role
    async def get_session(session_id: UUID) -> SessionOut:
        return SessionOut.of(await queries.session(w.units, session_id))

    @api.patch(
        "/sessions/{session_id}",
        summary="Ubah sesi / change place, link, speakers or capacity (more seats promote the waitlist)",
    )
    @allow(Role.ORGANIZER)
    async def patch_session(session_id: UUID, body: SessionPatch) -> SessionChangedOut:
        changes = body.model_dump(exclude_unset=True)
        done = await audited(
            w.units, lambda uow: session_handlers.update_session(uow, session_id, changes), changes
        )
        return SessionChangedOut.model_validate(
            {
                **SessionOut.of(done.session).model_dump(),
                "promoted": [str(p) for p in done.promoted],
            }
        )

    @api.post(
        "/sessions/{session_id}/reschedule",
        summary="Jadwalkan ulang sesi / reschedule a session",
        description=(
            "New start and end (and optionally place or link) for a session that has not "
            "started; the reason is told to the people invited. Publishes SessionChanged "
            "(change 'rescheduled', sequence + 1). 409 for a cancelled or started session."
        ),
    )
    @allow(Role.ORGANIZER)
    async def reschedule_session(session_id: UUID, body: RescheduleIn) -> SessionOut:
        change = session_handlers.Reschedule(
            starts_at=body.starts_at,
            ends_at=body.ends_at,
            reason=body.reason,
            place=body.place,
            online_url=body.online_url,
        )
        row = await audited(
            w.units,
            lambda uow: session_handlers.reschedule_session(uow, session_id, change),
            body_summary(body),
        )
        return SessionOut.of(row)

    @api.post(
        "/sessions/{session_id}/cancel",
        summary="Batalkan sesi / cancel a session",
        description=(
            "Cancels a session that has not started and, in the same transaction, every "
            "enrollment of it that is not final (invited, waitlisted, enrolled), each with its "
            "EnrollmentChanged. Publishes SessionChanged (change 'cancelled', sequence + 1). "
            "Cancelling again, or a started session, is refused with 409."
        ),
    )
    @allow(Role.ORGANIZER)
    async def cancel_session(session_id: UUID, body: CancelIn) -> SessionCancelledOut:
        done = await audited(
            w.units,
            lambda uow: session_handlers.cancel_session(uow, session_id, body.reason),
            body_summary(body),
        )
        return SessionCancelledOut.model_validate(
            {
                **SessionOut.of(done.session).model_dump(),
                "cancelled_enrollments": [str(e) for e in done.cancelled_enrollments],
            }
        )

    return api
