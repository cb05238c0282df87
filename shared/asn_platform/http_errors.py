"""One error format for every HTTP API: Indonesian first, English beside it, field by field.

{"error": "validation_failed", "message": "Data tidak valid", "message_en": "Invalid data",
 "fields": [{"field": "answers.U3", "problem": "Input should be less than or equal to 4"}]}
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError


class ApiError(Exception):
    """An expected refusal (conflict, not found, illegal transition): never a 500."""

    def __init__(
        self,
        status: int,
        code: str,
        message_id: str,
        message_en: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message_en)
        self.status = status
        self.code = code
        self.message_id = message_id
        self.message_en = message_en
        self.details = details or {}
        self.headers = headers  # e.g. Retry-After on 429/503


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


def install_error_handlers(app: FastAPI) -> None:
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
