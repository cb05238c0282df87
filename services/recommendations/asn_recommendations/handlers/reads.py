"""The read side: what the HTTP API and the request/reply answer show. Each function reads in
one connection (no transaction, nothing published) and returns JSON-ready data; None where the
thing asked for is unknown (the caller answers 404 or a refusal)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import asyncpg

from asn_platform.periods import Period
from asn_platform.uow import UnitsOfWork
from asn_platform.vocabulary import ANNUAL_JP_MINIMUM, ElementCode
from asn_recommendations.domain.catalogue import Catalogue, fitting_programmes
from asn_recommendations.domain.facts import Gap, StaffProfile
from asn_recommendations.domain.impact import measure_impact
from asn_recommendations.domain.recommend import jp_status_en, jp_status_id
from asn_recommendations.domain.rules import RuleAction
from asn_recommendations.handlers.deps import Deps
from asn_recommendations.handlers.presenters import (
    conversion_json,
    decision_json,
    escalation_json,
    flagged_json,
    gap_json,
    impact_json,
    iso,
    nudge_json,
    pick,
    programme_json,
    recommendation_json,
    rules_json,
)
from asn_recommendations.handlers.recommendations import recommend
from asn_recommendations.store import queries as q
from asn_recommendations.store import views
from asn_recommendations.store.catalogue import active_programmes
from asn_recommendations.store.conn import Conn

GAP_STATUS = {"open": "opened", "recovered": "recovered", "all": None}


async def list_gaps(
    units: UnitsOfWork,
    *,
    status: str,
    unit_id: str | None,
    element: str | None,
    limit: int,
    offset: int,
    lang: str,
) -> dict[str, Any]:
    async with units.reading() as conn:
        rows = await views.gap_rows(
            conn,
            status=GAP_STATUS[status],
            unit_id=unit_id,
            element=element,
            limit=limit,
            offset=offset,
        )
        decisions = await views.decisions_by_gap(conn, [r["gap_key"] for r in rows])
    return {
        "status": status,
        "items": [
            {**gap_json(r), "decision": decision_json(decisions.get(r["gap_key"]), lang)}
            for r in rows
        ],
    }


async def flagged_gaps(
    units: UnitsOfWork, unit_id: str | None, limit: int, offset: int, lang: str
) -> dict[str, Any]:
    async with units.reading() as conn:
        rows = await views.flagged_rows(conn, unit_id, limit, offset)
    return {"items": [flagged_json(r, lang) for r in rows]}


async def scheduled_programmes(
    units: UnitsOfWork, unit_id: str | None, limit: int, offset: int, lang: str
) -> dict[str, Any]:
    async with units.reading() as conn:
        rows = await views.scheduled_programme_rows(conn, unit_id, limit, offset)
        sessions = await views.session_rows(conn, [r["scheduled_programme_id"] for r in rows])
    by_programme: dict[str, list[asyncpg.Record]] = {}
    for s in sessions:
        by_programme.setdefault(s["scheduled_programme_id"], []).append(s)
    return {
        "items": [
            programme_json(r, by_programme.get(r["scheduled_programme_id"], []), lang, False)
            for r in rows
        ]
    }


async def scheduled_programme(
    units: UnitsOfWork, scheduled_programme_id: str, lang: str
) -> dict[str, Any] | None:
    async with units.reading() as conn:
        row = await views.scheduled_programme_row(conn, scheduled_programme_id)
        if row is None:
            return None
        sessions = await views.session_rows(conn, [scheduled_programme_id])
    return programme_json(row, sessions, lang, True)


async def nudges(
    units: UnitsOfWork,
    nip: str | None,
    programme_code: str | None,
    limit: int,
    offset: int,
    lang: str,
) -> dict[str, Any]:
    async with units.reading() as conn:
        rows = await views.nudge_rows(conn, nip, programme_code, limit, offset)
    return {"items": [nudge_json(r, lang) for r in rows]}


async def nudge_conversion(units: UnitsOfWork) -> dict[str, Any]:
    async with units.reading() as conn:
        rows, escalated, pending = await views.conversion_rows(conn)
    return conversion_json(rows, escalated, pending)


async def escalations(units: UnitsOfWork, limit: int, offset: int, lang: str) -> dict[str, Any]:
    async with units.reading() as conn:
        rows = await views.escalation_rows(conn, limit, offset)
    return {"items": [escalation_json(r, lang) for r in rows]}


def rules_in_force(deps: Deps, lang: str) -> dict[str, Any]:
    return rules_json(deps.rules, lang)


# -- people and units ---------------------------------------------------------------------------


async def person_view(units: UnitsOfWork, deps: Deps, nip: str, lang: str) -> dict[str, Any] | None:
    """A person's ranked recommendations with reasons and the data behind them; None if the
    NIP is not in the roster this service has seen."""
    async with units.reading() as conn:
        person = await q.profile(conn, nip)
        if person is None:
            return None
        catalogue = await active_programmes(conn)
        record, recs = await recommend(conn, deps, person, catalogue)
    now = deps.clock()
    jp = record.jp_this_year
    short = max(0.0, ANNUAL_JP_MINIMUM - jp)
    status_id = (
        jp_status_id(now.year, jp) + "."
        if short
        else f"JP Anda tahun {now.year} sudah memenuhi minimal {ANNUAL_JP_MINIMUM} JP."
    )
    status_en = (
        jp_status_en(now.year, jp) + "."
        if short
        else f"Your JP for {now.year} meets the {ANNUAL_JP_MINIMUM} JP minimum."
    )
    return {
        "nip": person.nip,
        "unit_id": person.unit_id,
        "active": person.active,
        "position_type": person.position_type.value,
        "year": now.year,
        "jp_this_year": jp,
        "jp_minimum": ANNUAL_JP_MINIMUM,
        "jp_shortfall": short,
        "jp_status": pick(lang, status_id, status_en),
        "jp_status_id": status_id,
        "jp_status_en": status_en,
        "completed": [
            {"programme_code": c.programme_code, "completed_on": iso(c.completed_on)}
            for c in record.completed
        ],
        "items": [recommendation_json(r, lang) for r in recs],
        "rules_version": deps.rules.version,
        "generated_at": iso(now),
    }


def _rule_json(deps: Deps, gap: Gap, catalogue: Catalogue, lang: str) -> dict[str, Any] | None:
    rule = deps.rules.rule_for(gap.element, gap.bidang)
    if rule is None:
        return None
    fitting = fitting_programmes(rule.programmes, gap.bidang, catalogue)
    return {
        "action": rule.action.value,
        "line": rule.line,
        "competencies": list(rule.competencies),
        "programmes": [{"programme_code": p.code, "title": p.title, "jp": p.jp} for p in fitting]
        if rule.action is RuleAction.SCHEDULE
        else [],
        "rationale": pick(lang, rule.rationale_id, rule.rationale_en),
        "rationale_id": rule.rationale_id,
        "rationale_en": rule.rationale_en,
    }


async def _staff_needs(
    conn: Conn,
    deps: Deps,
    staff: list[StaffProfile],
    open_gaps: list[Gap],
    catalogue: Catalogue,
    lang: str,
) -> tuple[list[dict[str, Any]], int, Counter[str]]:
    """Each person's top three, how many are below the JP minimum, the programmes in demand."""
    records = await q.learning_records(conn, [p.nip for p in staff], deps.clock().year)
    people: list[dict[str, Any]] = []
    below_minimum = 0
    demand: Counter[str] = Counter()
    for person in staff:
        record, recs = await recommend(
            conn, deps, person, catalogue, records.get(person.nip), limit=3, unit_gaps=open_gaps
        )
        demand.update(r.programme_code for r in recs)
        below_minimum += record.jp_this_year < ANNUAL_JP_MINIMUM
        people.append(
            {
                "nip": person.nip,
                "name": person.name,
                "position_type": person.position_type.value,
                "jp_this_year": record.jp_this_year,
                "top": [
                    {
                        "rank": r.rank,
                        "programme_code": r.programme_code,
                        "title": r.title,
                        "score": r.score,
                        "reason": pick(lang, r.reason_id, r.reason_en),
                    }
                    for r in recs
                ],
            }
        )
    people.sort(key=lambda p: (p["jp_this_year"], p["nip"]))
    return people, below_minimum, demand


