"""IKM routes: a unit's index per period, the city-wide index, the gap status, and the printable
report (HTML, CSV or PDF)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from asn_platform.auth import Role, allow
from asn_platform.errors import ApiError
from asn_platform.http_errors import lang_of
from asn_platform.inputs import Clean
from asn_platform.periods import Period
from asn_platform.timezone import now_jakarta
from asn_surveys.api import models
from asn_surveys.api.common import PeriodText, ServiceFilter, UnitPath, parse_period, unit_not_found
from asn_surveys.api.presenters import brief_json, ikm_json, period_json, sample_json
from asn_surveys.api.report_pdf import report_pdf
from asn_surveys.domain.aggregate import SurveyAggregate
from asn_surveys.domain.report import ProfileLine, build_report, report_to_csv
from asn_surveys.domain.sample import population_in_period
from asn_surveys.domain.units import Unit, UnitNotFound
from asn_surveys.handlers import queries

if TYPE_CHECKING:
    from asn_surveys.bootstrap import Surveys

TAG_IKM = "IKM"
PERIOD_HELP = "2026-M11, 2026-Q3, 2026-S2, 2026-Y"


async def _unit_period(app: Surveys, unit_id: str, period: Period) -> queries.UnitPeriod:
    try:
        return await queries.unit_period(app.units, unit_id, period)
    except UnitNotFound:
        raise unit_not_found(unit_id) from None


def unit_ikm_json(
    found: queries.UnitPeriod, period: Period, service: str | None, lang: str
) -> dict[str, Any]:
    unit = found.unit
    population = population_in_period(unit.served_per_month, period.kind)
    body: dict[str, Any] = {
        "unit_id": unit.unit_id,
        "unit_name": unit.name,
        "bidang": unit.bidang.value,
        "period": period_json(period, lang),
        "service": service or None,
        **ikm_json(found.of(service), unit.weights, population, lang),
    }
    if not service:
        body["services"] = [
            {"service": name, **brief_json(found.of(name), unit.weights)}
            for name in found.service_names()
        ]
    return body


def city_ikm_json(city: queries.CityPeriod, period: Period, lang: str) -> dict[str, Any]:
    def population(unit: Unit) -> int:
        return population_in_period(unit.served_per_month, period.kind)

    total = SurveyAggregate.combine(city.parts.values())
    people = sum(population(u) for u in city.units.values() if u.active or u.unit_id in city.parts)
    units_out = [
        {
            "unit_id": unit_id,
            "unit_name": city.units[unit_id].name,
            "bidang": city.units[unit_id].bidang.value,
            **brief_json(aggregate, city.units[unit_id].weights),
            "provisional": sample_json(aggregate.n, population(city.units[unit_id]))["provisional"],
        }
        for unit_id, aggregate in city.parts.items()
    ]
    return {
        "period": period_json(period, lang),
        "scope": "city",
        **ikm_json(total, None, max(1, people), lang),
        "units": units_out,
    }


def _profile_groups(lines: tuple[ProfileLine, ...]) -> list[list[ProfileLine]]:
    """Profile lines grouped by dimension, in report order (sex, age, education, occupation)."""
    groups: dict[str, list[ProfileLine]] = {}
    for line in lines:
        groups.setdefault(line.dimension, []).append(line)
    return list(groups.values())


def render_report(
    app: Surveys,
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
    if fmt == "pdf":
        pdf = report_pdf(
            report, _profile_groups(report.profile), lang=lang, generated_at=now_jakarta(),
            threshold=app.policy.threshold,
        )  # fmt: skip
        return Response(
            pdf, media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{stem}.pdf"'},
        )  # fmt: skip
    if fmt == "csv":
        # BOM so that spreadsheet programs read the UTF-8 names correctly.
        return Response(
            "\ufeff" + report_to_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{stem}.csv"'},
        )
    html = app.templates.get_template("report.html").render(
        r=report,
        profile_groups=_profile_groups(report.profile),
        unit=unit,
        lang=lang,
        generated_at=now_jakarta(),
        custom_weights=unit.weights is not None,
        threshold=app.policy.threshold,
    )
    return HTMLResponse(html)


def _no_responses(unit: Unit, period: Period) -> ApiError:
    return ApiError(
        404,
        "no_responses",
        f"Belum ada responden untuk {unit.name} pada {period.label('id')}",
        f"No responses for {unit.name} in {period.label('en')}",
    )


def ikm_router(app: Surveys) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=[TAG_IKM])
    kind = app.policy.kind

    @router.get(
        "/ikm/units/{unit_id}",
        response_model=models.UnitIkm,
        response_model_exclude_unset=True,
        summary="IKM satu unit (per unsur, mutu, responden) untuk satu periode",
    )
    @allow(Role.AUDITOR, Role.UNIT_OPERATOR, unit_param="unit_id")
    async def unit_ikm(
        unit_id: UnitPath,
        request: Request,
        period: PeriodText | None = Query(default=None, description=PERIOD_HELP),
        service: ServiceFilter | None = Query(default=None),
    ) -> dict[str, Any]:
        chosen = parse_period(period, kind)
        found = await _unit_period(app, unit_id, chosen)
        return unit_ikm_json(found, chosen, service, lang_of(request))

    @router.get(
        "/ikm/city",
        response_model=models.CityIkm,
        response_model_exclude_unset=True,
        summary="IKM seluruh kota: jumlah agregat semua unit pada periode itu",
    )
    @allow(Role.AUDITOR)
    async def city_ikm(
        request: Request,
        period: PeriodText | None = Query(default=None, description=PERIOD_HELP),
    ) -> dict[str, Any]:
        chosen = parse_period(period, kind)
        city = await queries.city_period(app.units, chosen)
        return city_ikm_json(city, chosen, lang_of(request))

    @router.get(
        "/gaps", response_model=models.Gaps, summary="Status kesenjangan layanan per unit/unsur"
    )
    @allow(Role.AUDITOR, Role.UNIT_OPERATOR, unit_param="unit_id")
    async def gaps(
        unit_id: Annotated[Clean | None, Query(max_length=100)] = None,
        period: PeriodText | None = Query(default=None),
        open_only: bool = Query(default=True),
    ) -> models.Gaps:
        chosen = parse_period(period, kind) if period else None
        rows = await queries.gap_rows(
            app.units, unit_id=unit_id, period=chosen, open_only=open_only
        )
        return models.Gaps(
            threshold=float(app.policy.threshold),
            period_kind=app.settings.gap_period_kind,
            gaps=[
                models.GapOut(
                    unit_id=r.unit_id,
                    element=r.element,
                    period=r.period_key,
                    open=r.open,
                    score=r.score,
                    sample_size=r.sample_size,
                    opened_at=r.opened_at,
                    closed_at=r.closed_at,
                )
                for r in rows
            ],
        )

    @router.get(
        "/reports/units/{unit_id}",
        summary="Laporan SKM unit per periode: HTML (cetak), CSV atau PDF",
        response_class=Response,
        responses={200: {"content": {"text/html": {}, "text/csv": {}, "application/pdf": {}}}},
    )
    @allow(Role.AUDITOR, Role.UNIT_OPERATOR, unit_param="unit_id")
    async def report(
        unit_id: UnitPath,
        request: Request,
        period: PeriodText | None = Query(default=None),
        service: ServiceFilter | None = Query(default=None),
        format: Literal["html", "csv", "pdf"] = Query(default="html"),
    ) -> Response:
        chosen = parse_period(period, kind)
        found = await _unit_period(app, unit_id, chosen)
        aggregate = found.of(service)
        if aggregate.n == 0:
            raise _no_responses(found.unit, chosen)
        # The official report is Indonesian whatever the browser prefers; ?lang=en on request.
        lang = "en" if request.query_params.get("lang") == "en" else "id"
        return render_report(app, found.unit, chosen, aggregate, service, format, lang)

    return router
