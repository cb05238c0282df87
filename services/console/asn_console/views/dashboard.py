"""The city dashboard."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from asn_console.clients import UserApi
from asn_console.domain.charts import dashboard_charts, nudge_chart
from asn_console.domain.periods import previous_periods
from asn_console.domain.processing import MUTU_COLOURS


async def _trend(api: UserApi, key: str) -> list[tuple[str, float | None]]:
    """The city IKM over the four periods ending with `key`."""
    found = await api.gather(
        *(
            api.maybe("surveys", "/api/v1/ikm/city", None, period=k)
            for k in previous_periods(key, 4)
        )
    )
    return [
        (t["period"]["label"], t.get("ikm_converted") if t and t.get("n") else None) for t in found
    ]


async def dashboard_view(
    api: UserApi, period: str | None, lang: str, now: datetime
) -> dict[str, Any]:
    city, gaps, jp_units, programmes, conversion, sessions = await api.gather(
        api.get("surveys", "/api/v1/ikm/city", period=period),
        api.maybe("recommendations", "/api/v1/gaps", {"items": []}),
        api.maybe("enrollment", "/api/v1/jp/units", []),
        api.maybe("recommendations", "/api/v1/programmes", {"items": []}),
        api.maybe("recommendations", "/api/v1/nudges/conversion", None),
        api.maybe("enrollment", "/api/v1/sessions", []),
    )
    trend = await _trend(api, city["period"]["key"])
    units = sorted(city.get("units", []), key=lambda u: -(u.get("ikm_converted") or 0))
    by_element = Counter(g["element"] for g in gaps.get("items", []))
    elements = [e["code"] for e in city.get("elements", [])] or [f"U{i}" for i in range(1, 10)]
    charts = dashboard_charts(units, trend, by_element, elements, jp_units, lang)
    if conversion:
        charts["nudges"] = nudge_chart(conversion, lang)
    return {
        "city": city,
        "units": units,
        "gaps": gaps.get("items", []),
        "jp_units": jp_units,
        "programmes": programmes.get("items", []),
        "sessions_in_flight": [s for s in sessions if datetime.fromisoformat(s["ends_at"]) >= now],
        "conversion": conversion,
        "charts": charts,
        "mutu_colours": MUTU_COLOURS,
    }
