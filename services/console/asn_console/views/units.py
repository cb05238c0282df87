"""Service units: the list, a unit's page and its report downloads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from asn_console.clients import ServiceError, UserApi, json_of
from asn_console.domain.charts import element_chart, impact_chart, respondent_charts
from asn_console.domain.periods import previous_periods
from asn_console.domain.processing import MUTU_COLOURS, THRESHOLD, processing_table

REPORT_FORMATS = ("html", "csv", "pdf")


async def units_view(api: UserApi) -> dict[str, Any]:
    listed = await api.get("surveys", "/api/v1/units")
    return {"units": listed.get("units", [])}


async def unit_view(api: UserApi, unit_id: str, period: str | None, lang: str) -> dict[str, Any]:
    ikm, gaps, programmes, impact, jp = await api.gather(
        api.get("surveys", f"/api/v1/ikm/units/{unit_id}", period=period),
        api.maybe("surveys", "/api/v1/gaps", {"gaps": []}, unit_id=unit_id, open_only="false"),
        api.maybe("recommendations", "/api/v1/programmes", {"items": []}, unit_id=unit_id),
        api.maybe("recommendations", "/api/v1/impact", {"items": []}, unit_id=unit_id),
        api.maybe("enrollment", f"/api/v1/jp/units/{unit_id}", None),
    )
    charts = {
        "elements": element_chart(ikm.get("elements", []), lang),
        **respondent_charts(ikm.get("respondents", {}), lang),
    }
    impact_items = impact.get("items", [])
    if impact_items:
        charts["impact"] = impact_chart(impact_items, lang)
    return {
        "unit_id": unit_id,
        "ikm": ikm,
        "table": processing_table(ikm),
        "gaps": gaps.get("gaps", []),
        "threshold": gaps.get("threshold", THRESHOLD),
        "programmes": programmes.get("items", []),
        "impact": impact_items,
        "jp": jp,
        "charts": charts,
        "period_options": previous_periods(ikm["period"]["key"], 4)[::-1],
        "mutu_colours": MUTU_COLOURS,
    }


@dataclass(frozen=True)
class Download:
    content: bytes
    media_type: str | None
    headers: dict[str, str]


async def unit_report(
    api: UserApi, unit_id: str, ext: str, period: str | None, lang: str
) -> Download:
    """The surveys' printable report of a unit, passed through (its file name and CSP kept)."""
    params = {"format": ext, **({"period": period} if period else {})}
    if lang == "en":
        params["lang"] = "en"
    r = await api.raw("surveys", "GET", f"/api/v1/reports/units/{unit_id}", params=params)
    if r.status_code != 200:
        raise ServiceError("surveys", r.status_code, json_of(r))
    headers = {
        k: v for k, v in r.headers.items()
        if k.lower() in ("content-disposition", "content-security-policy")
    }  # fmt: skip
    return Download(r.content, r.headers.get("content-type"), headers)
