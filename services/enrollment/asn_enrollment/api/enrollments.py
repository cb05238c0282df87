"""Enrollment routes: invitations, status changes (with waitlist and no double booking)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated
from uuid import UUID

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from asn_enrollment.api.common import (
    audited,
    body_summary,
    nip_of_enrollment,
    unit_of_enrollment,
    valid_nip,
)
from asn_enrollment.api.models import EnrollmentOut, TransitionOut
from asn_enrollment.domain.roster import NipText
from asn_enrollment.handlers import enrollments as handlers
from asn_enrollment.handlers import queries
from asn_platform.auth import Role, allow, principal_of
from asn_platform.auth.access import forbidden
from asn_platform.inputs import BoundedDateTime, CleanMultiline
from asn_platform.vocabulary import EnrollmentStatus

if TYPE_CHECKING:
    from asn_enrollment.bootstrap import Wiring


class InviteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nip: NipText = Field(description="NIP of the civil servant (18 digits)")
    accept: bool = Field(
        default=False,
        description=(
            "false: invite (the person accepts or declines). true: invite and accept at once "
            "(a seat if free, else the waitlist), with the capacity and overlap checks."
        ),
    )


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: EnrollmentStatus = Field(
        description=(
            "enrolled (accept; waitlisted when full), declined (reason required), cancelled, "
            "attended, no_show, completed (score required)"
        )
    )
    reason: CleanMultiline | None = Field(
        default=None, max_length=2000, description="Why (declines)"
    )
    score: Annotated[int, Field(ge=0, le=100)] | None = Field(
        default=None, description="Completion score 0-100"
    )
    completed_at: BoundedDateTime | None = Field(
        default=None, description="When completed, if not now (with offset)"
    )


def _result(result: handlers.TransitionResult) -> TransitionOut:
    return TransitionOut.with_promoted(result.enrollment, result.promoted)


def router(w: Wiring) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["pendaftaran / enrollments"])

    @api.post(
        "/sessions/{session_id}/enrollments",
        status_code=201,
        summary="Undang atau daftarkan ASN ke sesi / invite or register a civil servant",
    )
    @allow(Role.ORGANIZER)
    async def invite(session_id: UUID, body: InviteIn) -> TransitionOut | EnrollmentOut:
        nip = valid_nip(body.nip)
        summary = body_summary(body, False)
        if body.accept:
            result = await audited(
                w.units, lambda uow: handlers.register(uow, session_id, nip), summary
            )
            return _result(result)
        row = await audited(w.units, lambda uow: handlers.invite_new(uow, session_id, nip), summary)
        return EnrollmentOut.of(row)

    @api.get(
        "/sessions/{session_id}/enrollments",
        summary="Peserta sesi / a session's enrollments (waitlist in order)",
    )
    @allow(Role.AUDITOR, Role.ORGANIZER)
    async def session_enrollments(
        session_id: UUID, status: EnrollmentStatus | None = None
    ) -> list[EnrollmentOut]:
        rows = await queries.session_enrollments(
            w.units, session_id, status.value if status else None
        )
        return [EnrollmentOut.of(r) for r in rows]

    @api.get("/enrollments/{enrollment_id}", summary="Satu pendaftaran / one enrollment")
    @allow(
        Role.AUDITOR,
        Role.ORGANIZER,
        Role.UNIT_OPERATOR,
        Role.ASN,
        unit_lookup=unit_of_enrollment,
        nip_lookup=nip_of_enrollment,
    )
    async def get_enrollment(enrollment_id: UUID) -> EnrollmentOut:
        return EnrollmentOut.of(await queries.enrollment(w.units, enrollment_id))

    @api.post(
        "/enrollments/{enrollment_id}/transitions",
        summary="Ubah status pendaftaran / change an enrollment's status",
        description=(
            "invited -> enrolled | declined (reason); waitlisted -> cancelled | declined; "
            "enrolled -> cancelled | attended | no_show; attended -> completed (score). "
            "Anything else is refused with 409 naming from, to and the allowed targets. "
            "Cancelling a seat promotes the waitlist in the same transaction. A civil servant "
            "(role asn) may only accept or decline their own invitations."
        ),
    )
    @allow(Role.ORGANIZER, Role.ASN, nip_lookup=nip_of_enrollment)
    async def change_status(
        enrollment_id: UUID, body: TransitionIn, request: Request
    ) -> TransitionOut:
        principal = principal_of(request)
        if principal is not None and not principal.has(Role.ADMIN, Role.ORGANIZER):
            if body.to not in (EnrollmentStatus.ENROLLED, EnrollmentStatus.DECLINED):
                raise forbidden(
                    "ASN hanya dapat menerima (enrolled) atau menolak (declined) undangannya",
                    "A civil servant can only accept (enrolled) or decline (declined)",
                )

        request_ = handlers.StatusRequest(body.to, body.reason, body.score, body.completed_at)
        result = await audited(
            w.units,
            lambda uow: handlers.change_status(uow, enrollment_id, request_),
            body_summary(body),
        )
        return _result(result)

    return api
