"""Helpers shared by the routes: transactions with a deadlock retry, NIP and year parameters."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, TypeVar, cast

import asyncpg
from fastapi import Path

from asn_enrollment.domain.nip import NipError, parse_nip
from asn_enrollment.domain.roster import NipText, UnitText
from asn_enrollment.errors import FieldInvalid
from asn_platform.timezone import now_jakarta

log = logging.getLogger(__name__)
T = TypeVar("T")
DEADLOCK_RETRIES = 3

# Path parameters: bounded text first (asn_platform.inputs), then parsed (valid_nip).
NipPath = Annotated[NipText, Path(description="NIP, 18 digits")]
UnitPath = Annotated[UnitText, Path(description="Service unit id")]


# Pool connections are proxies of asyncpg.Connection; the store is typed against the latter.


async def in_transaction(
    pool: asyncpg.Pool, work: Callable[[asyncpg.Connection], Awaitable[T]]
) -> T:
    """Run ``work`` in one transaction; retried if PostgreSQL picked it as a deadlock victim.

    The lock order (person -> session -> enrollments) should make deadlocks impossible; the
    retry keeps a surprise from reaching the user as a 500.
    """
    for attempt in range(1, DEADLOCK_RETRIES + 1):
        try:
            async with pool.acquire() as conn, conn.transaction():
                return await work(cast(asyncpg.Connection, conn))
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
