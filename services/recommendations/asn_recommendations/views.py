"""JSON answers shared by the HTTP API and the request/reply responder.

Texts come in pairs, Indonesian first (`*_id`) and English (`*_en`); `reason`/`summary` hold the
one in the language asked for (?lang=en, Accept-Language, or the RPC's "lang"). Dates and
times are Asia/Jakarta.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

import asyncpg

from asn_platform.http_errors import ApiError
from asn_platform.periods import Period
from asn_platform.timezone import to_jakarta
from asn_platform.vocabulary import ANNUAL_JP_MINIMUM, ELEMENTS, ElementCode
from asn_recommendations.domain.catalogue import fitting_programmes
from asn_recommendations.domain.impact import ElementScore, ImpactResult, measure_impact
from asn_recommendations.domain.recommend import Recommendation, jp_status_en, jp_status_id
from asn_recommendations.domain.rules import RuleAction
from asn_recommendations.engine import Engine
from asn_recommendations.store import queries as q
from asn_recommendations.store.conn import Conn


def iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return to_jakarta(value).isoformat()
    return value.isoformat()


def pick(lang: str, text_id: str, text_en: str) -> str:
    return text_en if lang == "en" else text_id


def recommendation_json(r: Recommendation, lang: str) -> dict[str, Any]:
    return {
        "rank": r.rank,
        "programme_code": r.programme_code,
        "title": r.title,
        "jp": r.jp,
        "score": r.score,
        "reason": pick(lang, r.reason_id, r.reason_en),
        "reason_id": r.reason_id,
        "reason_en": r.reason_en,
        "reasons": [
            {
                "kind": reason.kind.value,
                "weight": reason.weight,
                "reason_id": reason.reason_id,
                "reason_en": reason.reason_en,
                "data": dict(reason.data),
            }
            for reason in r.reasons
        ],
        "evidence": r.evidence,
    }


async def person_view(conn: Conn, engine: Engine, nip: str, lang: str) -> dict[str, Any] | None:
    """A person's ranked recommendations with reasons and the data behind them; None if the
    NIP is not in the roster this service has seen."""
    person = await q.profile(conn, nip)
    if person is None:
        return None
    record, recs = await engine.recommend(conn, person)
    now = engine.clock()
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
        "rules_version": engine.rules.version,
        "generated_at": iso(now),
    }


async def unit_view(
    conn: Conn, engine: Engine, unit_id: str, lang: str, people_limit: int
) -> dict[str, Any]:
    """What the unit needs: its open gaps with the rule's answer and what was decided, and
    the staff's personal recommendations (most in need first) with the programmes in demand."""
    unit = await conn.fetchrow("SELECT * FROM rm_units WHERE unit_id = $1", unit_id)
    staff_all = await q.staff_of_unit(conn, unit_id)
    if unit is None and not staff_all:
        raise ApiError(
            404,
            "unknown_unit",
            "Unit belum dikenal: belum ada survei, kesenjangan, atau pegawai untuk unit ini.",
            "Unknown unit: no survey, gap or staff seen for it yet.",
            {"unit_id": unit_id},
        )
    gap_rows = await q.current_gap_rows(conn, unit_id, "opened")
    decisions = {
        r["gap_key"]: r
        for r in await conn.fetch("SELECT * FROM gap_decisions WHERE unit_id = $1", unit_id)
    }
    gaps = []
    for row in gap_rows:
        gap = q.gap_of(row)
        rule = engine.rules.rule_for(gap.element, gap.bidang)
        rule_json: dict[str, Any] | None = None
        if rule is not None:
            rule_json = {
                "action": rule.action.value,
                "line": rule.line,
                "competencies": list(rule.competencies),
                "programmes": [
                    {"programme_code": p.code, "title": p.title, "jp": p.jp}
                    for p in fitting_programmes(rule.programmes, gap.bidang, engine.catalogue)
                ]
                if rule.action is RuleAction.SCHEDULE
                else [],
                "rationale": pick(lang, rule.rationale_id, rule.rationale_en),
                "rationale_id": rule.rationale_id,
                "rationale_en": rule.rationale_en,
            }
        gaps.append(
            {
                **gap_json(row),
                "decision": decision_json(decisions.get(row["gap_key"]), lang),
                "rule": rule_json,
            }
        )
    staff = [p for p in staff_all if p.active]
    records = await q.learning_records(conn, [p.nip for p in staff], engine.clock().year)
    open_gaps = [q.gap_of(r) for r in gap_rows]
    people: list[dict[str, Any]] = []
    below_minimum = 0
    demand: Counter[str] = Counter()
    for person in staff:
        record, recs = await engine.recommend(
            conn, person, records.get(person.nip), limit=3, unit_gaps=open_gaps
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
    return {
        "unit_id": unit_id,
        "unit_name": unit["unit_name"] if unit else None,
        "bidang": unit["bidang"] if unit else None,
        "open_gaps": gaps,
        "staff_active": len(staff),
        "staff_below_jp_minimum": below_minimum,
        "programme_demand": [
            {
                "programme_code": code,
                "title": engine.catalogue[code].title,
                "people": count,
            }
            for code, count in sorted(demand.items(), key=lambda kv: (-kv[1], kv[0]))
        ],
        "people": people[:people_limit],
        "people_total": len(people),
        "rules_version": engine.rules.version,
    }


def gap_json(row: asyncpg.Record) -> dict[str, Any]:
    element = ElementCode(row["element"])
    return {
        "gap_key": row["gap_key"],
        "unit_id": row["unit_id"],
        "unit_name": row["unit_name"],
        "bidang": row["bidang"],
        "element": element.value,
        "element_name_id": ELEMENTS[element].name_id,
        "element_name_en": ELEMENTS[element].name_en,
        "period": row["period"],
        "status": row["status"],
        "score_nrr": row["score_nrr"],
        "score_converted": row["score_converted"],
        "mutu": row["mutu"],
        "sample_size": row["sample_size"],
        "required_sample": row["required_sample"],
        "provisional": row["sample_size"] < row["required_sample"],
        "trend": row["trend"],
        "previous_score_converted": row["previous_score_converted"],
        "threshold": row["threshold"],
        "detected_at": iso(row["detected_at"]),
    }


def decision_json(row: asyncpg.Record | None, lang: str) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "outcome": row["outcome"],
        "reason": row["reason"],
        "explanation": pick(lang, row["explanation_id"], row["explanation_en"]),
        "explanation_id": row["explanation_id"],
        "explanation_en": row["explanation_en"],
        "rule_version": row["rule_version"],
        "scheduled_programme_id": row["scheduled_programme_id"],
        "retry_after": iso(row["retry_after"]),
        "first_decided_at": iso(row["first_decided_at"]),
        "decided_at": iso(row["decided_at"]),
    }


