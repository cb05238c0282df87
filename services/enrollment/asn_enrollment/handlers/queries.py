"""Read-side queries the API needs: thin functions over store/, on a connection that changes
nothing (``UnitsOfWork.reading``). Unknown things are refused here (404), not in store/."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from asn_enrollment.errors import (
    asn_not_found,
    enrollment_not_found,
    programme_not_found,
    session_not_found,
)
from asn_enrollment.store import catalogue as catalogue_store
from asn_enrollment.store import enrollments as enrollment_store
from asn_enrollment.store import roster as roster_store
from asn_platform.uow import UnitsOfWork


async def person(units: UnitsOfWork, nip: str) -> asyncpg.Record:
    async with units.reading() as conn:
        return await require_person(conn, nip)


async def require_person(conn: asyncpg.Connection, nip: str) -> asyncpg.Record:
    row = await roster_store.get(conn, nip)
    if row is None:
        raise asn_not_found()
    return row


async def people(
    units: UnitsOfWork,
    *,
    unit_id: str | None,
    bidang: str | None,
    active: bool | None,
    limit: int,
    offset: int,
) -> tuple[int, list[asyncpg.Record]]:
    async with units.reading() as conn:
        return await roster_store.search(
            conn, unit_id=unit_id, bidang=bidang, active=active, limit=limit, offset=offset
        )


async def person_enrollments(units: UnitsOfWork, nip: str) -> list[asyncpg.Record]:
    async with units.reading() as conn:
        await require_person(conn, nip)
        return await enrollment_store.list_for_person(conn, nip)


async def enrollment(units: UnitsOfWork, enrollment_id: UUID) -> asyncpg.Record:
    async with units.reading() as conn:
        row = await enrollment_store.get(conn, enrollment_id)
    if row is None:
        raise enrollment_not_found()
    return row


async def session_enrollments(
    units: UnitsOfWork, session_id: UUID, status: str | None
) -> list[asyncpg.Record]:
    async with units.reading() as conn:
        if not await catalogue_store.session_exists(conn, session_id):
            raise session_not_found()
        return await enrollment_store.list_for_session(conn, session_id, status)


async def programmes(
    units: UnitsOfWork,
    *,
    kind: str | None,
    bidang: str | None,
    competency: str | None,
    active: bool | None,
) -> list[asyncpg.Record]:
    async with units.reading() as conn:
        return await catalogue_store.list_programmes(
            conn, kind=kind, bidang=bidang, competency=competency, active=active
        )


async def programme(units: UnitsOfWork, code: str) -> asyncpg.Record:
    async with units.reading() as conn:
        row = await catalogue_store.get_programme(conn, code)
    if row is None:
        raise programme_not_found(code)
    return row


async def sessions(
    units: UnitsOfWork,
    *,
    programme_code: str | None,
    starts_from: datetime | None,
    starts_before: datetime | None,
    limit: int,
    offset: int,
) -> list[asyncpg.Record]:
    async with units.reading() as conn:
        return await catalogue_store.list_sessions(
            conn,
            programme_code=programme_code,
            starts_from=starts_from,
            starts_before=starts_before,
            limit=limit,
            offset=offset,
        )


async def session(units: UnitsOfWork, session_id: UUID) -> asyncpg.Record:
    async with units.reading() as conn:
        row = await catalogue_store.get_session(conn, session_id)
    if row is None:
        raise session_not_found()
    return row


# --- scopes for the access guard (the unit or person a path names) ----------------------------


async def unit_of_person(units: UnitsOfWork, nip: str) -> str | None:
    async with units.reading() as conn:
        return await roster_store.unit_of(conn, nip)


async def unit_of_enrollment(units: UnitsOfWork, enrollment_id: UUID) -> str | None:
    async with units.reading() as conn:
        return await enrollment_store.unit_of(conn, enrollment_id)


async def nip_of_enrollment(units: UnitsOfWork, enrollment_id: UUID) -> str | None:
    async with units.reading() as conn:
        return await enrollment_store.nip_of(conn, enrollment_id)