async def unit_view(
    units: UnitsOfWork, deps: Deps, unit_id: str, lang: str, people_limit: int
) -> dict[str, Any] | None:
    """What the unit needs: its open gaps with the rule's answer and what was decided, and
    the staff's personal recommendations (most in need first) with the programmes in demand;
    None for a unit never seen (no survey, gap or staff)."""
    async with units.reading() as conn:
        unit = await views.unit_row(conn, unit_id)
        staff_all = await q.staff_of_unit(conn, unit_id)
        if unit is None and not staff_all:
            return None
        catalogue = await active_programmes(conn)
        gap_rows = await q.current_gap_rows(conn, unit_id, "opened")
        decisions = await views.decisions_of_unit(conn, unit_id)
        open_gaps = [q.gap_of(r) for r in gap_rows]
        staff = [p for p in staff_all if p.active]
        people, below_minimum, demand = await _staff_needs(
            conn, deps, staff, open_gaps, catalogue, lang
        )
    gaps = [
        {
            **gap_json(row),
            "decision": decision_json(decisions.get(row["gap_key"]), lang),
            "rule": _rule_json(deps, gap, catalogue, lang),
        }
        for row, gap in zip(gap_rows, open_gaps, strict=True)
    ]
    return {
        "unit_id": unit_id,
        "unit_name": unit["unit_name"] if unit else None,
        "bidang": unit["bidang"] if unit else None,
        "open_gaps": gaps,
        "staff_active": len(staff),
        "staff_below_jp_minimum": below_minimum,
        "programme_demand": [
            {"programme_code": code, "title": catalogue[code].title, "people": count}
            for code, count in sorted(demand.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "people": people[:people_limit],
        "people_total": len(people),
        "rules_version": deps.rules.version,
    }


# -- impact -------------------------------------------------------------------------------------

_NOT_COMPLETED_ID = "Program belum selesai diikuti; dampaknya belum dapat diukur."
_NOT_COMPLETED_EN = "Nobody has completed the programme yet; its impact cannot be measured."


async def _impact_of(conn: Conn, p: asyncpg.Record, lang: str) -> dict[str, Any]:
    base = {
        "scheduled_programme_id": p["scheduled_programme_id"],
        "unit_id": p["unit_id"],
        "element": p["element"],
        "gap_period": p["period"],
        "programme_code": p["programme_code"],
        "completions": p["completions"],
    }
    if not p["completions"]:
        return {
            **base,
            "status": "not_completed",
            "summary": pick(lang, _NOT_COMPLETED_ID, _NOT_COMPLETED_EN),
            "summary_id": _NOT_COMPLETED_ID,
            "summary_en": _NOT_COMPLETED_EN,
        }
    # Completions may precede the planned dates if enrollment moved the sessions.
    first_day = min(p["first_day"], p["first_completed_on"])
    scores = await q.element_scores(conn, p["unit_id"], p["element"], p["period_kind"])
    result = measure_impact(
        unit_id=p["unit_id"],
        element=ElementCode(p["element"]),
        programme_code=p["programme_code"],
        first_session_day=first_day,
        completed_on=p["last_completed_on"],
        scores=scores,
        unit_name=p["unit_name"] or "",
        gap_period=Period.parse(p["period"]),
    )
    return {**base, "completed_on": iso(p["last_completed_on"]), **impact_json(result, lang)}


async def impact(units: UnitsOfWork, unit_id: str | None, lang: str) -> dict[str, Any]:
    """Kirkpatrick level 4 per scheduled programme: the unit's element score in the gap's period
    (else the last before the first session) against the first adequate period after completion."""
    async with units.reading() as conn:
        rows = await views.programmes_with_completions(conn, unit_id)
        return {"items": [await _impact_of(conn, p, lang) for p in rows]}
