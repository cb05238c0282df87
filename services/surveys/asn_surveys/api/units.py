"""Routes of the questionnaire and the service units."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request

from asn_platform.auth import Role, allow, any_role
from asn_platform.errors import ApiError
from asn_platform.http_errors import lang_of
from asn_platform.openapi import body_schema
from asn_platform.uow import UnitOfWork
from asn_surveys.api import models
from asn_surveys.api.common import (
    UnitPath,
    invalid,
    read_json,
    unit_not_found,
    validated,
)
from asn_surveys.api.presenters import unit_json, weights_problems
from asn_surveys.api.requests import UnitIn, UnitPatch
from asn_surveys.domain.ikm import Weights, WeightsError
from asn_surveys.domain.questionnaire import profile_choices, questions
from asn_surveys.domain.units import Unit, UnitExists, UnitNotFound, null_fields
from asn_surveys.handlers import queries
from asn_surveys.handlers import units as commands

if TYPE_CHECKING:
    from asn_surveys.bootstrap import Surveys

TAG_UNITS = "unit layanan / service units"


def _weights(raw: dict[str, Any] | None) -> Weights | None:
    try:
        return commands.checked_weights(raw)
    except WeightsError as err:
        raise invalid(weights_problems(err)) from None


def _unit_exists(unit_id: str) -> ApiError:
    return ApiError(
        409,
        "unit_exists",
        f"Unit layanan {unit_id!r} sudah ada; ubah dengan PATCH",
        f"Service unit {unit_id!r} already exists; change it with PATCH",
    )


def _new_unit(data: UnitIn) -> Unit:
    return Unit(
        unit_id=data.unit_id,
        name=data.name,
        bidang=data.bidang,
        district=data.district,
        served_per_month=data.served_per_month,
        services=tuple(data.services),
        weights=_weights(data.weights),
        active=True,
    )


async def _patched(app: Surveys, unit_id: str, patch: UnitPatch) -> Unit:
    changes = {name: getattr(patch, name) for name in patch.model_fields_set}
    refused = null_fields(changes)
    if refused:
        raise invalid([{"field": refused[0], "problem": "tidak boleh null (must not be null)"}])
    summary = patch.model_dump(mode="json", exclude_unset=True)

    async def work(uow: UnitOfWork) -> Unit:
        return await commands.change_unit(uow, unit_id, changes, summary)

    try:
        return await app.units.run(work)
    except UnitNotFound:
        raise unit_not_found(unit_id) from None
    except WeightsError as err:
        raise invalid(weights_problems(err)) from None


async def _one(app: Surveys, unit_id: str) -> Unit:
    try:
        return await queries.unit(app.units, unit_id)
    except UnitNotFound:
        raise unit_not_found(unit_id) from None


def _questionnaire(lang: str) -> dict[str, Any]:
    return {"questions": questions(lang), "profile": profile_choices(lang)}


def units_router(app: Surveys) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=[TAG_UNITS])

    @router.get(
        "/elements",
        response_model=models.Elements,
        summary="Sembilan unsur SKM dan label jawaban",
    )
    @any_role  # the questionnaire is no secret
    async def elements(request: Request) -> dict[str, Any]:
        return _questionnaire(lang_of(request))

    @router.get(
        "/units",
        response_model=models.UnitList,
        summary="Daftar unit layanan (list service units)",
    )
    @any_role  # units are listed publicly on /s too
    async def units(request: Request) -> dict[str, Any]:
        lang = lang_of(request)
        return {"units": [unit_json(u, lang) for u in await queries.all_units(app.units)]}

    @router.post(
        "/units",
        status_code=201,
        response_model=models.UnitOut,
        summary="Tambah unit layanan (operator)",
        openapi_extra=body_schema(UnitIn),
    )
    @allow(Role.ADMIN)
    async def create_unit(request: Request) -> dict[str, Any]:
        data = validated(UnitIn, await read_json(request, app.settings.max_body_bytes))
        unit = _new_unit(data)
        summary = data.model_dump(mode="json")

        async def work(uow: UnitOfWork) -> Unit:
            return await commands.create_unit(uow, unit, summary)

        try:
            await app.units.run(work)
        except UnitExists:
            raise _unit_exists(unit.unit_id) from None
        return unit_json(unit, lang_of(request))

    @router.get("/units/{unit_id}", response_model=models.UnitOut, summary="Satu unit layanan")
    @any_role  # units are listed publicly on /s too
    async def one_unit(unit_id: UnitPath, request: Request) -> dict[str, Any]:
        return unit_json(await _one(app, unit_id), lang_of(request))

    @router.patch(
        "/units/{unit_id}",
        response_model=models.UnitOut,
        summary="Ubah unit layanan (operator); weights: null = 1/9 masing-masing",
        openapi_extra=body_schema(UnitPatch),
    )
    @allow(Role.UNIT_OPERATOR, unit_param="unit_id")
    async def patch_unit(unit_id: UnitPath, request: Request) -> dict[str, Any]:
        patch = validated(UnitPatch, await read_json(request, app.settings.max_body_bytes))
        return unit_json(await _patched(app, unit_id, patch), lang_of(request))

    @router.get(
        "/units/{unit_id}/questionnaire",
        response_model=models.Questionnaire,
        summary="Kuesioner unit: layanan, pertanyaan, label jawaban, bobot",
    )
    @any_role  # units are listed publicly on /s too
    async def questionnaire(unit_id: UnitPath, request: Request) -> dict[str, Any]:
        unit = await _one(app, unit_id)
        lang = lang_of(request)
        return {"unit": unit_json(unit, lang), **_questionnaire(lang)}

    return router
