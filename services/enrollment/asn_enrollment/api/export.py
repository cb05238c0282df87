"""A civil servant's own data, downloadable as JSON (UU 27/2022 right of access): profile,
enrollments with their history, JP per year, and current recommendations."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from asn_enrollment.api.common import reading, this_year, valid_nip
from asn_enrollment.api.recommendations import RPC_CLIENT
from asn_enrollment.settings import Settings
from asn_enrollment.store import enrollments as enrollment_store
from asn_enrollment.store import ledger as ledger_store
from asn_enrollment.store import roster as roster_store
from asn_platform import topics
from asn_platform.auth import Role, allow
from asn_platform.http_errors import lang_of
from asn_platform.rpc import RpcClient, RpcError, RpcTimeout
from asn_platform.service import ServiceContext
from asn_platform.timezone import now_jakarta

log = logging.getLogger(__name__)


def router(ctx: ServiceContext[Settings]) -> APIRouter:
    api = APIRouter(prefix="/api/v1/asn", tags=["data pribadi / personal data"])

    @api.get(
        "/{nip}/export",
        summary="Unduh data pribadi saya / download my personal data (JSON)",
        description=(
            "Everything the platform's enrollment service holds about one civil servant, and "
            "their current recommendations (asked of the recommendations service; marked "
            "unavailable if it does not answer in time). For the person themselves and admins."
        ),
    )
    @allow(Role.ASN, nip_param="nip")
    async def export(nip: str, request: Request) -> JSONResponse:
        nip = valid_nip(nip)
        async with reading(ctx.pool) as conn:
            profile = roster_store.servant_json(await roster_store.require(conn, nip))
            enrollments = [
                enrollment_store.enrollment_json(r)
                for r in await enrollment_store.list_for_person(conn, nip)
            ]
            years = [
                r["year"]
                for r in await conn.fetch(
                    "SELECT DISTINCT year FROM jp_entries WHERE nip = $1 ORDER BY year", nip
                )
            ]
            current = this_year()
            jp = [await ledger_store.person(conn, nip, y) for y in sorted({*years, current})]
        recommendations: dict[str, Any]
        client: RpcClient | None = ctx.extras.get(RPC_CLIENT)
        try:
            if client is None:
                raise RpcTimeout("no rpc client")
            recommendations = await client.request(
                topics.RPC_RECOMMENDATIONS_REQUEST,
                {"nip": nip, "lang": lang_of(request)},
                timeout_s=ctx.settings.enrollment_recommendations_timeout_s,
                key=nip.encode(),
            )
        except (RpcTimeout, RpcError) as err:
            log.warning("export: recommendations unavailable (%s)", type(err).__name__)
            recommendations = {"unavailable": True}
        body = {
            "exported_at": now_jakarta().isoformat(),
            "profile": profile,
            "enrollments": enrollments,
            "jp": jp,
            "recommendations": recommendations,
            "note": "Data pribadi Anda menurut UU 27/2022 / your personal data under UU 27/2022",
        }
        filename = f"data-asn-{nip}.json"
        return JSONResponse(
            body, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
        )

    return api
