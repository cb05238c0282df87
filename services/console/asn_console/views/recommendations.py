"""Recommendations: gaps with their decision, flagged gaps, nudges, escalations, conversion."""

from __future__ import annotations

from typing import Any

from asn_console.clients import UserApi
from asn_console.domain.access import city_wide
from asn_console.views import constant
from asn_platform.auth.principal import Principal

EMPTY: dict[str, Any] = {"items": []}


async def recommendations_view(api: UserApi, p: Principal, unit: str | None) -> dict[str, Any]:
    wide = city_wide(p)
    rec = "recommendations"
    flagged_call = (
        api.maybe(rec, "/api/v1/gaps/flagged", EMPTY, unit_id=unit)
        if p.has("admin", "auditor", "unit-operator") else constant(EMPTY)
    )  # fmt: skip
    gaps, flagged, nudges, escalations, conversion = await api.gather(
        api.maybe(rec, "/api/v1/gaps", EMPTY, unit_id=unit, status="all"),
        flagged_call,
        api.maybe(rec, "/api/v1/nudges", EMPTY) if wide else constant(EMPTY),
        api.maybe(rec, "/api/v1/nudges/escalations", EMPTY) if wide else constant(EMPTY),
        api.maybe(rec, "/api/v1/nudges/conversion", None) if wide else constant(None),
    )
    return {
        "gaps": gaps.get("items", []),
        "flagged": flagged.get("items", []),
        "nudges": nudges.get("items", []),
        "escalations": escalations.get("items", []),
        "conversion": conversion,
        "unit_id": unit or "",
    }
