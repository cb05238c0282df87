"""POST /api/v1/responses: one SKM response from a kiosk or a partner application."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from asn_platform.auth import Role, allow
from asn_platform.contracts import IntakeChannel
from asn_platform.openapi import body_schema
from asn_platform.timezone import now_jakarta
from asn_surveys.api import models
from asn_surveys.api.common import (
    invalid,
    read_json,
    service_unavailable,
    too_many_requests,
)
from asn_surveys.domain.intake import IntakeRefused
from asn_surveys.domain.response import SurveyResponseIn, validation_problems
from asn_surveys.handlers.intake import Accepted, IntakeUnavailable, submit_response

if TYPE_CHECKING:
    from asn_surveys.bootstrap import Surveys

TAG_INTAKE = "masukan SKM / survey intake"
CHANNEL = IntakeChannel.API


def _refused(err: IntakeRefused) -> JSONResponse:
    message = (
        ("Data tidak valid", "Invalid data")
        if err.status == 422
        else ("client_ref sudah dipakai", "client_ref already used")
    )
    return JSONResponse(
        {
            "error": err.code,
            "message": message[0],
            "message_en": message[1],
            "fields": err.problems,
        },
        status_code=err.status,
    )


def _accepted(accepted: Accepted) -> JSONResponse:
    body = models.Submitted(
        response_id=str(accepted.response_id),
        unit_id=accepted.unit.unit_id,
        duplicate=not accepted.created,
        message="Terima kasih, penilaian Anda sudah tercatat"
        if accepted.created
        else "Jawaban ini sudah tercatat sebelumnya (dihitung sekali)",
        message_en="Thank you, your rating was recorded"
        if accepted.created
        else "This response was already recorded (counted once)",
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=201 if accepted.created else 200)


def _response(app: Surveys, data: object) -> SurveyResponseIn:
    try:
        return SurveyResponseIn.model_validate(data, context={"now": now_jakarta()})
    except ValidationError as err:
        app.metrics.count(CHANNEL.value, "invalid")
        raise invalid(validation_problems(err)) from None


def intake_router(app: Surveys) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=[TAG_INTAKE])

    @router.post(
        "/responses",
        status_code=201,
        response_model=models.Submitted,
        summary="Kirim satu jawaban SKM (kios/aplikasi); client_ref sama dihitung sekali",
        openapi_extra=body_schema(SurveyResponseIn),
        responses={
            200: {
                "description": "Kiriman ulang client_ref yang sama: id jawaban asli",
                "model": models.Submitted,
            },
            409: {"description": "client_ref sudah dipakai untuk jawaban lain"},
            422: {"description": "Data tidak valid, per kolom"},
            429: {"description": "Terlalu banyak kiriman; Retry-After; tidak ada yang disimpan"},
        },
    )
    @allow(Role.KIOSK)
    async def submit(request: Request) -> JSONResponse:
        wait = app.guard.rate_wait(request)
        if wait > 0:
            app.metrics.count(CHANNEL.value, "rate_limited")
            return too_many_requests(app.guard.retry_after(wait))
        response = _response(app, await read_json(request, app.settings.max_body_bytes))
        try:
            accepted = await submit_response(
                app.intake, response, channel=CHANNEL, policy=app.policy
            )
        except IntakeUnavailable:
            app.metrics.count(CHANNEL.value, "unavailable")
            return service_unavailable()
        except IntakeRefused as err:
            app.metrics.count(CHANNEL.value, "invalid")
            return _refused(err)
        app.metrics.accepted(CHANNEL.value, accepted.created, accepted.gaps)
        return _accepted(accepted)

    return router
