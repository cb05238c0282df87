"""HTTP routes. Contacts: admin and organizers write, the person (`asn`) reads and changes their
own. Undelivered messages and re-send: admin. Certificates: the holder downloads; anyone may
check a number on the public verification page, which shows only the holder's name."""

from __future__ import annotations

import asyncio
import html
from typing import TYPE_CHECKING, Annotated, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response

from asn_notifications.api.models import (
    CertificateList,
    CertificateOut,
    ContactIn,
    ContactOut,
    DeliveryList,
    DeliveryOut,
    ImportResult,
    ImportRowError,
    Resent,
    Verification,
)
from asn_notifications.domain.contacts import Contact, ContactError, make_contact, parse_csv
from asn_notifications.domain.messages import UNDELIVERED, Status
from asn_notifications.handlers import certificates, contacts, deliveries
from asn_platform.auth import Role, allow, public
from asn_platform.contracts.base import Nip
from asn_platform.http_errors import ApiError
from asn_platform.inputs import Limit, Offset

if TYPE_CHECKING:
    from asn_notifications.bootstrap import Notifications

MAX_CSV_BYTES = 2_000_000
CertificateNumber = Annotated[
    str, Path(pattern=r"^TS-\d{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$", max_length=20)
]


def _invalid(field: str, message_id: str, message_en: str) -> ApiError:
    return ApiError(
        422,
        "validation_failed",
        "Data tidak valid",
        "Invalid data",
        {"fields": [{"field": field, "problem": f"{message_id} / {message_en}"}]},
    )


def _not_found(what_id: str, what_en: str) -> ApiError:
    return ApiError(404, "not_found", f"{what_id} tidak ditemukan", f"{what_en} not found")


def _out(c: Contact) -> ContactOut:
    return ContactOut(
        nip=c.nip, email=c.email, mobile=c.mobile, channel=c.channel.value, lang=c.lang,  # type: ignore[arg-type]
        nudge_opt_out=c.nudge_opt_out,
    )  # fmt: skip


def contacts_router(w: Notifications) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["kontak / contacts"])

    @api.get("/contacts/{nip}", response_model=ContactOut, summary="Kontak / a person's contact")
    @allow(Role.ORGANIZER, Role.ASN, nip_param="nip")
    async def get_contact(nip: Annotated[Nip, Path()]) -> ContactOut:
        async with w.ctx.units.reading() as conn:
            found = await contacts.contact_of(conn, nip)
        if found is None:
            raise _not_found("Kontak", "Contact")
        return _out(found)

    @api.put("/contacts/{nip}", response_model=ContactOut, summary="Ubah kontak / set a contact")
    @allow(Role.ORGANIZER, Role.ASN, nip_param="nip")
    async def put_contact(nip: Annotated[Nip, Path()], body: ContactIn) -> ContactOut:
        try:
            contact = make_contact(
                nip, email=body.email, mobile=body.mobile, channel=body.channel, lang=body.lang,
                nudge_opt_out=body.nudge_opt_out,
            )  # fmt: skip
        except ContactError as err:
            raise _invalid(err.field, err.message_id, err.message_en) from None
        now = w.clock()
        saved = await w.ctx.units.run(lambda uow: contacts.put_contact(uow, contact, now))
        return _out(saved)

    @api.post(
        "/contacts/import",
        response_model=ImportResult,
        summary="Impor kontak dari CSV / import contacts from CSV",
        description="A text/csv body with the columns nip,email,mobile,channel,lang,"
        "nudge_opt_out (comma or semicolon, UTF-8). Good rows are stored even when others are "
        "bad; each bad row is listed with its line.",
    )
    @allow(Role.ORGANIZER)
    async def import_contacts(request: Request) -> ImportResult:
        body = await request.body()
        if len(body) > MAX_CSV_BYTES:
            raise _invalid("file", "Berkas terlalu besar.", "File too large.")
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise _invalid("file", "Berkas harus UTF-8.", "The file must be UTF-8.") from None
        good, bad = await asyncio.to_thread(parse_csv, text)
        now = w.clock()
        stored = await w.ctx.units.run(lambda uow: contacts.import_contacts(uow, good, now))
        return ImportResult(
            imported=stored,
            rejected=len(bad),
            bad_rows=[
                ImportRowError(
                    line=e.line, field=e.field, message=e.message_id, message_en=e.message_en
                )
                for e in bad
            ],
        )

    return api


