"""Roster routes: civil servants (ASN) by NIP, and the CSV import."""

from __future__ import annotations

import asyncio
import email.policy
from email.parser import BytesParser
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from asn_enrollment.api.common import NipPath, audited, body_summary, unit_of_nip, valid_nip
from asn_enrollment.api.models import AsnList, AsnOut, DeactivatedOut, EnrollmentOut
from asn_enrollment.domain.roster import CivilServant, NipText, RankText, UnitText
from asn_enrollment.domain.roster_csv import COLUMNS, RosterFileError, parse_roster_csv
from asn_enrollment.errors import FieldInvalid
from asn_enrollment.handlers import queries
from asn_enrollment.handlers import roster as handlers
from asn_platform.auth import Role, allow
from asn_platform.inputs import Limit, Name, Offset, SafeText
from asn_platform.openapi import body_schema
from asn_platform.timezone import now_jakarta
from asn_platform.vocabulary import Bidang

if TYPE_CHECKING:
    from asn_enrollment.bootstrap import Wiring


class AsnPatch(BaseModel):
    """Fields to change; the rest stay. The NIP itself never changes (it is the identity)."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    unit_id: UnitText | None = None
    bidang: SafeText | None = None
    position: SafeText | None = None
    position_type: SafeText | None = None
    rank: RankText | None = None
    supervisor_nip: NipText | None = None
    active: bool | None = None


class ImportProblem(BaseModel):
    column: str | None = Field(description="Column, or null when the row's shape is wrong")
    reason: str


class ImportBadRow(BaseModel):
    line: int = Field(description="Line in the file; the header is line 1")
    message: str
    problems: list[ImportProblem]


class ImportResult(BaseModel):
    imported: int = Field(description="Good rows (created + updated + unchanged)")
    created: int
    updated: int
    unchanged: int
    rejected: int = Field(description="Bad rows, each listed in bad_rows")
    bad_rows: list[ImportBadRow]


def _csv_bytes(content_type: str, body: bytes) -> bytes:
    """The file from a multipart form (field 'file') or a raw text/csv body."""
    if content_type.split(";")[0].strip().lower() != "multipart/form-data":
        return body
    # python-multipart is not a dependency; the stdlib MIME parser reads form uploads fine.
    message = BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    parts = list(message.iter_parts()) if message.is_multipart() else []
    chosen = next(
        (p for p in parts if p.get_param("name", header="content-disposition") == "file"),
        next((p for p in parts if p.get_filename()), None),
    )
    if chosen is None:
        raise FieldInvalid("file", "tidak ada bagian 'file' dalam formulir (no 'file' form part)")
    payload = chosen.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def router(w: Wiring) -> APIRouter:
    api = APIRouter(prefix="/api/v1/asn", tags=["daftar ASN / roster"])

    @api.get("", summary="Daftar ASN / list civil servants", response_model=AsnList)
    @allow(Role.AUDITOR, Role.ORGANIZER, Role.UNIT_OPERATOR, unit_param="unit_id")
    async def list_asn(
        unit_id: Annotated[UnitText | None, Query()] = None,
        bidang: Bidang | None = None,
        active: bool | None = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> AsnList:
        total, rows = await queries.people(
            w.units,
            unit_id=unit_id,
            bidang=bidang.value if bidang else None,
            active=active,
            limit=limit,
            offset=offset,
        )
        return AsnList(total=total, items=[AsnOut.of(r) for r in rows])

    @api.post(
        "",
        status_code=201,
        summary="Tambah ASN / add a civil servant",
        openapi_extra=body_schema(CivilServant),
    )
    @allow(Role.ADMIN)
    async def create_asn(body: Annotated[dict[str, Any], Body()]) -> AsnOut:
        # Validated here, not by FastAPI: the NIP check needs today's date as context.
        now = now_jakarta()
        servant = CivilServant.model_validate(body, context={"today": now.date()})
        row = await audited(
            w.units,
            lambda uow: handlers.create_asn(uow, servant, now),
            body_summary(servant, False),
        )
        return AsnOut.of(row)

    @api.post(
        "/import",
        summary="Impor daftar ASN dari CSV / import the roster from CSV",
        description=(
            "Send the file as multipart/form-data (field 'file') or as a text/csv body. "
            f"Columns: {','.join(COLUMNS)} (comma or semicolon, UTF-8). Good rows are created "
            "or updated even when others are bad; each bad row is listed with its line and "
            "reasons. Unchanged rows publish nothing."
        ),
        response_model=ImportResult,
    )
    @allow(Role.ADMIN)
    async def import_csv(request: Request) -> ImportResult:
        limit = w.settings.enrollment_max_csv_bytes
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise FieldInvalid("file", f"file lebih dari {limit} byte (file over {limit} bytes)")
        body = await request.body()
        if len(body) > limit:
            raise FieldInvalid("file", f"file lebih dari {limit} byte (file over {limit} bytes)")
        data = _csv_bytes(request.headers.get("content-type", ""), body)
        today = now_jakarta().date()
        try:
            # Validation is CPU work; keep the event loop free for other requests.
            parsed = await asyncio.to_thread(parse_roster_csv, data, today=today)
        except RosterFileError as err:
            raise FieldInvalid("file", str(err)) from None
        counts = await audited(
            w.units,
            lambda uow: handlers.import_roster(uow, parsed.good, now_jakarta()),
            {"rows": len(parsed.good), "rejected": len(parsed.bad)},
        )
        return ImportResult(
            imported=len(parsed.good),
            created=counts.created,
            updated=counts.updated,
            unchanged=counts.unchanged,
            rejected=len(parsed.bad),
            bad_rows=[
                ImportBadRow(
                    line=b.line,
                    message=b.message,
                    problems=[ImportProblem(column=p.column, reason=p.reason) for p in b.problems],
                )
                for b in parsed.bad
            ],
        )

    @api.get("/{nip}", summary="Profil ASN / one civil servant")
    @allow(
        Role.AUDITOR,
        Role.ORGANIZER,
        Role.UNIT_OPERATOR,
        Role.ASN,
        unit_lookup=unit_of_nip,
        nip_param="nip",
    )
    async def get_asn(nip: NipPath) -> AsnOut:
        return AsnOut.of(await queries.person(w.units, valid_nip(nip)))

    @api.patch("/{nip}", summary="Ubah profil ASN / change a civil servant's profile")
    @allow(Role.ADMIN)
    async def patch_asn(nip: NipPath, body: AsnPatch) -> AsnOut:
        nip = valid_nip(nip)
        changes = body.model_dump(exclude_unset=True)
        row = await audited(
            w.units, lambda uow: handlers.update_asn(uow, nip, changes, now_jakarta()), changes
        )
        return AsnOut.of(row)

    @api.delete(
        "/{nip}",
        summary="Nonaktifkan ASN / deactivate (moved, retired); the history is kept",
    )
    @allow(Role.ADMIN)
    async def deactivate_asn(nip: NipPath) -> DeactivatedOut:
        """Deactivate and, in the same transaction, cancel the seats the person holds (enrolled
        or waitlisted): each seat's cohort and waitlist learn it through EnrollmentChanged, and
        the head of the waitlist moves up. Open invitations can no longer be accepted."""
        nip = valid_nip(nip)
        done = await audited(
            w.units, lambda uow: handlers.deactivate_asn(uow, nip, now_jakarta()), {"active": False}
        )
        return DeactivatedOut.model_validate(
            {
                **AsnOut.of(done.profile).model_dump(),
                "cancelled_enrollments": [str(e) for e in done.cancelled_enrollments],
            }
        )

    @api.get("/{nip}/enrollments", summary="Riwayat pelatihan ASN / a person's enrollments")
    @allow(
        Role.AUDITOR,
        Role.ORGANIZER,
        Role.UNIT_OPERATOR,
        Role.ASN,
        unit_lookup=unit_of_nip,
        nip_param="nip",
    )
    async def person_enrollments(nip: NipPath) -> list[EnrollmentOut]:
        rows = await queries.person_enrollments(w.units, valid_nip(nip))
        return [EnrollmentOut.of(r) for r in rows]

    return api
