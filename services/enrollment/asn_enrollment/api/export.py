"""A civil servant's own data, downloadable as JSON (UU 27/2022 right of access): profile,
enrollments with their history, JP per year, and current recommendations."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from asn_enrollment.api.common import this_year, valid_nip
from asn_enrollment.api.models import AsnOut, EnrollmentOut, PersonalDataOut, PersonJpOut
from asn_enrollment.handlers import ledger as ledger_handlers
from asn_platform import topics
from asn_platform.auth import Role, allow
from asn_platform.contracts.rpc import RecommendationsQuestion, parse_recommendations_answer
from asn_platform.http_errors import lang_of
from asn_platform.rpc import RpcClient, RpcError, RpcTimeout
from asn_platform.timezone import now_jakarta

if TYPE_CHECKING:
    from asn_enrollment.bootstrap import Wiring

log = logging.getLogger(__name__)


def router(w: Wiring) -> APIRouter:
    api = APIRouter(prefix="/api/v1/asn", tags=["data pribadi / personal data"])

    @api.get(
        "/{nip}/export",
        summary="Unduh data pribadi saya / download my personal data (JSON)",
        description=(
            "Everything the platform's enrollment service holds about one civil servant, and "
            "their current recommendations (asked of the recommendations service; marked "
            "unavailable if it does not answer in time). For the person themselves and admins."
        ),
        response_model=PersonalDataOut,
    )
    @allow(Role.ASN, nip_param="nip")
    async def export(nip: str, request: Request) -> JSONResponse:
        nip = valid_nip(nip)
        held = await ledger_handlers.personal_data(w.units, nip, this_year())
        recommendations: dict[str, Any]
        client: RpcClient = w.rpc
        try:
            answer = await client.request(
                topics.RPC_RECOMMENDATIONS_REQUEST,
                RecommendationsQuestion(nip=nip, lang="en" if lang_of(request) == "en" else "id"),
                timeout_s=w.settings.enrollment_recommendations_timeout_s,
                key=nip.encode(),
            )
            recommendations = parse_recommendations_answer(answer).model_dump(mode="json")
        except (RpcTimeout, RpcError, ValidationError) as err:
            log.warning("export: recommendations unavailable (%s)", type(err).__name__)
            recommendations = {"unavailable": True}
        body = PersonalDataOut(
            exported_at=now_jakarta(),
            profile=AsnOut.of(held.profile),
            enrollments=[EnrollmentOut.of(r) for r in held.enrollments],
            jp=[PersonJpOut.model_validate(y) for y in held.jp],
            recommendations=recommendations,
            note="Data pribadi Anda menurut UU 27/2022 / your personal data under UU 27/2022",
        )
        filename = f"data-asn-{nip}.json"
        return JSONResponse(
            body.model_dump(mode="json"),
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    return api
