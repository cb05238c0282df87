"""A question to the recommendations service over Kafka request/reply (no shared database)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from pydantic import ValidationError

from asn_enrollment.api.common import NipPath, unit_of_nip, valid_nip
from asn_enrollment.domain.nip import mask_nip
from asn_enrollment.handlers import queries
from asn_platform import topics
from asn_platform.auth import Role, allow
from asn_platform.contracts.rpc import (
    PersonRecommendations,
    RecommendationsQuestion,
    RecommendationsRefusal,
    parse_recommendations_answer,
)
from asn_platform.errors import ApiError
from asn_platform.http_errors import lang_of
from asn_platform.logmask import mask_nips
from asn_platform.rpc import RpcClient, RpcError, RpcTimeout

if TYPE_CHECKING:
    from asn_enrollment.bootstrap import Wiring

log = logging.getLogger(__name__)


def router(w: Wiring) -> APIRouter:
    api = APIRouter(prefix="/api/v1/asn", tags=["rekomendasi / recommendations"])

    @api.get(
        "/{nip}/recommendations",
        summary="Rekomendasi pelatihan untuk ASN / training recommendations for one person",
        description=(
            "Asks the recommendations service over Kafka and returns its answer. 503 when no "
            "answer comes within ASN_ENROLLMENT_RECOMMENDATIONS_TIMEOUT_S (default 5 s)."
        ),
        responses={503: {"description": "no answer in time"}, 502: {"description": "it failed"}},
    )
    @allow(Role.AUDITOR, Role.UNIT_OPERATOR, Role.ASN, unit_lookup=unit_of_nip, nip_param="nip")
    async def recommendations(nip: NipPath, request: Request) -> PersonRecommendations:
        nip = valid_nip(nip)
        await queries.person(w.units, nip)
        client: RpcClient = w.rpc
        timeout_s = w.settings.enrollment_recommendations_timeout_s
        try:
            answer = parse_recommendations_answer(
                await client.request(
                    topics.RPC_RECOMMENDATIONS_REQUEST,
                    RecommendationsQuestion(
                        nip=nip, lang="en" if lang_of(request) == "en" else "id"
                    ),
                    timeout_s=timeout_s,
                    key=nip.encode(),
                )
            )
        except RpcTimeout:
            log.warning("recommendations for %s: no answer within %gs", mask_nip(nip), timeout_s)
            raise ApiError(
                503,
                "recommendations_unavailable",
                f"Layanan rekomendasi tidak menjawab dalam {timeout_s:g} detik; coba lagi nanti.",
                f"The recommendations service did not answer within {timeout_s:g} s; "
                "try again later.",
                {"timeout_s": timeout_s},
                headers={"Retry-After": str(max(1, round(timeout_s)))},
            ) from None
        except (RpcError, ValidationError) as err:  # failed, or answered off the contract
            log.warning("recommendations for %s failed: %s", mask_nip(nip), mask_nips(str(err)))
            raise ApiError(
                502,
                "recommendations_failed",
                "Layanan rekomendasi gagal menjawab; coba lagi nanti.",
                "The recommendations service failed to answer; try again later.",
            ) from None
        if isinstance(answer, RecommendationsRefusal):
            # The responder answers expected refusals in the body, e.g. a NIP whose profile
            # event it has not read yet ("unknown_nip"): passed on, not a 200.
            raise ApiError(
                404 if answer.error == "unknown_nip" else 502,
                f"recommendations_{answer.error}",
                answer.message,
                answer.message_en,
            )
        return answer

    return api
