"""Shaping stored rows and domain results into the JSON the HTTP API and the request/reply
answer return (the response models in api/models.py and asn_platform.contracts.rpc document it).

Texts come in pairs, Indonesian first (`*_id`) and English (`*_en`); `reason`/`summary` hold the
one in the language asked for (?lang=en, Accept-Language, or the RPC's "lang"). Dates and
times are Asia/Jakarta.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import asyncpg

from asn_platform.timezone import to_jakarta
from asn_platform.vocabulary import ELEMENTS, ElementCode
from asn_recommendations.domain.impact import ElementScore, ImpactResult
from asn_recommendations.domain.recommend import Recommendation
from asn_recommendations.domain.rules import RuleSet


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


def flagged_json(r: asyncpg.Record, lang: str) -> dict[str, Any]:
    return {
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


def nudge_json(r: asyncpg.Record, lang: str) -> dict[str, Any]:
    return {
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


def escalation_json(r: asyncpg.Record, lang: str) -> dict[str, Any]:
    return {
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


def conversion_json(rows: list[asyncpg.Record], escalated: int, pending: int) -> dict[str, Any]:
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


def rules_json(rs: RuleSet, lang: str) -> dict[str, Any]:
    s = rs.settings
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
