"""Catalogue routes: programmes and their sessions (times in Asia/Jakarta)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from asn_enrollment.api.common import body_summary, in_transaction, reading
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
from asn_enrollment.settings import Settings
from asn_enrollment.store import catalogue as store
from asn_enrollment.store import enrollments as enrollment_store
from asn_platform.auth import Role, allow, any_role
from asn_platform.inputs import BoundedDateTime, Clean, Limit, Offset, SafeText
from asn_platform.service import ServiceContext
from asn_platform.vocabulary import Bidang, ProgrammeKind

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


def router(ctx: ServiceContext[Settings]) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["katalog dan sesi / catalogue and sessions"])

    @api.get("/programmes", summary="Katalog program / the programme catalogue")
    @any_role
    async def list_programmes(
        kind: ProgrammeKind | None = None,
        bidang: Bidang | None = Query(default=None, description="Open to this field"),
        competency: Competency | None = Query(default=None, examples=["manajerial.komunikasi"]),
        active: bool | None = None,
    ) -> list[dict[str, Any]]:
        async with reading(ctx.pool) as conn:
            rows = await store.list_programmes(
                conn,
                kind=kind.value if kind else None,
                bidang=bidang.value if bidang else None,
                competency=competency,
                active=active,
            )
        return [store.programme_json(r) for r in rows]

    @api.post("/programmes", status_code=201, summary="Tambah program / add a programme")
    @allow(Role.ORGANIZER)
    async def create_programme(body: ProgrammeIn) -> dict[str, Any]:
        programme = Programme.model_validate(body.model_dump(exclude={"active"}))
        row = await in_transaction(
            ctx.pool,
            lambda c: store.create_programme(c, programme, body.active),
            body_summary(body, False),
        )
        return store.programme_json(row)

    @api.get("/programmes/{code}", summary="Satu program / one programme")
    @any_role
    async def get_programme(code: CodePath) -> dict[str, Any]:
        async with reading(ctx.pool) as conn:
            return store.programme_json(await store.require_programme(conn, code))

    @api.patch("/programmes/{code}", summary="Ubah program / change a programme")
    @allow(Role.ORGANIZER)
    async def patch_programme(code: CodePath, body: ProgrammePatch) -> dict[str, Any]:
        changes = body.model_dump(exclude_unset=True)
        row = await in_transaction(
            ctx.pool, lambda c: store.update_programme(c, code, changes), changes
        )
        return store.programme_json(row)

    @api.post(
        "/programmes/{code}/sessions",
        status_code=201,
        summary="Buka sesi / open a session of a programme",
    )
    @allow(Role.ORGANIZER)
    async def create_session(code: CodePath, body: SessionIn) -> dict[str, Any]:
        fields = body.model_dump(exclude_unset=True, exclude_none=True)

        async def work(conn: asyncpg.Connection) -> asyncpg.Record:
            session_id = await store.create_session(conn, code, fields)
            return await store.require_session(conn, session_id)

        return store.session_json(await in_transaction(ctx.pool, work, body_summary(body)))

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
    ) -> list[dict[str, Any]]:
        async with reading(ctx.pool) as conn:
            rows = await store.list_sessions(
                conn,
                programme_code=programme_code,
                starts_from=starts_from,
                starts_before=starts_before,
                limit=limit,
                offset=offset,
            )
        return [store.session_json(r) for r in rows]

    @api.get("/sessions/{session_id}", summary="Satu sesi dan kursinya / a session and its seats")
    @any_role
    async def get_session(session_id: UUID) -> dict[str, Any]:
        async with reading(ctx.pool) as conn:
            return store.session_json(await store.require_session(conn, session_id))

    @api.patch(
        "/sessions/{session_id}",
        summary="Ubah sesi / change place, link, speakers or capacity (more seats promote the waitlist)",
    )
    @allow(Role.ORGANIZER)
    async def patch_session(session_id: UUID, body: SessionPatch) -> dict[str, Any]:
        changes = body.model_dump(exclude_unset=True)

        async def work(conn: asyncpg.Connection) -> dict[str, Any]:
            await store.update_session(conn, session_id, changes)
            promoted = await enrollment_store.promote_after_capacity_change(conn, session_id)
            row = await store.require_session(conn, session_id)
            return {**store.session_json(row), "promoted": [str(p) for p in promoted]}

        return await in_transaction(ctx.pool, work, changes)

    return api
