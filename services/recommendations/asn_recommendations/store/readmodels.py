"""Read-model updates: plain event objects in, rows out. No decisions happen here.

The same functions serve live consumption and the replay command, so a replay ends in the same
state as live consumption. Each is order-tolerant, because the five input topics are consumed
by independent consumers (and partitions) and interleave differently every time:

- counters (answers per unit, element, period) are sums;
- entities (profile, enrollment, completion, gap, unit) keep the row with the greatest
  (event time, event id): the same winner whatever order the events came in;
- sets (declines and no-shows, bookings) are keyed on their natural ids.

A batch may hold several events for one key; they are reduced in Python first, because one
INSERT ... ON CONFLICT statement may not touch the same row twice.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from asn_platform.contracts import (
    AsnProfileChanged,
    EnrollmentChanged,
    Event,
    ProgrammeScheduled,
    ServiceGapDetected,
    SurveySubmitted,
    TrainingCompleted,
)
from asn_platform.periods import Period, periods_of_day
from asn_platform.timezone import to_jakarta
from asn_platform.vocabulary import EnrollmentStatus
from asn_recommendations.domain.facts import gap_key
from asn_recommendations.store.conn import Conn

E = TypeVar("E", bound=Event)


@dataclass(frozen=True, slots=True)
class Fact(Generic[E]):
    """One event as the read models see it: the payload and its CloudEvents id."""

    event: E
    event_id: UUID


# Rebuilt by the replay command, in this order (no foreign keys between them).
READ_MODEL_TABLES: tuple[str, ...] = (
    "rm_units",
    "rm_gaps",
    "rm_element_counts",
    "rm_profiles",
    "rm_completions",
    "rm_enrollments",
    "rm_non_attendance",
    "rm_bookings",
    "rm_programmes",
)

NON_ATTENDANCE = (EnrollmentStatus.DECLINED, EnrollmentStatus.NO_SHOW)


def latest(facts: Iterable[Fact[E]], key: Any, moment: Any) -> list[Fact[E]]:
    """Per key, the fact with the greatest (moment, event id): the last-writer rule."""
    best: dict[Any, Fact[E]] = {}
    for fact in facts:
        k = key(fact.event)
        current = best.get(k)
        if current is None or (moment(fact.event), fact.event_id) > (
            moment(current.event),
            current.event_id,
        ):
            best[k] = fact
    return list(best.values())


async def upsert_latest(
    conn: Conn,
    sql: str,
    facts: Iterable[Fact[E]],
    key: Callable[[E], Any],
    moment: Callable[[E], Any],
    row: Callable[[E, UUID], tuple[Any, ...]],
) -> None:
    """``sql`` for the latest fact per key (the last-writer rule), as ``row(event, event_id)``;
    sorted, so that concurrent batches take their row locks in the same order."""
    rows = sorted(row(f.event, f.event_id) for f in latest(facts, key, moment))
    if rows:
        await conn.executemany(sql, rows)


def newer(table: str, moment: str) -> str:
    """The ON CONFLICT guard of the last-writer rule (uuid compares bytewise, like UUID.int)."""
    return f"(excluded.{moment}, excluded.event_id) > ({table}.{moment}, {table}.event_id)"


# -- service-gap-detected -----------------------------------------------------------------------

_UPSERT_GAP = f"""
INSERT INTO rm_gaps (gap_key, unit_id, element, period, period_kind, period_start, status,
    unit_name, bidang, score_nrr, score_converted, mutu, sample_size, required_sample, trend,
    previous_score_converted, threshold, detected_at, event_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
ON CONFLICT (gap_key) DO UPDATE SET
    status = excluded.status, unit_name = excluded.unit_name, bidang = excluded.bidang,
    score_nrr = excluded.score_nrr, score_converted = excluded.score_converted,
    mutu = excluded.mutu, sample_size = excluded.sample_size,
    required_sample = excluded.required_sample, trend = excluded.trend,
    previous_score_converted = excluded.previous_score_converted,
    threshold = excluded.threshold, detected_at = excluded.detected_at,
    event_id = excluded.event_id
WHERE {newer("rm_gaps", "detected_at")}
"""

_UPSERT_UNIT = f"""
INSERT INTO rm_units (unit_id, unit_name, bidang, seen_at, event_id) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (unit_id) DO UPDATE SET
    unit_name = excluded.unit_name, bidang = excluded.bidang, seen_at = excluded.seen_at,
    event_id = excluded.event_id
WHERE rm_units.event_id IS NULL OR {newer("rm_units", "seen_at")}
"""

# survey-submitted knows the unit's field but not its name: it only fills a unit not yet seen,
# at -infinity, so that any gap event's values win regardless of arrival order.
_INSERT_UNIT_FROM_SURVEY = """
INSERT INTO rm_units (unit_id, unit_name, bidang, seen_at, event_id)
VALUES ($1, NULL, $2, '-infinity', NULL)
ON CONFLICT (unit_id) DO NOTHING
"""


def gap_key_of(ev: ServiceGapDetected) -> str:
    return gap_key(ev.unit_id, ev.element, Period.parse(ev.period))


async def apply_gaps(conn: Conn, facts: Sequence[Fact[ServiceGapDetected]]) -> None:
    rows = []
    for fact in latest(facts, gap_key_of, lambda e: e.detected_at):
        ev = fact.event
        period = Period.parse(ev.period)
        rows.append(
            (
                gap_key_of(ev),
                ev.unit_id,
                ev.element.value,
                ev.period,
                period.kind.value,
                period.first_day,
                ev.status.value,
                ev.unit_name,
                ev.bidang.value,
                ev.score_nrr,
                ev.score_converted,
                ev.mutu.value,
                ev.sample_size,
                ev.required_sample,
                ev.trend.value,
                ev.previous_score_converted,
                ev.threshold,
                ev.detected_at,
                fact.event_id,
            )
        )
    if rows:
        await conn.executemany(_UPSERT_GAP, rows)
    units = [
        (f.event.unit_id, f.event.unit_name, f.event.bidang.value, f.event.detected_at, f.event_id)
        for f in latest(facts, lambda e: e.unit_id, lambda e: e.detected_at)
    ]
    if units:
        await conn.executemany(_UPSERT_UNIT, units)


# -- survey-submitted ---------------------------------------------------------------------------

_ADD_COUNTS = """
INSERT INTO rm_element_counts (unit_id, element, period, period_kind, period_start,
    answer_sum, answer_count)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::date[],
    $6::bigint[], $7::bigint[])
