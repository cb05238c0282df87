"""The surveys HTTP API (JSON): units, questionnaire, response intake, IKM, gaps, reports.

Request bodies are validated here with the domain models (not by FastAPI) so that every refusal
names the field in Indonesian with English beside it, in the platform's one error format.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ValidationError

from asn_platform import audit
from asn_platform.auth import Role, allow, any_role
from asn_platform.contracts import IntakeChannel
from asn_platform.http_errors import ApiError, lang_of
from asn_platform.inputs import Clean
from asn_platform.periods import Period
from asn_platform.timezone import now_jakarta
from asn_surveys.buckets import UNIT_WIDE, city_buckets, unit_buckets
from asn_surveys.domain.aggregate import SurveyAggregate
from asn_surveys.domain.ikm import WeightsError, validate_weights
from asn_surveys.domain.report import ProfileLine, build_report, report_to_csv
from asn_surveys.domain.response import SurveyResponseIn, validation_problems
from asn_surveys.domain.sample import population_in_period
from asn_surveys.intake import IntakeRefused
from asn_surveys.questionnaire import profile_choices, questions
from asn_surveys.runtime import (
    RETRY_AFTER_UNAVAILABLE_S,
    IntakeUnavailable,
    Runtime,
    parse_period,
)
from asn_surveys.units import (
    PeriodText,
    ServiceFilter,
    Unit,
    UnitIn,
    UnitPatch,
    UnitPath,
    get_unit,
    insert_unit,
    list_units,
    update_unit,
    weights_problems,
)
from asn_surveys.views import brief_json, ikm_json, period_json, sample_json

M = TypeVar("M", bound=BaseModel)

TAG_UNITS = "unit layanan / service units"
TAG_INTAKE = "masukan SKM / survey intake"
TAG_IKM = "IKM"


def _invalid(fields: list[dict[str, str]]) -> ApiError:
    return ApiError(
        422, "validation_failed", "Data tidak valid", "Invalid data", {"fields": fields}
    )


def _not_found(unit_id: str) -> ApiError:
    return ApiError(
        404,
        "unit_not_found",
        f"Unit layanan {unit_id!r} tidak ditemukan",
        f"Service unit {unit_id!r} not found",
    )


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON Schema with its $defs inlined: openapi_extra is copied into the OpenAPI
    document as is, where "#/$defs/..." references would point nowhere."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                rest = {k: v for k, v in node.items() if k != "$ref"}
                return {**resolve(defs[ref.removeprefix("#/$defs/")]), **resolve(rest)}
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


def _body_schema(model: type[BaseModel]) -> dict[str, Any]:
    # Bodies are validated by the domain models (bilingual field errors), so FastAPI does not
    # see them as parameters; the schema is declared here for the OpenAPI document instead.
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": inline_schema(model)}},
        }
    }


def too_many_requests(runtime: Runtime, wait_s: float) -> JSONResponse:
    retry = runtime.limiter.retry_after_header(wait_s)
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


async def _json(runtime: Runtime, request: Request) -> Any:
    body = await runtime.read_body(request)
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise _invalid(
            [{"field": "(body)", "problem": "bukan JSON yang valid (body is not valid JSON)"}]
        ) from None


def _validate(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise _invalid(validation_problems(err)) from None


def _weights_or_422(raw: dict[str, Any] | None) -> Any:
    if raw is None:
        return None
    try:
        return validate_weights(raw)
    except WeightsError as err:
        raise _invalid(weights_problems(err)) from None


async def _unit_or_404(runtime: Runtime, unit_id: str) -> Unit:
    async with runtime.pool.acquire() as conn:
        unit = await get_unit(conn, unit_id)
    if unit is None:
        raise _not_found(unit_id)
    return unit


def build_api(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/api/v1")

    # --- questionnaire and units ----------------------------------------------------------
    @router.get("/elements", tags=[TAG_UNITS], summary="Sembilan unsur SKM dan label jawaban")
    @any_role  # the questionnaire is no secret
    async def elements(request: Request) -> dict[str, Any]:
        lang = lang_of(request)
        return {"questions": questions(lang), "profile": profile_choices(lang)}

    @router.get("/units", tags=[TAG_UNITS], summary="Daftar unit layanan (list service units)")
    @any_role  # units are listed publicly on /s too
    async def units(request: Request) -> dict[str, Any]:
        async with runtime.pool.acquire() as conn:
            found = await list_units(conn)
        lang = lang_of(request)
        return {"units": [u.to_json(lang) for u in found]}

    @router.post(
        "/units",
        tags=[TAG_UNITS],
        status_code=201,
        summary="Tambah unit layanan (operator)",
        openapi_extra=_body_schema(UnitIn),
    )
    @allow(Role.ADMIN)
    async def create_unit(request: Request) -> JSONResponse:
        data = _validate(UnitIn, await _json(runtime, request))
        unit = Unit(
            unit_id=data.unit_id,
            name=data.name,
            bidang=data.bidang,
            district=data.district,
            served_per_month=data.served_per_month,
            services=tuple(data.services),
            weights=_weights_or_422(data.weights),
            active=True,
        )
        async with runtime.pool.acquire() as conn, conn.transaction():
            created = await insert_unit(conn, unit)
            if created:
                await audit.record(conn, summary=data.model_dump(mode="json"))
        if not created:
            raise ApiError(
                409,
                "unit_exists",
                f"Unit layanan {unit.unit_id!r} sudah ada; ubah dengan PATCH",
                f"Service unit {unit.unit_id!r} already exists; change it with PATCH",
            )
        return JSONResponse(unit.to_json(lang_of(request)), status_code=201)

    @router.get("/units/{unit_id}", tags=[TAG_UNITS], summary="Satu unit layanan")
    @any_role  # units are listed publicly on /s too
    async def one_unit(unit_id: UnitPath, request: Request) -> dict[str, Any]:
        return (await _unit_or_404(runtime, unit_id)).to_json(lang_of(request))

    @router.patch(
        "/units/{unit_id}",
        tags=[TAG_UNITS],
        summary="Ubah unit layanan (operator); weights: null = 1/9 masing-masing",
        openapi_extra=_body_schema(UnitPatch),
    )
    @allow(Role.UNIT_OPERATOR, unit_param="unit_id")
    async def patch_unit(unit_id: UnitPath, request: Request) -> dict[str, Any]:
        patch = _validate(UnitPatch, await _json(runtime, request))
        given = patch.model_fields_set
        nullable = {"district", "weights"}
        for name in given - nullable:
            if getattr(patch, name) is None:
                raise _invalid([{"field": name, "problem": "tidak boleh null (must not be null)"}])
        async with runtime.pool.acquire() as conn, conn.transaction():
            current = await get_unit(conn, unit_id, for_update=True)
            if current is None:
                raise _not_found(unit_id)
            changed = Unit(
                unit_id=current.unit_id,
                name=patch.name if "name" in given and patch.name else current.name,
                bidang=patch.bidang if "bidang" in given and patch.bidang else current.bidang,
                district=patch.district if "district" in given else current.district,
                served_per_month=(
                    patch.served_per_month
                    if "served_per_month" in given and patch.served_per_month is not None
                    else current.served_per_month
                ),
                services=(
                    tuple(patch.services)
                    if "services" in given and patch.services
                    else current.services
                ),
                weights=(_weights_or_422(patch.weights) if "weights" in given else current.weights),
                active=patch.active if patch.active is not None else current.active,
            )
            await update_unit(conn, changed)
            await audit.record(conn, summary=patch.model_dump(mode="json", exclude_unset=True))
        return changed.to_json(lang_of(request))

    @router.get(
        "/units/{unit_id}/questionnaire",
        tags=[TAG_UNITS],
        summary="Kuesioner unit: layanan, pertanyaan, label jawaban, bobot",
    )
    @any_role  # units are listed publicly on /s too
    async def questionnaire(unit_id: UnitPath, request: Request) -> dict[str, Any]:
        unit = await _unit_or_404(runtime, unit_id)
        lang = lang_of(request)
        return {
            "unit": unit.to_json(lang),
            "questions": questions(lang),
            "profile": profile_choices(lang),
        }

    # --- intake -------------------------------------------------------------------------------
    @router.post(
        "/responses",
        tags=[TAG_INTAKE],
        status_code=201,
        summary="Kirim satu jawaban SKM (kios/aplikasi); client_ref sama dihitung sekali",
        openapi_extra=_body_schema(SurveyResponseIn),
        responses={
            200: {"description": "Kiriman ulang client_ref yang sama: id jawaban asli"},
            409: {"description": "client_ref sudah dipakai untuk jawaban lain"},
            422: {"description": "Data tidak valid, per kolom"},
            429: {"description": "Terlalu banyak kiriman; Retry-After; tidak ada yang disimpan"},
        },
    )
    @allow(Role.KIOSK)
    async def submit(request: Request) -> JSONResponse:
        wait = runtime.rate_wait(request)
        if wait > 0:
            runtime.intakes.labels("api", "rate_limited").inc()
            return too_many_requests(runtime, wait)
        data = await _json(runtime, request)
        try:
            response = SurveyResponseIn.model_validate(data)
        except ValidationError as err:
            runtime.intakes.labels("api", "invalid").inc()
            raise _invalid(validation_problems(err)) from None
        try:
            accepted = await runtime.accept(response, IntakeChannel.API)
        except IntakeUnavailable:
            return service_unavailable()
        except IntakeRefused as err:
            runtime.intakes.labels("api", "invalid").inc()
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
        return JSONResponse(
            {
                "response_id": str(accepted.response_id),
                "unit_id": accepted.unit.unit_id,
                "duplicate": not accepted.created,
                "message": "Terima kasih, penilaian Anda sudah tercatat"
                if accepted.created
                else "Jawaban ini sudah tercatat sebelumnya (dihitung sekali)",
                "message_en": "Thank you, your rating was recorded"
                if accepted.created
                else "This response was already recorded (counted once)",
            },
            status_code=201 if accepted.created else 200,
        )

    # --- IKM ------------------------------------------------------------------------------------
    @router.get(
        "/ikm/units/{unit_id}",
        tags=[TAG_IKM],
        summary="IKM satu unit (per unsur, mutu, responden) untuk satu periode",
    )
    @allow(Role.AUDITOR, Role.UNIT_OPERATOR, unit_param="unit_id")
    async def unit_ikm(
        unit_id: UnitPath,
        request: Request,
        period: PeriodText | None = Query(
            default=None, description="2026-M11, 2026-Q3, 2026-S2, 2026-Y"
        ),
        service: ServiceFilter | None = Query(default=None),
    ) -> dict[str, Any]:
        lang = lang_of(request)
        chosen = parse_period(period, runtime.policy.kind)
        async with runtime.pool.acquire() as conn:
            unit = await get_unit(conn, unit_id)
            if unit is None:
                raise _not_found(unit_id)
            found = await unit_buckets(conn, unit_id, chosen.key)
        population = population_in_period(unit.served_per_month, chosen.kind)
        key = service if service else UNIT_WIDE
        body: dict[str, Any] = {
            "unit_id": unit.unit_id,
            "unit_name": unit.name,
            "bidang": unit.bidang.value,
            "period": period_json(chosen, lang),
            "service": service or None,
            **ikm_json(found.get(key, SurveyAggregate()), unit.weights, population, lang),
        }
        if not service:
            body["services"] = [
                {"service": name, **brief_json(found.get(name, SurveyAggregate()), unit.weights)}
                for name in sorted(set(unit.services) | (set(found) - {UNIT_WIDE}))
            ]
        return body

    @router.get(
        "/ikm/city",
        tags=[TAG_IKM],
        summary="IKM seluruh kota: jumlah agregat semua unit pada periode itu",
    )
    @allow(Role.AUDITOR)
    async def city_ikm(
        request: Request,
        period: PeriodText | None = Query(
            default=None, description="2026-M11, 2026-Q3, 2026-S2, 2026-Y"
        ),
    ) -> dict[str, Any]:
        lang = lang_of(request)
        chosen = parse_period(period, runtime.policy.kind)
        async with runtime.pool.acquire() as conn:
            parts = await city_buckets(conn, chosen.key)
            all_units = {u.unit_id: u for u in await list_units(conn)}
        city = SurveyAggregate.combine(parts.values())
        population = sum(
            population_in_period(u.served_per_month, chosen.kind)
            for u in all_units.values()
            if u.active or u.unit_id in parts
        )
        units_out = []
        for unit_id, aggregate in parts.items():
            unit = all_units[unit_id]
            unit_population = population_in_period(unit.served_per_month, chosen.kind)
            units_out.append(
                {
                    "unit_id": unit_id,
                    "unit_name": unit.name,
                    "bidang": unit.bidang.value,
                    **brief_json(aggregate, unit.weights),
                    "provisional": sample_json(aggregate.n, unit_population)["provisional"],
                }
            )
        return {
            "period": period_json(chosen, lang),
            "scope": "city",
            **ikm_json(city, None, max(1, population), lang),
            "units": units_out,
        }

    @router.get("/gaps", tags=[TAG_IKM], summary="Status kesenjangan layanan per unit/unsur")
    @allow(Role.AUDITOR, Role.UNIT_OPERATOR, unit_param="unit_id")
    async def gaps(
        unit_id: Annotated[Clean | None, Query(max_length=100)] = None,
        period: PeriodText | None = Query(default=None),
        open_only: bool = Query(default=True),
    ) -> dict[str, Any]:
        chosen = parse_period(period, runtime.policy.kind) if period else None
        async with runtime.pool.acquire() as conn:
            rows = await conn.fetch(
                """SELECT unit_id, element, period_key, open, score, sample_size, opened_at,
                          closed_at
                   FROM gap_state
                   WHERE ($1::text IS NULL OR unit_id = $1)
                     AND ($2::text IS NULL OR period_key = $2)
                     AND (open OR NOT $3) AND score IS NOT NULL
                   ORDER BY period_key DESC, unit_id, element""",
                unit_id,
                chosen.key if chosen else None,
                open_only,
            )
        return {
            "threshold": float(runtime.policy.threshold),
            "period_kind": runtime.settings.gap_period_kind,
            "gaps": [
                {
                    "unit_id": r["unit_id"],
                    "element": r["element"],
                    "period": r["period_key"],
                    "open": r["open"],
                    "score": float(r["score"]),
                    "sample_size": r["sample_size"],
                    "opened_at": r["opened_at"].isoformat() if r["opened_at"] else None,
                    "closed_at": r["closed_at"].isoformat() if r["closed_at"] else None,
                }
                for r in rows
            ],
        }

    # --- reports ------------------------------------------------------------------------------
    @router.get(
        "/reports/units/{unit_id}",
        tags=[TAG_IKM],
        summary="Laporan SKM unit per periode: HTML (cetak) atau CSV",
        response_class=Response,
    )
    @allow(Role.AUDITOR, Role.UNIT_OPERATOR, unit_param="unit_id")
    async def report(
        unit_id: UnitPath,
        request: Request,
        period: PeriodText | None = Query(default=None),
        service: ServiceFilter | None = Query(default=None),
        format: Literal["html", "csv"] = Query(default="html"),
    ) -> Response:
        chosen = parse_period(period, runtime.policy.kind)
        async with runtime.pool.acquire() as conn:
            unit = await get_unit(conn, unit_id)
            if unit is None:
                raise _not_found(unit_id)
            found = await unit_buckets(conn, unit_id, chosen.key)
        aggregate = found.get(service or UNIT_WIDE, SurveyAggregate())
        if aggregate.n == 0:
            raise ApiError(
                404,
                "no_responses",
                f"Belum ada responden untuk {unit.name} pada {chosen.label('id')}",
                f"No responses for {unit.name} in {chosen.label('en')}",
            )
        # The official report is Indonesian whatever the browser prefers; ?lang=en on request.
        lang = "en" if request.query_params.get("lang") == "en" else "id"
        return render_report(runtime, unit, chosen, aggregate, service, format, lang)

    return router


def _profile_groups(lines: tuple[ProfileLine, ...]) -> list[list[ProfileLine]]:
    """Profile lines grouped by dimension, in report order (sex, age, education, occupation)."""
    groups: dict[str, list[ProfileLine]] = {}
    for line in lines:
        groups.setdefault(line.dimension, []).append(line)
    return list(groups.values())


def render_report(
    runtime: Runtime,
    unit: Unit,
    period: Period,
    aggregate: SurveyAggregate,
    service: str | None,
    fmt: str,
    lang: str,
) -> Response:
    report = build_report(
        unit_id=unit.unit_id,
        unit_name=unit.name,
        period=period,
        aggregate=aggregate,
        population=population_in_period(unit.served_per_month, period.kind),
        weights=unit.weights,
        service=service,
    )
    stem = f"laporan-skm-{unit.unit_id}-{period.key}"
    if fmt == "csv":
        # BOM so that spreadsheet programs read the UTF-8 names correctly.
        return Response(
            "\ufeff" + report_to_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{stem}.csv"'},
        )
    html = runtime.templates.get_template("report.html").render(
        r=report,
        profile_groups=_profile_groups(report.profile),
        unit=unit,
        lang=lang,
        generated_at=now_jakarta(),
        custom_weights=unit.weights is not None,
        threshold=runtime.policy.threshold,
    )
    return HTMLResponse(html)
