"""HTTP API (read-only): gaps, flags, scheduled programmes, impact, nudges, recommendations.

Everything here reads this service's own database; the state changes only through events.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request

from asn_platform.auth import Role, allow
from asn_platform.contracts.base import Nip, UnitId
from asn_platform.http_errors import ApiError, lang_of
from asn_platform.inputs import Clean, Limit, Offset
from asn_platform.service import ServiceContext
from asn_platform.vocabulary import ElementCode
from asn_recommendations.consumers import ENGINE
from asn_recommendations.engine import Engine
from asn_recommendations.settings import Settings
from asn_recommendations.views import (
    decision_json,
    gap_json,
    impact_view,
    iso,
    person_view,
    pick,
    programme_json,
    unit_view,
)

UnitFilter = Annotated[UnitId | None, Query(description="Only this unit.")]

_GAPS_ALL = """
SELECT * FROM rm_gaps
WHERE ($1::text IS NULL OR unit_id = $1) AND ($2::text IS NULL OR element = $2)
ORDER BY unit_id, element, period_start DESC, gap_key LIMIT $3 OFFSET $4
"""
_GAPS_CURRENT = """
SELECT * FROM (
    SELECT DISTINCT ON (unit_id, element, period_kind) *
    FROM rm_gaps WHERE ($1::text IS NULL OR unit_id = $1) AND ($2::text IS NULL OR element = $2)
    ORDER BY unit_id, element, period_kind, period_start DESC, detected_at DESC, event_id DESC
) latest WHERE status = $5
ORDER BY unit_id, element, period_kind LIMIT $3 OFFSET $4
"""


def router(ctx: ServiceContext[Settings]) -> APIRouter:
    api = APIRouter(prefix="/api/v1", tags=["rekomendasi / recommendations"])

    def engine() -> Engine:
        found: Engine = ctx.extras[ENGINE]
        return found

    async def decisions_for(conn: Any, keys: list[str]) -> dict[str, Any]:
        rows = await conn.fetch("SELECT * FROM gap_decisions WHERE gap_key = ANY($1::text[])", keys)
        return {r["gap_key"]: r for r in rows}

    @api.get(
        "/gaps",
        summary="Kesenjangan layanan / service gaps (open, recovered or all) with decisions",
        description=(
            "open: the unit's element is currently below the threshold (latest period of its "
            "kind); recovered: back above it; all: every announced gap per period."
        ),
    )
    @allow(Role.AUDITOR, Role.ORGANIZER, Role.UNIT_OPERATOR, unit_param="unit_id")
    async def list_gaps(
        request: Request,
        status: Literal["open", "recovered", "all"] = "open",
        unit_id: UnitFilter = None,
        element: ElementCode | None = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        lang = lang_of(request)
        el = element.value if element else None
        async with ctx.pool.acquire() as conn:
            if status == "all":
                rows = await conn.fetch(_GAPS_ALL, unit_id, el, limit, offset)
            else:
                wanted = "opened" if status == "open" else "recovered"
                rows = await conn.fetch(_GAPS_CURRENT, unit_id, el, limit, offset, wanted)
            decisions = await decisions_for(conn, [r["gap_key"] for r in rows])
        return {
            "status": status,
            "items": [
                {**gap_json(r), "decision": decision_json(decisions.get(r["gap_key"]), lang)}
                for r in rows
            ],
        }

    @api.get(
        "/gaps/flagged",
        summary="Diteruskan ke pimpinan / gaps flagged to management (e.g. U9 facilities)",
    )
    @allow(Role.AUDITOR, Role.UNIT_OPERATOR, unit_param="unit_id")
    async def flagged(
        request: Request, unit_id: UnitFilter = None, limit: Limit = 100, offset: Offset = 0
    ) -> dict[str, Any]:
        lang = lang_of(request)
        async with ctx.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT d.*, g.unit_name, g.score_converted, g.mutu, g.sample_size"
                " FROM gap_decisions d LEFT JOIN rm_gaps g USING (gap_key)"
                " WHERE d.outcome = 'flagged' AND ($1::text IS NULL OR d.unit_id = $1)"
                " ORDER BY d.decided_at DESC, d.gap_key LIMIT $2 OFFSET $3",
                unit_id,
                limit,
                offset,
            )
        return {
            "items": [
                {
                    "gap_key": r["gap_key"],
                    "unit_id": r["unit_id"],
                    "unit_name": r["unit_name"],
                    "element": r["element"],
                    "period": r["period"],
                    "score_converted": r["score_converted"],
                    "mutu": r["mutu"],
                    "sample_size": r["sample_size"],
                    **(decision_json(r, lang) or {}),
                }
                for r in rows
            ]
        }

    @api.get("/programmes", summary="Program terjadwal / scheduled targeted programmes")
    @allow(Role.AUDITOR, Role.ORGANIZER, Role.UNIT_OPERATOR, unit_param="unit_id")
    async def programmes(
        request: Request, unit_id: UnitFilter = None, limit: Limit = 100, offset: Offset = 0
    ) -> dict[str, Any]:
        lang = lang_of(request)
        async with ctx.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT * FROM scheduled_programmes WHERE ($1::text IS NULL OR unit_id = $1)"
                " ORDER BY scheduled_at DESC, scheduled_programme_id LIMIT $2 OFFSET $3",
                unit_id,
                limit,
                offset,
            )
            sessions = await conn.fetch(
                "SELECT * FROM scheduled_sessions WHERE scheduled_programme_id = ANY($1::text[])"
                " ORDER BY scheduled_programme_id, session_ref",
                [r["scheduled_programme_id"] for r in rows],
            )
        by_programme: dict[str, list[Any]] = {}
        for s in sessions:
            by_programme.setdefault(s["scheduled_programme_id"], []).append(s)
        return {
            "items": [
                programme_json(r, by_programme.get(r["scheduled_programme_id"], []), lang, False)
                for r in rows
            ]
        }

    @api.get(
        "/programmes/{scheduled_programme_id}",
        summary="Satu program terjadwal dengan peserta / one scheduled programme with cohort",
        responses={404: {"description": "unknown scheduled programme"}},
    )
    @allow(Role.AUDITOR, Role.ORGANIZER)
    async def programme(
        request: Request,
        scheduled_programme_id: Annotated[Clean, Path(min_length=1, max_length=64)],
    ) -> dict[str, Any]:
        async with ctx.pool.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT * FROM scheduled_programmes WHERE scheduled_programme_id = $1",
                scheduled_programme_id,
            )
            if row is None:
                raise ApiError(
                    404,
                    "not_found",
                    "Program terjadwal tidak ditemukan.",
                    "Scheduled programme not found.",
                    {"scheduled_programme_id": scheduled_programme_id},
                )
            sessions = await conn.fetch(
                "SELECT * FROM scheduled_sessions WHERE scheduled_programme_id = $1"
                " ORDER BY session_ref",
                scheduled_programme_id,
            )
        return programme_json(row, list(sessions), lang_of(request), True)

    @api.get(
        "/impact",
        summary="Dampak (Kirkpatrick level 4) / impact: element score before vs after training",
    )
    @allow(Role.AUDITOR, Role.ORGANIZER, Role.UNIT_OPERATOR, unit_param="unit_id")
    async def impact(request: Request, unit_id: UnitFilter = None) -> dict[str, Any]:
        async with ctx.pool.acquire() as conn:
            items = await impact_view(conn, unit_id, lang_of(request))
        return {"items": items}

    @api.get("/nudges", summary="Pengingat / nudges sent to people who declined or missed")
    @allow(Role.AUDITOR, Role.ORGANIZER, Role.ASN, nip_param="nip")
    async def nudges(
        request: Request,
        nip: Annotated[Nip | None, Query(description="Only this person.")] = None,
        programme_code: Annotated[Clean | None, Query(max_length=40)] = None,
        limit: Limit = 100,
        offset: Offset = 0,
    ) -> dict[str, Any]:
        lang = lang_of(request)
        async with ctx.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT * FROM nudges WHERE ($1::text IS NULL OR nip = $1)"
                " AND ($2::text IS NULL OR programme_code = $2)"
                " ORDER BY requested_at DESC, event_id LIMIT $3 OFFSET $4",
                nip,
                programme_code,
                limit,
                offset,
            )
        return {
            "items": [
                {
                    "nudge_id": str(r["event_id"]),
                    "nip": r["nip"],
                    "programme_code": r["programme_code"],
                    "attempt": r["attempt"],
                    "max_reminders": r["max_reminders"],
                    "include_supervisor": r["include_supervisor"],
                    "supervisor_nip": r["supervisor_nip"],
                    "copy_to_hr": r["copy_to_hr"],
                    "register": r["register"],
                    "tone": r["tone"],
                    "message": pick(lang, r["message_id"], r["message_en"]),
                    "message_id": r["message_id"],
                    "message_en": r["message_en"],
                    "enrollment_id": r["enrollment_id"],
                    "requested_at": iso(r["requested_at"]),
                    "converted_at": iso(r["converted_at"]),
                    "converted_status": r["converted_status"],
                }
                for r in rows
            ]
        }

    @api.get(
        "/nudges/conversion",
        summary="Tingkat keberhasilan pengingat / share of nudged people who enrolled after",
        description=(
            "Per person and programme nudged: converted when a later enrollment to enrolled, "
            "attended or completed (or a completion) for that programme arrived."
        ),
    )
    @allow(Role.AUDITOR, Role.ORGANIZER)
    async def conversion() -> dict[str, Any]:
        async with ctx.pool.acquire() as conn:
            rows = await conn.fetch(
                """
                SELECT programme_code, count(*) AS nudged,
                       count(*) FILTER (WHERE converted) AS converted, sum(sent) AS nudges_sent
                FROM (SELECT nip, programme_code, count(*) AS sent,
                             bool_or(converted_at IS NOT NULL) AS converted
                      FROM nudges GROUP BY nip, programme_code) pairs
                GROUP BY programme_code ORDER BY programme_code
                """
            )
            escalated = await conn.fetchval("SELECT count(*) FROM nudge_escalations")
            pending = await conn.fetchval("SELECT count(*) FROM pending_nudges")
        nudged = sum(r["nudged"] for r in rows)
        converted = sum(r["converted"] for r in rows)
        rate = converted / nudged if nudged else None
        shown = f"{rate * 100:.1f}".replace(".", ",") + "%" if rate is not None else "-"
        return {
            "people_nudged": nudged,
            "people_converted": converted,
            "conversion_rate": rate,
            "nudges_sent": sum(int(r["nudges_sent"]) for r in rows),
            "escalations": escalated,
            "waiting_for_profile": pending,
            "summary_id": f"{converted} dari {nudged} pegawai yang diingatkan kemudian "
            f"mendaftar atau hadir ({shown}).",
            "summary_en": f"{converted} of {nudged} nudged staff enrolled or attended "
            f"afterwards ({shown.replace(',', '.')}).",
            "by_programme": [
                {
                    "programme_code": r["programme_code"],
                    "people_nudged": r["nudged"],
                    "people_converted": r["converted"],
                    "conversion_rate": r["converted"] / r["nudged"] if r["nudged"] else None,
                }
                for r in rows
            ],
        }

    @api.get(
        "/nudges/escalations",
        summary="Eskalasi / reminders used up: supervisor and BKPSDM to follow up in person",
    )
    @allow(Role.AUDITOR, Role.ORGANIZER)
    async def escalations(
        request: Request, limit: Limit = 100, offset: Offset = 0
    ) -> dict[str, Any]:
        lang = lang_of(request)
        async with ctx.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT * FROM nudge_escalations ORDER BY escalated_at DESC, trigger_event_id"
                " LIMIT $1 OFFSET $2",
                limit,
                offset,
            )
        return {
            "items": [
                {
                    "nip": r["nip"],
                    "programme_code": r["programme_code"],
                    "reminders_sent": r["reminders_sent"],
                    "non_attendances": r["non_attendances"],
                    "supervisor_nip": r["supervisor_nip"],
                    "message": pick(lang, r["message_id"], r["message_en"]),
                    "message_id": r["message_id"],
                    "message_en": r["message_en"],
                    "escalated_at": iso(r["escalated_at"]),
                }
                for r in rows
            ]
        }

    @api.get(
        "/asn/{nip}/recommendations",
        summary="Rekomendasi untuk satu ASN / ranked, explained recommendations for one person",
        responses={404: {"description": "NIP not in the roster seen by this service"}},
    )
    @allow(Role.AUDITOR, Role.ASN, nip_param="nip")
    async def for_person(request: Request, nip: Annotated[Nip, Path()]) -> dict[str, Any]:
        async with ctx.pool.acquire() as conn:
            view = await person_view(conn, engine(), nip, lang_of(request))
        if view is None:
            raise ApiError(
                404,
                "unknown_nip",
                "NIP tidak dikenal oleh layanan rekomendasi.",
                "NIP not known to the recommendations service.",
            )
        return view

    @api.get(
        "/units/{unit_id}/recommendations",
        summary="Kebutuhan pelatihan unit / a unit's gaps, decisions and staff recommendations",
    )
    @allow(Role.AUDITOR, Role.ORGANIZER, Role.UNIT_OPERATOR, unit_param="unit_id")
    async def for_unit(
        request: Request,
        unit_id: Annotated[UnitId, Path()],
        people_limit: Annotated[int, Query(ge=0, le=1000)] = 50,
    ) -> dict[str, Any]:
        async with ctx.pool.acquire() as conn:
            return await unit_view(conn, engine(), unit_id, lang_of(request), people_limit)

    @api.get("/rules", summary="Aturan yang berlaku / the rules in force (version, settings)")
    @allow(Role.AUDITOR, Role.ORGANIZER)
    async def rules(request: Request) -> dict[str, Any]:
        rs = engine().rules
        s = rs.settings
        lang = lang_of(request)
        return {
            "version": rs.version,
            "source": rs.source,
            "settings": {
                "cooldown_days": s.cooldown_days,
                "lead_time_days": s.lead_time_days,
                "max_sessions_per_gap": s.max_sessions_per_gap,
                "nudges": {
                    "max_per_programme": s.nudges.max_per_programme,
                    "supervisor_after_declines": s.nudges.supervisor_after_declines,
                    "tone": s.nudges.tone.value,
                },
            },
            "rules": [
                {
                    "line": r.line,
                    "element": r.element.value,
                    "bidang": r.bidang.value if r.bidang else None,
                    "action": r.action.value,
                    "competencies": list(r.competencies),
                    "programmes": list(r.programmes),
                    "positions": sorted(p.value for p in r.positions) if r.positions else None,
                    "rationale": pick(lang, r.rationale_id, r.rationale_en),
                }
                for r in rs.rules
            ],
        }

    return api
