"""What the surveys routes share: bounded bodies, bilingual field errors, period parsing, the
429/503 answers. Bodies are validated by the domain models (bilingual field errors), so FastAPI
does not see them as parameters; routes declare their schema with asn_platform.openapi."""

from __future__ import annotations

import json
from typing import Annotated, Any, TypeVar

from fastapi import Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError

from asn_platform.errors import ApiError
from asn_platform.inputs import Clean
from asn_platform.periods import Period, PeriodKind, periods_of
from asn_platform.timezone import now_jakarta
from asn_surveys.domain.response import validation_problems
from asn_surveys.handlers.intake import RETRY_AFTER_UNAVAILABLE_S

M = TypeVar("M", bound=BaseModel)

# A unit id in a route's path: bounded, clean text (an unknown id is then a 404).
UnitPath = Annotated[
    Clean, Path(min_length=1, max_length=100, description="Kode unit layanan (service unit id)")
]
PeriodText = Annotated[Clean, Field(max_length=20)]
ServiceFilter = Annotated[Clean, Field(max_length=200)]


def invalid(fields: list[dict[str, str]]) -> ApiError:
    return ApiError(
        422, "validation_failed", "Data tidak valid", "Invalid data", {"fields": fields}
    )


def unit_not_found(unit_id: str) -> ApiError:
    return ApiError(
        404,
        "unit_not_found",
        f"Unit layanan {unit_id!r} tidak ditemukan",
        f"Service unit {unit_id!r} not found",
    )


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        "body_too_large",
        f"Data terlalu besar (maks. {limit} byte)",
        f"Request body too large (max {limit} bytes)",
    )


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _too_large(limit)
    return body


async def read_json(request: Request, limit: int) -> Any:
    body = await read_body(request, limit)
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise invalid(
            [{"field": "(body)", "problem": "bukan JSON yang valid (body is not valid JSON)"}]
        ) from None


def validated(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise invalid(validation_problems(err)) from None


def parse_period(raw: str | None, default_kind: PeriodKind | None = None) -> Period:
    """?period=2026-Q3 (or M11, S2, Y); default: the current period of the gap kind."""
    if not raw:
        now = periods_of(now_jakarta())
        return next((p for p in now if p.kind is default_kind), now[1])
    try:
        return Period.parse(raw.strip())
    except ValueError as err:
        raise invalid(
            [
                {
                    "field": "period",
                    "problem": "periode harus seperti 2026-M11, 2026-Q3, 2026-S2 atau 2026-Y "
                    f"({err})",
                }
            ]
        ) from None


def too_many_requests(retry: str) -> JSONResponse:
    return JSONResponse(
        {
            "error": "rate_limited",
            "message": f"Terlalu banyak kiriman dari alamat ini. Tidak ada yang disimpan; "
            f"silakan kirim ulang setelah {retry} detik.",
            "message_en": f"Too many submissions from this address. Nothing was stored; "
            f"please send again after {retry} seconds.",
            "retry_after_s": int(retry),
        },
        status_code=429,
        headers={"Retry-After": retry},
    )


def service_unavailable() -> JSONResponse:
    retry = str(RETRY_AFTER_UNAVAILABLE_S)
    return JSONResponse(
        {
            "error": "unavailable",
            "message": "Layanan sedang terganggu. Tidak ada yang disimpan; silakan kirim ulang "
            f"setelah {retry} detik.",
            "message_en": f"Service temporarily unavailable. Nothing was stored; please send "
            f"again after {retry} seconds.",
            "retry_after_s": RETRY_AFTER_UNAVAILABLE_S,
        },
        status_code=503,
        headers={"Retry-After": retry},
    )
