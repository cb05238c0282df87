"""A civil servant downloads their own certificate (listed on /me)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from asn_console.api.common import Web
from asn_console.domain.errors import Refused
from asn_console.views.certificates import NUMBER, certificate_pdf


def routes(web: Web) -> APIRouter:
    router = APIRouter()

    @router.get("/me/certificates/{number}.pdf")
    async def download(request: Request, number: str) -> Response:
        session = web.need(request, "asn")
        nip = session.principal.nip
        if not nip:
            raise Refused(403, ("Token Anda tidak memuat NIP.", "Your token carries no NIP."))
        if not NUMBER.match(number):
            raise Refused(404, ("Sertifikat tidak ditemukan.", "Certificate not found."))
        got = await certificate_pdf(web.api(request, session), nip, number)
        return Response(got.content, media_type=got.media_type, headers=got.headers)

    return router
