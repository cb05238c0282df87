"""People: roster search, who is below 20 JP (CSV), a person's page, deactivation."""

from __future__ import annotations

import csv
import io
from typing import Any

from asn_console.clients import UserApi
from asn_console.domain import formatting as fmt
from asn_console.domain.access import city_wide
from asn_console.domain.charts import jp_chart
from asn_console.domain.text import pick
from asn_platform.auth.principal import Principal


def _matching(items: list[dict[str, Any]], q: str | None) -> list[dict[str, Any]]:
    if not q:
        return items
    needle = q.strip().lower()
    return [i for i in items if needle in i["name"].lower() or needle in i["nip"]]


async def people_view(
    api: UserApi, p: Principal, q: str | None, unit: str | None
) -> dict[str, Any]:
    found = await api.get("enrollment", "/api/v1/asn", unit_id=unit, limit=1000)
    items = _matching(found.get("items", []), q)
    below = None
    if unit and p.has("admin", "auditor", "unit-operator"):
        below = await api.maybe("enrollment", f"/api/v1/jp/units/{unit}", None)
    units = await api.maybe("surveys", "/api/v1/units", {"units": []})
    return {
        "people": items[:200],
        "total": len(items),
        "q": q or "",
        "unit_id": unit or "",
        "below": below,
        "units": units.get("units", []),
        "unit_locked": not city_wide(p),
    }


async def below_20_csv(api: UserApi, unit_id: str) -> tuple[str, str]:
    """(file name, CSV text): semicolons and decimal commas, as Indonesian spreadsheets read."""
    found = await api.get("enrollment", f"/api/v1/jp/units/{unit_id}")
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["nip", "nama", "jp", "kekurangan_jp", "tahun"])
    for b in found.get("below", []):
        writer.writerow(
            [b["nip"], b["name"], fmt.number(b["jp"], 0), fmt.number(b["shortfall"], 0),
             found["year"]]
        )  # fmt: skip
    return f"dibawah-20-jp-{unit_id}-{found['year']}.csv", "\ufeff" + out.getvalue()


async def deactivate(api: UserApi, nip: str, lang: str) -> str:
    """Deactivate a person (moved, retired); enrollment cancels the seats they hold."""
    done = await api.call("enrollment", "DELETE", f"/api/v1/asn/{nip}")
    n = len(done.get("cancelled_enrollments", []))
    return pick((f"Dinonaktifkan; {n} kursi dibatalkan.", f"Deactivated; {n} seats cancelled."),
                lang)  # fmt: skip


async def person_view(api: UserApi, nip: str, lang: str) -> dict[str, Any]:
    person = await api.get("enrollment", f"/api/v1/asn/{nip}")
    enrollments, jp, recs = await api.gather(
        api.maybe("enrollment", f"/api/v1/asn/{nip}/enrollments", []),
        api.maybe("enrollment", f"/api/v1/asn/{nip}/jp", None),
        api.maybe("recommendations", f"/api/v1/asn/{nip}/recommendations", None),
    )
    return {"person": person, "enrollments": enrollments, "jp": jp, "recs": recs,
            "jp_chart": jp_chart(jp, lang)}  # fmt: skip