def programme_json(
    row: asyncpg.Record, sessions: list[asyncpg.Record], lang: str, with_cohort: bool
) -> dict[str, Any]:
    return {
        "scheduled_programme_id": row["scheduled_programme_id"],
        "idempotency_key": row["idempotency_key"],
        "unit_id": row["unit_id"],
        "element": row["element"],
        "period": row["period"],
        "programme_code": row["programme_code"],
        "competencies": list(row["competencies"]),
        "gap_score": row["gap_score"],
        "gap_mutu": row["gap_mutu"],
        "follow_up_of": row["follow_up_of"],
        "first_day": iso(row["first_day"]),
        "last_day": iso(row["last_day"]),
        "cohort_size": row["cohort_size"],
        "waiting": row["waiting"],
        "rule_version": row["rule_version"],
        "rule_line": row["rule_line"],
        "explanation": pick(lang, row["explanation_id"], row["explanation_en"]),
        "explanation_id": row["explanation_id"],
        "explanation_en": row["explanation_en"],
        "scheduled_at": iso(row["scheduled_at"]),
        "sessions": [
            {
                "session_ref": s["session_ref"],
                "days": [iso(d) for d in s["days"]],
                "starts_at": iso(s["starts_at"]),
                "ends_at": iso(s["ends_at"]),
                "capacity": s["capacity"],
                "place": s["place"],
                "online_url": s["online_url"],
                "participants": len(s["cohort"]),
                **({"cohort": list(s["cohort"])} if with_cohort else {}),
            }
            for s in sessions
        ],
    }


_PROGRAMMES_WITH_COMPLETIONS = """
SELECT p.*, u.unit_name, count(c.enrollment_id) AS completions,
       min(c.completed_on) AS first_completed_on, max(c.completed_on) AS last_completed_on
FROM scheduled_programmes p
LEFT JOIN rm_completions c ON c.scheduled_programme_id = p.scheduled_programme_id
LEFT JOIN rm_units u ON u.unit_id = p.unit_id
WHERE ($1::text IS NULL OR p.unit_id = $1)
GROUP BY p.scheduled_programme_id, u.unit_name
ORDER BY p.first_day, p.scheduled_programme_id
"""


def score_json(score: ElementScore | None) -> dict[str, Any] | None:
    if score is None:
        return None
    return {
        "period": score.period.key,
        "period_label_id": score.period.label("id"),
        "period_label_en": score.period.label("en"),
        "score_converted": float(score.score),
        "score_nrr": float(score.nrr),
        "sample_size": score.sample_size,
        "adequate": score.adequate,
    }


def impact_json(result: ImpactResult, lang: str) -> dict[str, Any]:
    return {
        "status": result.status.value,
        "before": score_json(result.before),
        "after": score_json(result.after),
        "delta_nrr": result.delta_nrr,
        "delta_converted": result.delta_converted,
        "direction": result.direction.value if result.direction else None,
        "both_adequate": result.both_adequate,
        "summary": pick(lang, result.summary_id, result.summary_en),
        "summary_id": result.summary_id,
        "summary_en": result.summary_en,
    }


async def impact_view(conn: Conn, unit_id: str | None, lang: str) -> list[dict[str, Any]]:
    """Kirkpatrick level 4 per scheduled programme: the unit's element score in the gap's period
    (else the last before the first session) against the first adequate period after completion."""
    out = []
    for p in await conn.fetch(_PROGRAMMES_WITH_COMPLETIONS, unit_id):
        base = {
            "scheduled_programme_id": p["scheduled_programme_id"],
            "unit_id": p["unit_id"],
            "element": p["element"],
            "gap_period": p["period"],
            "programme_code": p["programme_code"],
            "completions": p["completions"],
        }
        if not p["completions"]:
            text_id = "Program belum selesai diikuti; dampaknya belum dapat diukur."
            text_en = "Nobody has completed the programme yet; its impact cannot be measured."
            out.append(
                {
                    **base,
                    "status": "not_completed",
                    "summary": pick(lang, text_id, text_en),
                    "summary_id": text_id,
                    "summary_en": text_en,
                }
            )
            continue
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
        out.append(
            {**base, "completed_on": iso(p["last_completed_on"]), **impact_json(result, lang)}
        )
    return out
