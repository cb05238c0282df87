"""Accepting one SKM response: the single path shared by the web form, the HTTP API and the
Kafka intake topic.

Everything happens on the caller's connection inside the caller's transaction: the response
row, its eight aggregate buckets, the gap decisions and the outbox rows of the events commit
together or not at all (nothing partial is stored, no event without its state change).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any, cast
from uuid import UUID

import asyncpg

from asn_platform import outbox
from asn_platform.contracts import (
    GapStatus,
    GapTrend,
    IntakeChannel,
    RespondentProfile,
    ServiceGapDetected,
    SurveySubmitted,
)
from asn_platform.periods import Period, PeriodKind, periods_of, previous
from asn_platform.timezone import now_jakarta
from asn_platform.vocabulary import ELEMENTS, ElementCode
from asn_surveys.buckets import UNIT_WIDE, add_to_buckets, aggregate_of, unit_bucket
from asn_surveys.db import Conn
from asn_surveys.domain.aggregate import buckets_for, counters_for
from asn_surveys.domain.gaps import GapOpened, GapRecovered, Trend, decide_gap
from asn_surveys.domain.ikm import ELEMENT_CODES
from asn_surveys.domain.response import SurveyResponseIn
from asn_surveys.domain.sample import population_in_period, required_sample
from asn_surveys.units import UNIT_COLUMNS, Unit, unit_from_row

_TRENDS = {
    Trend.MEMBURUK: GapTrend.WORSENING,
    Trend.MEMBAIK: GapTrend.IMPROVING,
    Trend.TETAP: GapTrend.STABLE,
    Trend.BARU: GapTrend.FIRST,
}


class IntakeRefused(Exception):
    """The response cannot be accepted; `problems` name each field (nothing was stored)."""

    def __init__(self, status: int, code: str, problems: list[dict[str, str]]) -> None:
        super().__init__("; ".join(f"{p['field']}: {p['problem']}" for p in problems))
        self.status = status
        self.code = code
        self.problems = problems


@dataclass(frozen=True, slots=True)
class GapPolicy:
    kind: PeriodKind
    threshold: Decimal
    recovery_threshold: Decimal | None = None


@dataclass(slots=True)
class Accepted:
    response_id: UUID
    created: bool  # False: a resend of an already accepted client_ref
    unit: Unit
    gaps: list[ServiceGapDetected] = field(default_factory=list)


def unit_problems(unit: Unit | None, response: SurveyResponseIn) -> list[dict[str, str]]:
    if unit is None:
        return [
            {
                "field": "unit_id",
                "problem": f"unit layanan {response.unit_id!r} tidak dikenal "
                f"(unknown service unit {response.unit_id!r})",
            }
        ]
    if not unit.active:
        return [
            {
                "field": "unit_id",
                "problem": f"unit layanan {unit.unit_id!r} tidak aktif menerima survei "
                f"(unit {unit.unit_id!r} is not accepting surveys)",
            }
        ]
    if not unit.offers(response.service):
        offered = ", ".join(unit.services)
        return [
            {
                "field": "service",
                "problem": f"layanan {response.service!r} tidak ada di unit ini; pilih salah satu: "
                f"{offered} (service not offered by this unit)",
            }
        ]
    return []


# The unit lookup and the insert in one round trip: the response is inserted only if its unit
# exists, is active and offers the service; the unit row comes back either way (none: unknown).
_INSERT_RESPONSE = f"""
WITH u AS (
    SELECT {UNIT_COLUMNS} FROM units WHERE unit_id = $2
), ins AS (
    INSERT INTO responses (response_id, unit_id, service, submitted_at, channel,
                           u1, u2, u3, u4, u5, u6, u7, u8, u9,
                           sex, age, education, occupation, comment, client_ref)
    SELECT $1, u.unit_id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
           $15, $16, $17, $18, $19, $20
    FROM u WHERE u.active AND $3 = ANY (u.services)
    ON CONFLICT (unit_id, client_ref) DO NOTHING
    RETURNING response_id
)
SELECT u.*, (SELECT response_id FROM ins) AS inserted FROM u
"""


async def accept(
    conn: Conn,
    response: SurveyResponseIn,
    *,
    channel: IntakeChannel,
    policy: GapPolicy,
    source: str,
    max_event_bytes: int = 1_000_000,
) -> Accepted:
    """Store a validated response with its aggregates, gap decisions and events.

    Must run inside a transaction. Raises IntakeRefused (422 unknown unit or service,
    409 client_ref reused for different answers) with nothing written.
    """
    if not conn.is_in_transaction():
        raise RuntimeError("intake.accept must run inside the caller's transaction")
    answers = response.answers_by_code
    r = response.respondent
    response_id = uuid.uuid4()
    row = await conn.fetchrow(
        _INSERT_RESPONSE,
        response_id,
        response.unit_id,
        response.service,
        response.submitted_at,
        channel.value,
        *[answers[code] for code in ELEMENT_CODES],
        r.sex.value,
        r.age,
        r.education.value,
        r.occupation.value,
        response.comment,
        response.client_ref,
    )
    unit = unit_from_row(row) if row is not None else None
    problems = unit_problems(unit, response)
    if problems or unit is None or row is None:
        raise IntakeRefused(422, "validation_failed", problems)
    inserted = row["inserted"]
    if inserted is None:
        return await _resend(conn, unit, response)

    rows = await add_to_buckets(conn, buckets_for(response), counters_for(response))
    gaps = await _decide_gaps(conn, unit, response.submitted_at, rows, policy)

    submitted = SurveySubmitted(
        response_id=str(response_id),
        unit_id=unit.unit_id,
        bidang=unit.bidang,
        service=response.service,
        answers=answers,
        respondent=RespondentProfile(
            sex=r.sex, age_band=r.age_band, education=r.education, occupation=r.occupation
        ),
        submitted_at=response.submitted_at,
        channel=channel,
    )
    events = [submitted, *gaps]
    await outbox.enqueue_many(
        cast(asyncpg.Connection, conn), events, source=source, max_bytes=max_event_bytes
    )
    return Accepted(response_id, True, unit, gaps)


async def _resend(conn: Conn, unit: Unit, response: SurveyResponseIn) -> Accepted:
    """The client_ref was seen before: the same response again counts once; a different one
    under the same reference is refused rather than silently dropped."""
    row = await conn.fetchrow(
        "SELECT * FROM responses WHERE unit_id = $1 AND client_ref = $2",
        unit.unit_id,
        response.client_ref,
    )
    assert row is not None  # the conflicting row exists: ON CONFLICT found it
    answers = response.answers_by_code
    r = response.respondent
    same = (
        row["service"] == response.service
        and all(row[code.value.lower()] == answers[code] for code in ELEMENT_CODES)
        and (row["sex"], row["education"], row["occupation"])
        == (r.sex.value, r.education.value, r.occupation.value)
        # an anonymised response keeps only the age band (retention.py)
        and (row["age"] == r.age if row["age"] is not None else row["age_band"] == r.age_band)
    )
    if not same:
        raise IntakeRefused(
            409,
            "client_ref_conflict",
            [
                {
                    "field": "client_ref",
                    "problem": f"client_ref {response.client_ref!r} sudah dipakai untuk jawaban "
                    "lain di unit ini; gunakan kode baru (client_ref already used for a "
                    "different response of this unit; use a new one)",
                }
            ],
        )
    return Accepted(row["response_id"], False, unit)


async def _decide_gaps(
    conn: Conn,
    unit: Unit,
    submitted_at: datetime,
    rows: list[asyncpg.Record],
    policy: GapPolicy,
) -> list[ServiceGapDetected]:
    period = next(p for p in periods_of(submitted_at) if p.kind is policy.kind)
    row = next(r for r in rows if r["period_key"] == period.key and r["service"] == UNIT_WIDE)
    aggregate = aggregate_of(row)
    needed = required_sample(population_in_period(unit.served_per_month, policy.kind))
    if aggregate.n < needed:
        return []  # provisional: a gap neither opens nor closes on too few answers
    result = aggregate.ikm(unit.weights)

    # Lock this period's nine state rows (creating them once) so that one decision is taken
    # per crossing even when intakes for the unit run concurrently.
    states = await _lock_states(conn, unit.unit_id, period.key)
    common: dict[str, Any] = {
        "unit_id": unit.unit_id,
        "bidang": unit.bidang,
        "period": period,
        "sample_size": aggregate.n,
        "required_sample": needed,
        "threshold": policy.threshold,
        "recovery_threshold": policy.recovery_threshold,
    }
    changed = [
        code
        for code in ELEMENT_CODES
        if decide_gap(
            element=code,
            score=result.element(code).converted,
            gap_open=states[code],
            **common,
        )
        is not None
    ]
    if not changed:
        return []
    before = await _previous_scores(conn, unit, period)
    events = []
    now = now_jakarta()
    for code in changed:
        score = result.element(code)
        decision = decide_gap(
            element=code,
            score=score.converted,
            gap_open=states[code],
            previous_score=before.get(code),
            **common,
        )
        assert decision is not None
        opened = isinstance(decision, GapOpened)
        assert opened or isinstance(decision, GapRecovered)
        await conn.execute(
            """UPDATE gap_state SET open = $4, score = $5, sample_size = $6, updated_at = now(),
                   opened_at = CASE WHEN $4 THEN now() ELSE opened_at END,
                   closed_at = CASE WHEN $4 THEN NULL ELSE now() END
               WHERE unit_id = $1 AND period_key = $2 AND element = $3""",
            unit.unit_id,
            period.key,
            code.value,
            opened,
            decision.score_display,
            aggregate.n,
        )
        events.append(
            ServiceGapDetected(
                status=GapStatus.OPENED if opened else GapStatus.RECOVERED,
                unit_id=unit.unit_id,
                unit_name=unit.name,
                bidang=unit.bidang,
                element=code,
                element_name=ELEMENTS[code].name_id,
                score_nrr=float(score.nrr),
                score_converted=float(decision.score),
                mutu=decision.mutu,
                sample_size=decision.sample_size,
                required_sample=decision.required_sample,
                period=period.key,
                period_label=period.label("id"),
                trend=_TRENDS[decision.trend],
                previous_score_converted=(
                    None if decision.previous_score is None else float(decision.previous_score)
                ),
                threshold=float(decision.threshold),
                detected_at=now,
            )
        )
    return events


async def _lock_states(conn: Conn, unit_id: str, period_key: str) -> dict[ElementCode, bool]:
    select = (
        "SELECT element, open FROM gap_state WHERE unit_id = $1 AND period_key = $2"
        " ORDER BY element FOR UPDATE"
    )
    rows = await conn.fetch(select, unit_id, period_key)
    if len(rows) < len(ELEMENT_CODES):
        await conn.execute(
            "INSERT INTO gap_state (unit_id, period_key, element)"
            " SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING",
            unit_id,
            period_key,
            [code.value for code in ELEMENT_CODES],
        )
        rows = await conn.fetch(select, unit_id, period_key)
    return {ElementCode(r["element"]): bool(r["open"]) for r in rows}


async def _previous_scores(conn: Conn, unit: Unit, period: Period) -> dict[ElementCode, Fraction]:
    """Element scores of the previous period (for the trend); empty when it had no answers."""
    aggregate = await unit_bucket(conn, unit.unit_id, previous(period).key)
    if aggregate.n == 0:
        return {}
    result = aggregate.ikm(unit.weights)
    return {s.code: s.converted for s in result.elements}
