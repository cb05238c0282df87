"""Helpers shared by the routes: transactions with a deadlock retry, NIP and year parameters."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypeVar, cast
from uuid import UUID

import asyncpg
from fastapi import Path, Request
from pydantic import BaseModel

from asn_enrollment.domain.nip import NipError, parse_nip
from asn_enrollment.domain.roster import NipText, UnitText
from asn_enrollment.errors import FieldInvalid
from asn_platform import audit
from asn_platform.timezone import now_jakarta

log = logging.getLogger(__name__)
T = TypeVar("T")
DEADLOCK_RETRIES = 3

# Path parameters: bounded text first (asn_platform.inputs), then parsed (valid_nip).
NipPath = Annotated[NipText, Path(description="NIP, 18 digits")]
UnitPath = Annotated[UnitText, Path(description="Service unit id")]


# Pool connections are proxies of asyncpg.Connection; the store is typed against the latter.


async def in_transaction(
    pool: asyncpg.Pool,
    work: Callable[[asyncpg.Connection], Awaitable[T]],
    summary: dict[str, Any] | None = None,
) -> T:
    """Run ``work`` in one transaction; retried if PostgreSQL picked it as a deadlock victim.
    The request's audit row (who, what: ``summary``, masked) commits in the same transaction.

    The lock order (person -> session -> enrollments) should make deadlocks impossible; the
    retry keeps a surprise from reaching the user as a 500.
    """
    for attempt in range(1, DEADLOCK_RETRIES + 1):
        try:
            async with pool.acquire() as conn, conn.transaction():
                result = await work(cast(asyncpg.Connection, conn))
                await audit.record(conn, summary=summary)
                return result
        except asyncpg.DeadlockDetectedError:
            if attempt == DEADLOCK_RETRIES:
                raise
            log.warning("deadlock, retrying (attempt %d)", attempt)
            await asyncio.sleep(0.01 * attempt)
    raise AssertionError("unreachable")


@asynccontextmanager
async def reading(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    async with pool.acquire() as conn:
        yield cast(asyncpg.Connection, conn)


def valid_nip(raw: str, field: str = "nip") -> str:
    """The normalised NIP, or a field-level 422 (never echoing the value: personal data)."""
    try:
        return parse_nip(raw, today=now_jakarta().date()).value
    except NipError as err:
        raise FieldInvalid(field, str(err)) from None


def this_year() -> int:
    return now_jakarta().year


# --- scope lookups for the access guard (asn_platform.auth.allow) ------------------------------
async def _fetch_one(request: Request, sql: str, *args: object) -> asyncpg.Record | None:
    pool: asyncpg.Pool = request.app.state.ctx.pool
    async with pool.acquire() as conn:
        return await conn.fetchrow(sql, *args)


async def unit_of_nip(request: Request) -> str | None:
    """The unit of the civil servant the path names (unit operators see their own staff)."""
    nip = "".join(str(request.path_params.get("nip", "")).split())
    row = await _fetch_one(request, "SELECT unit_id FROM civil_servants WHERE nip = $1", nip)
    return str(row["unit_id"]) if row else None


def _enrollment_id(request: Request) -> UUID | None:
    try:
        return UUID(str(request.path_params.get("enrollment_id", "")))
    except ValueError:
        return None


async def unit_of_enrollment(request: Request) -> str | None:
    found = _enrollment_id(request)
    if found is None:
        return None
    row = await _fetch_one(
        request,
        "SELECT c.unit_id FROM enrollments e JOIN civil_servants c USING (nip) WHERE e.id = $1",
        found,
    )
    return str(row["unit_id"]) if row else None


async def nip_of_enrollment(request: Request) -> str | None:
    found = _enrollment_id(request)
    if found is None:
        return None
    row = await _fetch_one(request, "SELECT nip FROM enrollments WHERE id = $1", found)
    return str(row["nip"]) if row else None


def body_summary(body: BaseModel, exclude_unset: bool = True) -> dict[str, Any]:
    return body.model_dump(mode="json", exclude_unset=exclude_unset)
