"""Self-service for a civil servant: JP progress, invitations, recommendations, certificates,
history."""

from __future__ import annotations

from typing import Any

from asn_console.clients import UserApi
from asn_console.domain.charts import jp_chart
from asn_console.views.certificates import my_certificates


async def me_view(api: UserApi, nip: str, problem: str | None, lang: str) -> dict[str, Any]:
    person, enrollments, jp, recs, nudges, sessions, certificates = await api.gather(
        api.maybe("enrollment", f"/api/v1/asn/{nip}", None),
        api.maybe("enrollment", f"/api/v1/asn/{nip}/enrollments", []),
        api.maybe("enrollment", f"/api/v1/asn/{nip}/jp", None),
        api.maybe("recommendations", f"/api/v1/asn/{nip}/recommendations", None),
        api.maybe("recommendations", "/api/v1/nudges", {"items": []}, nip=nip),
        api.maybe("enrollment", "/api/v1/sessions", []),
        my_certificates(api, nip),
    )
    return {
        "person": person,
        "invitations": [e for e in enrollments if e["status"] == "invited"],
        "enrollments": enrollments,
        "sessions": {s["id"]: s for s in sessions},
        "jp": jp,
        "recs": recs,
        "nudges": nudges.get("items", []),
        "problem": problem,
        "jp_chart": jp_chart(jp, lang),
        "certificates": certificates,
    }
