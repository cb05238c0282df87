"""One error format for every HTTP API: Indonesian first, English beside it, field by field.

{"error": "validation_failed", "message": "Data tidak valid", "message_en": "Invalid data",
 "fields": [{"field": "answers.U3", "problem": "Input should be less than or equal to 4"}]}
"""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from asn_platform.errors import ApiError

log = logging.getLogger(__name__)

__all__ = ["ApiError", "install_error_handlers"]


def field_errors(
    errors: list[Any], skip_prefix: tuple[str, ...] = ("body",)
) -> list[dict[str, str]]:
    out = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ())]
        while loc and loc[0] in skip_prefix:
            loc = loc[1:]
        out.append({"field": ".".join(loc) or "(body)", "problem": str(err.get("msg", "invalid"))})
    return out


def validation_body(fields: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "error": "validation_failed",
        "message": "Data tidak valid",
        "message_en": "Invalid data",
        "fields": fields,
    }


def lang_of(request: Request) -> str:
    """'en' when asked for (?lang=en or Accept-Language starting with en), else 'id'."""
    lang = request.query_params.get("lang")
    if lang in ("id", "en"):
        return lang
    accept = request.headers.get("accept-language", "")
    return "en" if accept.lower().startswith("en") else "id"


# What a database data error means, without the value (it may be personal data).
_DATA_PROBLEMS: tuple[tuple[type[Exception], str], ...] = (
    (
        asyncpg.exceptions.CharacterNotInRepertoireError,
        "teks berisi karakter yang tidak dapat disimpan (text holds a character that cannot "
        "be stored, e.g. NUL)",
    ),
    (
        asyncpg.exceptions.UntranslatableCharacterError,
        "teks berisi karakter yang tidak dapat disimpan (text holds a character that cannot "
        "be stored)",
    ),
    (
        asyncpg.exceptions.NumericValueOutOfRangeError,
        "angka di luar rentang (a number is out of range)",
    ),
    (
        asyncpg.exceptions.DatetimeFieldOverflowError,
        "tanggal/waktu di luar rentang (a date or time is out of range)",
    ),
    (
        asyncpg.exceptions.InvalidDatetimeFormatError,
        "format tanggal/waktu tidak valid (invalid date or time)",
    ),
    (
        asyncpg.exceptions.StringDataRightTruncationError,
        "teks terlalu panjang (a text is too long)",
    ),
)


def data_error_problem(exc: asyncpg.exceptions.DataError) -> str:
    for kind, problem in _DATA_PROBLEMS:
        if isinstance(exc, kind):
            return problem
    # asyncpg's own encoder: "invalid input for query argument $4: ... (value out of int64 range)"
    if isinstance(exc.__cause__, OverflowError) or " range" in str(exc):
        return "angka di luar rentang (a number is out of range)"
    return "nilai tidak dapat disimpan (a value cannot be stored)"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(asyncpg.exceptions.DataError)
    async def _data_error(request: Request, exc: asyncpg.exceptions.DataError) -> JSONResponse:
        """Last line of defence: a value that passed the typed bounds (asn_platform.inputs) but
        that PostgreSQL (or asyncpg's encoder) refuses. The field cannot be named from here.
        By the time this runs the route's ``async with conn.transaction()`` has rolled back, so
        nothing partial is stored. Logged as a warning: it means a bound is missing."""
        log.warning(
            "database refused a request value (%s %s): %s",
            request.method,
            request.url.path,
            type(exc).__name__,
        )
        return JSONResponse(
            validation_body([{"field": "(request)", "problem": data_error_problem(exc)}]),
            status_code=422,
        )

    @app.exception_handler(RequestValidationError)
    async def _request_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(validation_body(field_errors(list(exc.errors()))), status_code=422)

    @app.exception_handler(ValidationError)
    async def _model_invalid(request: Request, exc: ValidationError) -> JSONResponse:
        return JSONResponse(validation_body(field_errors(list(exc.errors()), ())), status_code=422)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(
            {
                "error": exc.code,
                "message": exc.message_id,
                "message_en": exc.message_en,
                **exc.details,
            },
            status_code=exc.status,
            headers=exc.headers,
        )
