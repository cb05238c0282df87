"""Helpers shared by the routes: the audited unit of work, NIP and year parameters, scopes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import Path, Request
from pydantic import BaseModel

from asn_enrollment.domain.nip import NipError, parse_nip
from asn_enrollment.domain.roster import NipText, UnitText
from asn_enrollment.errors import FieldInvalid
from asn_enrollment.handlers import queries
from asn_platform import audit
from asn_platform.service import ServiceContext
from asn_platform.timezone import now_jakarta
from asn_platform.uow import UnitOfWork, UnitsOfWork

T = TypeVar("T")

# Path parameters: bounded text first (asn_platform.inputs), then parsed (valid_nip).
NipPath = Annotated[NipText, Path(description="NIP, 18 digits")]
UnitPath = Annotated[UnitText, Path(description="Service unit id")]


async def audited(
    units: UnitsOfWork,
    work: Callable[[UnitOfWork], Awaitable[T]],
    summary: dict[str, Any] | None = None,
) -> T:
    """Run ``work`` as one unit of work (rerun on deadlock); the request's audit row (who,
    what: ``summary``, masked) commits in the same transaction."""

    async def with_audit(uow: UnitOfWork) -> T:
        result = await work(uow)
        await audit.record(uow.conn, summary=summary)
        return result

    return await units.run(with_audit)


def valid_nip(raw: str, field: str = "nip") -> str:
    """The normalised NIP, or a field-level 422 (never echoing the value: personal data)."""
    try:
        return parse_nip(raw, today=now_jakarta().date()).value
    except NipError as err:
        raise FieldInvalid(field, str(err)) from None


def this_year() -> int:
    return now_jakarta().year


def body_summary(body: BaseModel, exclude_unset: bool = True) -> dict[str, Any]:
    return body.model_dump(mode="json", exclude_unset=exclude_unset)


# --- scope lookups for the access guard (asn_platform.auth.allow) ------------------------------
def _units(request: Request) -> UnitsOfWork:
    ctx: ServiceContext[Any] = request.app.state.ctx
    return ctx.units


async def unit_of_nip(request: Request) -> str | None:
    """The unit of the civil servant the path names (unit operators see their own staff)."""
    nip = "".join(str(request.path_params.get("nip", "")).split())
    return await queries.unit_of_person(_units(request), nip)


def _enrollment_id(request: Request) -> UUID | None:
    try:
        return UUID(str(request.path_params.get("enrollment_id", "")))
    except ValueError:
        return None


async def unit_of_enrollment(request: Request) -> str | None:
    found = _enrollment_id(request)
    return None if found is None else await queries.unit_of_enrollment(_units(request), found)


async def nip_of_enrollment(request: Request) -> str | None:
    found = _enrollment_id(request)
    return None if found is None else await queries.nip_of_enrollment(_units(request), found)