ON CONFLICT (unit_id, element, period) DO UPDATE SET
    answer_sum = rm_element_counts.answer_sum + excluded.answer_sum,
    answer_count = rm_element_counts.answer_count + excluded.answer_count
"""


async def apply_surveys(conn: Conn, facts: Sequence[Fact[SurveySubmitted]]) -> None:
    # Aggregate the batch first: one row per (unit, element, period) however many responses.
    # Per (unit, day) and element first (many responses share a unit and a day), then per
    # period: 9 additions per response instead of 36, and no Period hashed per response.
    per_day: dict[tuple[str, date], dict[str, list[int]]] = defaultdict(dict)
    units: dict[str, str] = {}
    for fact in facts:
        ev = fact.event
        units.setdefault(ev.unit_id, ev.bidang.value)
        acc = per_day[(ev.unit_id, to_jakarta(ev.submitted_at).date())]
        for element, score in ev.answers.items():
            pair = acc.get(element.value)
            if pair is None:
                acc[element.value] = [score, 1]
            else:
                pair[0] += score
                pair[1] += 1
    # (unit, element, period key) -> (period, answer sum, answer count)
    sums: dict[tuple[str, str, str], tuple[Period, int, int]] = {}
    day_periods: dict[date, list[tuple[str, Period]]] = {}
    for (unit_id, day), acc in per_day.items():
        periods = day_periods.get(day)
        if periods is None:
            periods = day_periods[day] = [(p.key, p) for p in periods_of_day(day)]
        for code, (score_sum, count) in acc.items():
            for period_key, period in periods:
                key = (unit_id, code, period_key)
                before = sums.get(key)
                if before is None:
                    sums[key] = (period, score_sum, count)
                else:
                    sums[key] = (period, before[1] + score_sum, before[2] + count)
    if sums:
        keys = sorted(sums)  # fixed lock order: (unit, element, period key)
        await conn.execute(
            _ADD_COUNTS,
            [k[0] for k in keys],
            [k[1] for k in keys],
            [k[2] for k in keys],
            [sums[k][0].kind.value for k in keys],
            [sums[k][0].first_day for k in keys],
            [sums[k][1] for k in keys],
            [sums[k][2] for k in keys],
        )
    if units:
        await conn.executemany(_INSERT_UNIT_FROM_SURVEY, sorted(units.items()))


# -- asn-profile-changed ------------------------------------------------------------------------

_UPSERT_PROFILE = f"""
INSERT INTO rm_profiles (nip, name, unit_id, bidang, position, position_type, rank,
    supervisor_nip, active, changed_at, event_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (nip) DO UPDATE SET
    name = excluded.name, unit_id = excluded.unit_id, bidang = excluded.bidang,
    position = excluded.position, position_type = excluded.position_type,
    rank = excluded.rank, supervisor_nip = excluded.supervisor_nip, active = excluded.active,
    changed_at = excluded.changed_at, event_id = excluded.event_id
WHERE {newer("rm_profiles", "changed_at")}
"""


def _profile_row(ev: AsnProfileChanged, event_id: UUID) -> tuple[Any, ...]:
    return (
        ev.nip,
        ev.name,
        ev.unit_id,
        ev.bidang.value,
        ev.position,
        ev.position_type.value,
        ev.rank,
        ev.supervisor_nip,
        ev.active,
        ev.changed_at,
        event_id,
    )


async def apply_profiles(conn: Conn, facts: Sequence[Fact[AsnProfileChanged]]) -> None:
    await upsert_latest(
        conn, _UPSERT_PROFILE, facts, lambda e: e.nip, lambda e: e.changed_at, _profile_row
    )


# -- training-completed -------------------------------------------------------------------------

_UPSERT_COMPLETION = f"""
INSERT INTO rm_completions (enrollment_id, nip, unit_id, programme_code, programme_kind,
    competencies, jp_credited, score, completed_at, completed_on, session_id,
    scheduled_programme_id, event_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
ON CONFLICT (enrollment_id) DO UPDATE SET
    nip = excluded.nip, unit_id = excluded.unit_id, programme_code = excluded.programme_code,
    programme_kind = excluded.programme_kind, competencies = excluded.competencies,
    jp_credited = excluded.jp_credited, score = excluded.score,
    completed_at = excluded.completed_at, completed_on = excluded.completed_on,
    session_id = excluded.session_id, scheduled_programme_id = excluded.scheduled_programme_id,
    event_id = excluded.event_id
WHERE {newer("rm_completions", "completed_at")}
"""


def _completion_row(ev: TrainingCompleted, event_id: UUID) -> tuple[Any, ...]:
    return (
        ev.enrollment_id,
        ev.nip,
        ev.unit_id,
        ev.programme_code,
        ev.programme_kind.value,
        list(ev.competencies),
        ev.jp_credited,
        ev.score,
        ev.completed_at,
        to_jakarta(ev.completed_at).date(),
        ev.session_id,
        ev.scheduled_programme_id,
        event_id,
    )


async def apply_completions(conn: Conn, facts: Sequence[Fact[TrainingCompleted]]) -> None:
    await upsert_latest(
        conn,
        _UPSERT_COMPLETION,
        facts,
        lambda e: e.enrollment_id,
        lambda e: e.completed_at,
        _completion_row,
    )


# -- enrollment-changed -------------------------------------------------------------------------

_UPSERT_ENROLLMENT = f"""
INSERT INTO rm_enrollments (enrollment_id, nip, programme_code, session_id,
    scheduled_programme_id, status, previous_status, changed_at, event_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (enrollment_id) DO UPDATE SET
    nip = excluded.nip, programme_code = excluded.programme_code,
    session_id = excluded.session_id, scheduled_programme_id = excluded.scheduled_programme_id,
    status = excluded.status, previous_status = excluded.previous_status,
    changed_at = excluded.changed_at, event_id = excluded.event_id
WHERE {newer("rm_enrollments", "changed_at")}
"""

_INSERT_NON_ATTENDANCE = """
INSERT INTO rm_non_attendance (enrollment_id, status, changed_at, nip, programme_code, reason)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT DO NOTHING
"""


def _enrollment_row(ev: EnrollmentChanged, event_id: UUID) -> tuple[Any, ...]:
    return (
        ev.enrollment_id,
        ev.nip,
        ev.programme_code,
        ev.session_id,
        ev.scheduled_programme_id,
        ev.status.value,
        ev.previous_status.value if ev.previous_status else None,
        ev.changed_at,
        event_id,
    )


async def apply_enrollments(conn: Conn, facts: Sequence[Fact[EnrollmentChanged]]) -> None:
    await upsert_latest(
        conn,
        _UPSERT_ENROLLMENT,
        facts,
        lambda e: e.enrollment_id,
        lambda e: e.changed_at,
        _enrollment_row,
    )
    misses = sorted(
        {
            (ev.enrollment_id, ev.status.value, ev.changed_at, ev.nip, ev.programme_code, ev.reason)
            for f in facts
            for ev in (f.event,)
            if ev.status in NON_ATTENDANCE
        },
        key=lambda r: (r[0], r[1], r[2]),
    )
    if misses:
        await conn.executemany(_INSERT_NON_ATTENDANCE, misses)


# -- programme-scheduled (our own topic: every instance's bookings) -----------------------------

_INSERT_BOOKINGS = """
INSERT INTO rm_bookings (scheduled_programme_id, session_ref, nip, programme_code, unit_id,
    starts_at, ends_at)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
    $6::timestamptz[], $7::timestamptz[])
ON CONFLICT DO NOTHING
"""


async def apply_bookings(conn: Conn, facts: Sequence[Fact[ProgrammeScheduled]]) -> None:
    rows: set[tuple[str, str, str, str, str, datetime, datetime]] = set()
    for fact in facts:
        ev = fact.event
        for session in ev.sessions:
            for nip in session.cohort:
                rows.add(
                    (
                        ev.scheduled_programme_id,
                        session.session_ref,
                        nip,
                        ev.programme_code,
                        ev.unit_id,
                        session.starts_at,
                        session.ends_at,
                    )
                )
    if rows:
        ordered = sorted(rows, key=lambda r: (r[0], r[1], r[2]))
        await conn.execute(_INSERT_BOOKINGS, *[list(col) for col in zip(*ordered, strict=True)])


# -- for replay and tests -----------------------------------------------------------------------

_ORDER_BY = {
    "rm_units": "unit_id",
    "rm_gaps": "gap_key",
    "rm_element_counts": "unit_id, element, period",
    "rm_profiles": "nip",
    "rm_completions": "enrollment_id",
    "rm_enrollments": "enrollment_id",
    "rm_non_attendance": "enrollment_id, status, changed_at",
    "rm_bookings": "scheduled_programme_id, session_ref, nip",
    "rm_programmes": "code",
}


async def dump_read_models(conn: Conn) -> dict[str, list[tuple[Any, ...]]]:
    """Every read-model row, in a fixed order: two dumps are equal iff the states are."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    for table in READ_MODEL_TABLES:
        rows = await conn.fetch(f"SELECT * FROM {table} ORDER BY {_ORDER_BY[table]}")
        out[table] = [tuple(r.values()) for r in rows]
    return out


async def clear_read_models(conn: Conn) -> None:
    await conn.execute(f"TRUNCATE {', '.join(READ_MODEL_TABLES)}")