def deliveries_router(w: Notifications) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["pengiriman / deliveries"])

    @api.get(
        "/deliveries",
        response_model=DeliveryList,
        summary="Pesan yang belum sampai / undelivered messages",
        description="undelivered: pending, sending or failed (oldest first); or one status.",
    )
    @allow(Role.ADMIN)
    async def list_deliveries(
        status: Literal[
            "undelivered", "pending", "sending", "sent", "failed", "skipped"
        ] = "undelivered",
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> DeliveryList:
        wanted = list(UNDELIVERED) if status == "undelivered" else [Status(status)]
        async with w.ctx.units.reading() as conn:
            rows = await deliveries.undelivered(conn, wanted, limit, offset)
        return DeliveryList(items=[DeliveryOut.of(r) for r in rows])

    @api.post(
        "/deliveries/{delivery_id}/resend",
        response_model=Resent,
        summary="Kirim ulang / send a failed or skipped message again",
    )
    @allow(Role.ADMIN)
    async def resend(delivery_id: Annotated[int, Path(ge=1, le=2**63 - 1)]) -> Resent:
        now = w.clock()
        old = await w.ctx.units.run(lambda uow: deliveries.resend(uow, delivery_id, now))
        if old is None:
            raise _not_found("Pesan", "Message")
        if old not in (Status.FAILED.value, Status.SKIPPED.value):
            raise ApiError(
                409, "not_resendable",
                f"Pesan berstatus {old}; hanya yang gagal atau dilewati yang dapat dikirim ulang.",
                f"The message is {old}; only failed or skipped ones can be sent again.",
            )  # fmt: skip
        if w.sender is not None:
            w.sender.wake()
        return Resent(id=delivery_id, previous_status=old, status=Status.PENDING.value)

    @api.get(
        "/asn/{nip}/messages",
        response_model=DeliveryList,
        summary="Pesan untuk seseorang / messages to a person",
    )
    @allow(Role.ORGANIZER, Role.ASN, nip_param="nip")
    async def messages_of(nip: Annotated[Nip, Path()], limit: Limit = 100) -> DeliveryList:
        async with w.ctx.units.reading() as conn:
            rows = await deliveries.messages_of(conn, nip, limit)
        return DeliveryList(items=[DeliveryOut.of(r) for r in rows])

    return api


_PAGE = """<!doctype html><html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Verifikasi sertifikat / certificate check</title></head>
<body style="font-family: Arial, sans-serif; max-width: 560px; margin: 40px auto;">
<h1 style="color: {color};">{headline}</h1><p>{detail}</p>
<p style="color:#66788a">Nomor / number: {number}</p></body></html>"""


def certificates_router(w: Notifications) -> APIRouter:
    api = APIRouter(tags=["sertifikat / certificates"])
    s = w.ctx.settings

    async def verification(number: str) -> Verification:
        async with w.ctx.units.reading() as conn:
            name = await certificates.holder_name(conn, number)
        if name is None:
            return Verification(
                number=number, valid=False, holder_name=None,
                message="Nomor sertifikat tidak terdaftar.", message_en="No certificate has this number.",
            )  # fmt: skip
        return Verification(
            number=number, valid=True, holder_name=name,
            message=f"Sertifikat sah, atas nama {name}.", message_en=f"Valid certificate, held by {name}.",
        )  # fmt: skip

    @api.get(
        "/verify/{number}",
        response_class=HTMLResponse,
        summary="Halaman verifikasi (publik) / public verification page",
        responses={200: {"content": {"text/html": {}}, "description": "valid or invalid"}},
    )
    @public
    async def verify_page(number: Annotated[str, Path(max_length=40)]) -> HTMLResponse:
        found = await verification(number)
        page = _PAGE.format(
            color="#1a7f37" if found.valid else "#b42318",
            headline="SAH / VALID" if found.valid else "TIDAK SAH / INVALID",
            detail=html.escape(f"{found.message} / {found.message_en}"),
            number=html.escape(number),
        )
        return HTMLResponse(page, status_code=200)

    @api.get(
        "/api/v1/certificates/{number}/verification",
        response_model=Verification,
        summary="Verifikasi (publik, JSON) / public check of a certificate number",
    )
    @public
    async def verify_json(number: Annotated[str, Path(max_length=40)]) -> Verification:
        return await verification(number)

    @api.get(
        "/api/v1/asn/{nip}/certificates",
        response_model=CertificateList,
        summary="Sertifikat saya / a holder's certificates",
    )
    @allow(Role.ORGANIZER, Role.AUDITOR, Role.ASN, nip_param="nip")
    async def holder_certificates(nip: Annotated[Nip, Path()]) -> CertificateList:
        async with w.ctx.units.reading() as conn:
            rows = await certificates.certificates_of(conn, nip)
        return CertificateList(
            items=[
                CertificateOut(**r, download=f"/api/v1/asn/{nip}/certificates/{r['number']}.pdf")
                for r in rows
            ]
        )

    @api.get(
        "/api/v1/asn/{nip}/certificates/{number}.pdf",
        response_class=Response,
        summary="Unduh sertifikat (PDF) / download a certificate",
        responses={200: {"content": {"application/pdf": {}}, "description": "the certificate"}},
    )
    @allow(Role.ORGANIZER, Role.ASN, nip_param="nip")
    async def download(nip: Annotated[Nip, Path()], number: CertificateNumber) -> Response:
        async with w.ctx.units.reading() as conn:
            pdf = await certificates.certificate_pdf(
                conn, number, holder_nip=nip, base_url=s.verify_base_url, issuer=s.issuer_name
            )
        if pdf is None:
            raise _not_found("Sertifikat", "Certificate")
        return Response(
            pdf,
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="sertifikat-{number}.pdf"'},
        )

    return api


def routers(w: Notifications) -> list[APIRouter]:
    return [contacts_router(w), deliveries_router(w), certificates_router(w)]
