"""The processing table per respondent (domain/respondents.py): a page as JSON for screens, the
whole period as CSV (semicolons, decimal comma) for spreadsheets. Scoped like the unit's IKM."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from asn_platform.auth import Role, allow
from asn_platform.http_errors import lang_of
from asn_platform.inputs import Limit, Offset
from asn_platform.timezone import to_jakarta
from asn_platform.vocabulary import ELEMENTS
from asn_surveys.api import models
from asn_surveys.api.common import PeriodText, ServiceFilter, UnitPath, parse_period, unit_not_found
from asn_surveys.api.ikm import PERIOD_HELP, TAG_IKM, _no_responses, _unit_period
from asn_surveys.api.presenters import period_json
from asn_surveys.domain.ikm import ELEMENT_CODES
from asn_surveys.domain.respondents import (
    RespondentRow,
    csv_footer,
    csv_header,
    csv_row,
    element_figures,
)
from asn_surveys.domain.units import UnitNotFound
from asn_surveys.handlers import queries

if TYPE_CHECKING:
    from asn_surveys.bootstrap import Surveys


def _respondent(row: RespondentRow) -> dict[str, Any]:
    return {
        "no": row.number,
        "submitted_at": to_jakarta(row.submitted_at).isoformat(),
        "service": row.service,
        "values": {c.value: v for c, v in zip(ELEMENT_CODES, row.values, strict=True)},
    }


def _table(
    found: queries.UnitPeriod, rows: list[RespondentRow], service: str | None, lang: str
) -> dict[str, Any]:
    aggregate = found.of(service)
    result = aggregate.ikm(found.unit.weights) if aggregate.n else None
    elements = [
        {
            "code": f.code,
            "name": ELEMENTS[ELEMENT_CODES[i]].name_en
            if lang == "en"
            else ELEMENTS[ELEMENT_CODES[i]].name_id,
            "total": f.total,
            "nrr": round(float(f.nrr), 3),
            "weight": str(f.weight),
            "weighted_nrr": round(float(f.weighted), 3),
        }
        for i, f in enumerate(element_figures(result) if result else ())
    ]
    return {
        "unit_id": found.unit.unit_id,
        "unit_name": found.unit.name,
        "service": service or None,
        "total": aggregate.n,
        "respondents": [_respondent(r) for r in rows],
        "elements": elements,
        "ikm": float(result.ikm_display) if result else None,
        "ikm_converted": float(result.converted_display) if result else None,
        "mutu": result.mutu.value if result else None,
    }


def respondents_router(app: Surveys) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=[TAG_IKM])
    kind = app.policy.kind

    @router.get(
        "/ikm/units/{unit_id}/respondents",
        response_model=models.RespondentTable,
        summary="Tabel pengolahan per responden (U1..U9, jumlah, NRR, NRR tertimbang, IKM)",
    )
    @allow(Role.AUDITOR, Role.UNIT_OPERATOR, unit_param="unit_id")
    async def respondents(
        unit_id: UnitPath,
        request: Request,
        period: PeriodText | None = Query(default=None, description=PERIOD_HELP),
        service: ServiceFilter | None = Query(default=None),
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        chosen = parse_period(period, kind)
        try:
            found, rows = await queries.respondent_page(
                app.units, unit_id, chosen, service, limit, offset
            )
        except UnitNotFound:
            raise unit_not_found(unit_id) from None
        lang = lang_of(request)
        body = _table(found, rows, service, lang)
        return {**body, "period": period_json(chosen, lang), "limit": limit, "offset": offset}

    @router.get(
        "/ikm/units/{unit_id}/respondents.csv",
        summary="Tabel pengolahan per responden, seluruh periode, CSV (titik koma, koma desimal)",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/csv": {}}}},
    )
    @allow(Role.AUDITOR, Role.UNIT_OPERATOR, unit_param="unit_id")
    async def respondents_csv(
        unit_id: UnitPath,
        period: PeriodText | None = Query(default=None, description=PERIOD_HELP),
        service: ServiceFilter | None = Query(default=None),
    ) -> StreamingResponse:
        chosen = parse_period(period, kind)
        found = await _unit_period(app, unit_id, chosen)
        aggregate = found.of(service)
        if aggregate.n == 0:
            raise _no_responses(found.unit, chosen)
        result = aggregate.ikm(found.unit.weights)

        async def lines() -> AsyncIterator[str]:
            yield "\ufeff" + csv_header()  # BOM: spreadsheets then read UTF-8 names right
            async for row in queries.all_respondents(app.units, unit_id, chosen, service):
                yield csv_row(row)
            yield csv_footer(result)

        name = f"pengolahan-skm-{unit_id}-{chosen.key}.csv"
        return StreamingResponse(
            lines(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    return router
