"""Reading the read models (and our own decisions) back as the domain's facts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg

from asn_platform.periods import Period
from asn_platform.skm import converted_mean
from asn_platform.timezone import to_jakarta
from asn_platform.vocabulary import Bidang, ElementCode, Mutu, PositionType
from asn_recommendations.domain.decisions import PriorSchedule
from asn_recommendations.domain.facts import (
    CompletedTraining,
    Gap,
    Interval,
    LearningRecord,
    StaffProfile,
)
from asn_recommendations.domain.formatting import Number
from asn_recommendations.domain.impact import ElementScore
from asn_recommendations.domain.nudges import NonAttendance, NonAttendanceKind
from asn_recommendations.store.conn import Conn


def profile_of(row: asyncpg.Record) -> StaffProfile:
    return StaffProfile(
        nip=row["nip"],
        name=row["name"],
        unit_id=row["unit_id"],
        position_type=PositionType(row["position_type"]),
        active=row["active"],
        supervisor_nip=row["supervisor_nip"],
        bidang=Bidang(row["bidang"]),
    )


async def profile(conn: Conn, nip: str) -> StaffProfile | None:
    row = await conn.fetchrow("SELECT * FROM rm_profiles WHERE nip = $1", nip)
    return profile_of(row) if row else None


async def profiles(conn: Conn, nips: Collection[str]) -> dict[str, StaffProfile]:
    rows = await conn.fetch("SELECT * FROM rm_profiles WHERE nip = ANY($1::text[])", list(nips))
    return {r["nip"]: profile_of(r) for r in rows}


async def staff_of_unit(conn: Conn, unit_id: str) -> list[StaffProfile]:
    rows = await conn.fetch("SELECT * FROM rm_profiles WHERE unit_id = $1 ORDER BY nip", unit_id)
    return [profile_of(r) for r in rows]


async def learning_records(
    conn: Conn, nips: Collection[str], year: int
) -> dict[str, LearningRecord]:
    """NIP -> JP credited in `year` (Jakarta calendar) and every completion ever."""
    rows = await conn.fetch(
        "SELECT nip, programme_code, completed_on, jp_credited FROM rm_completions"
        " WHERE nip = ANY($1::text[]) ORDER BY nip, completed_on, programme_code",
        list(nips),
    )
    jp: dict[str, float] = defaultdict(float)
    done: dict[str, list[CompletedTraining]] = defaultdict(list)
    for r in rows:
        if r["completed_on"].year == year:
            jp[r["nip"]] += r["jp_credited"]
        done[r["nip"]].append(CompletedTraining(r["programme_code"], r["completed_on"]))
    return {
        nip: LearningRecord(nip=nip, jp_this_year=jp[nip], completed=tuple(done[nip]))
        for nip in set(jp) | set(done)
    }


async def learning_record(conn: Conn, nip: str, year: int) -> LearningRecord:
    return (await learning_records(conn, [nip], year)).get(nip) or LearningRecord(nip=nip)


# Busy: read-model bookings (any instance's programmes) and our own sessions (this very
# transaction may just have scheduled one), minus programmes the person declined or cancelled.
_BUSY = """
WITH held AS (
    SELECT b.nip, b.scheduled_programme_id, b.session_ref, b.starts_at, b.ends_at
    FROM rm_bookings b WHERE b.nip = ANY($1::text[]) AND b.ends_at > $2
    UNION
    SELECT c.nip, s.scheduled_programme_id, s.session_ref, s.starts_at, s.ends_at
    FROM scheduled_sessions s CROSS JOIN LATERAL unnest(s.cohort) AS c(nip)
    WHERE c.nip = ANY($1::text[]) AND s.ends_at > $2
)
SELECT h.nip, h.starts_at, h.ends_at FROM held h
WHERE NOT EXISTS (
    SELECT 1 FROM rm_enrollments e
    WHERE e.nip = h.nip AND e.scheduled_programme_id = h.scheduled_programme_id
      AND e.status IN ('declined', 'cancelled')
)
ORDER BY h.nip, h.starts_at
"""


async def busy_intervals(
    conn: Conn, nips: Collection[str], since: datetime
) -> dict[str, list[Interval]]:
    out: dict[str, list[Interval]] = defaultdict(list)
    for r in await conn.fetch(_BUSY, list(nips), since):
        out[r["nip"]].append(Interval(r["starts_at"], r["ends_at"]))
    return dict(out)


async def prior_schedules(conn: Conn, unit_id: str, element: ElementCode) -> list[PriorSchedule]:
    rows = await conn.fetch(
        "SELECT idempotency_key, programme_code, last_day FROM scheduled_programmes"
        " WHERE unit_id = $1 AND element = $2 ORDER BY last_day, idempotency_key",
        unit_id,
        element.value,
    )
    return [PriorSchedule(r["idempotency_key"], r["programme_code"], r["last_day"]) for r in rows]


def gap_of(row: asyncpg.Record | dict[str, Any]) -> Gap:
    return Gap(
        unit_id=row["unit_id"],
        bidang=Bidang(row["bidang"]),
        element=ElementCode(row["element"]),
        score=row["score_converted"],
        mutu=Mutu(row["mutu"]),
        sample_size=row["sample_size"],
        period=Period.parse(row["period"]),
        provisional=row["sample_size"] < row["required_sample"],
        unit_name=row["unit_name"],
    )


# The current state per (unit, element, period kind) is its latest period's announcement.
_CURRENT_GAPS = """
SELECT * FROM (
    SELECT DISTINCT ON (unit_id, element, period_kind) *
    FROM rm_gaps WHERE ($1::text IS NULL OR unit_id = $1)
    ORDER BY unit_id, element, period_kind, period_start DESC, detected_at DESC, event_id DESC
) latest
WHERE ($2::text IS NULL OR status = $2)
ORDER BY unit_id, element, period_kind
"""


async def current_gap_rows(
    conn: Conn, unit_id: str | None = None, status: str | None = None
) -> list[asyncpg.Record]:
    return list(await conn.fetch(_CURRENT_GAPS, unit_id, status))


async def open_gaps(conn: Conn, unit_id: str) -> list[Gap]:
    return [gap_of(r) for r in await current_gap_rows(conn, unit_id, "opened")]


async def unit_bidang(conn: Conn, unit_id: str) -> Bidang | None:
    value = await conn.fetchval("SELECT bidang FROM rm_units WHERE unit_id = $1", unit_id)
    return Bidang(value) if value is not None else None


async def element_scores(
    conn: Conn, unit_id: str, element: str, period_kind: str
) -> list[ElementScore]:
    """The unit's element score per period, from our answer counters and the surveys service's
    published gap figures, whichever rests on more answers. A period is adequate when its
    answers reach the Krejcie-Morgan size the surveys service announced for that unit and
    period (unknown: not adequate, so it never passes for evidence)."""
    counts = await conn.fetch(
        "SELECT period, answer_sum, answer_count FROM rm_element_counts"
        " WHERE unit_id = $1 AND element = $2 AND period_kind = $3",
        unit_id,
        element,
        period_kind,
    )
    published = await conn.fetch(
        "SELECT period, score_converted, sample_size, mutu FROM rm_gaps"
        " WHERE unit_id = $1 AND element = $2 AND period_kind = $3",
        unit_id,
        element,
        period_kind,
    )
    required = {
        r["period"]: r["required_sample"]
        for r in await conn.fetch(
            "SELECT period, max(required_sample) AS required_sample FROM rm_gaps"
            " WHERE unit_id = $1 AND period_kind = $2 GROUP BY period",
            unit_id,
            period_kind,
        )
    }
    best: dict[str, tuple[Number, int, Mutu | None]] = {}
    for r in published:
        best[r["period"]] = (r["score_converted"], r["sample_size"], Mutu(r["mutu"]))
    for r in counts:
        n = int(r["answer_count"])
        if n and (r["period"] not in best or n >= best[r["period"]][1]):
            # Exact mean x 25; the domain keeps Fractions exact until display.
            best[r["period"]] = (converted_mean(int(r["answer_sum"]), n), n, None)
    out = []
    for key, (score, n, mutu) in best.items():
        need = required.get(key)
        out.append(
            ElementScore(
                period=Period.parse(key),
                score=score,
                sample_size=n,
                adequate=need is not None and n >= need,
                mutu=mutu,
            )
        )
    return sorted(out, key=lambda s: s.period)


@dataclass(frozen=True, slots=True)
class NudgeFacts:
    person: StaffProfile
    history: list[NonAttendance]
    reminders_sent: int
    record: LearningRecord
    next_session_day: date | None


# Everything a nudge decision needs in one round trip (declines come in bursts).
_NUDGE_FACTS = """
SELECT p.*,
    (SELECT array_agg(n.status ORDER BY n.changed_at, n.enrollment_id) FROM rm_non_attendance n
     WHERE n.nip = $1 AND n.programme_code = $2) AS miss_status,
    (SELECT array_agg(n.changed_at ORDER BY n.changed_at, n.enrollment_id)
     FROM rm_non_attendance n WHERE n.nip = $1 AND n.programme_code = $2) AS miss_at,
    (SELECT count(*) FROM nudges d WHERE d.nip = $1 AND d.programme_code = $2) AS sent,
    (SELECT array_agg(c.programme_code ORDER BY c.completed_on, c.programme_code)
     FROM rm_completions c WHERE c.nip = $1) AS done_code,
    (SELECT array_agg(c.completed_on ORDER BY c.completed_on, c.programme_code)
     FROM rm_completions c WHERE c.nip = $1) AS done_on,
    (SELECT array_agg(c.jp_credited ORDER BY c.completed_on, c.programme_code)
     FROM rm_completions c WHERE c.nip = $1) AS done_jp,
    (SELECT min(s.days[1]) FROM scheduled_sessions s
     JOIN scheduled_programmes sp USING (scheduled_programme_id)
     WHERE sp.unit_id = p.unit_id AND sp.programme_code = $2 AND s.starts_at > $3) AS next_day
FROM rm_profiles p WHERE p.nip = $1
"""


async def nudge_facts(
    conn: Conn, nip: str, programme_code: str, now: datetime
) -> NudgeFacts | None:
    """The person, their declines/no-shows for the programme, reminders already sent, their
    learning record for `now`'s year and the next session day; None without a profile."""
    row = await conn.fetchrow(_NUDGE_FACTS, nip, programme_code, now)
    if row is None:
        return None
    history = [
        NonAttendance(NonAttendanceKind(status), to_jakarta(at).date())
        for status, at in zip(row["miss_status"] or (), row["miss_at"] or (), strict=True)
    ]
    done = list(
        zip(row["done_code"] or (), row["done_on"] or (), row["done_jp"] or (), strict=True)
    )
    record = LearningRecord(
        nip=nip,
        jp_this_year=sum(jp for _, on, jp in done if on.year == now.year),
        completed=tuple(CompletedTraining(code, on) for code, on, _ in done),
    )
    next_day = row["next_day"]
    return NudgeFacts(
        person=profile_of(row),
        history=history,
        reminders_sent=int(row["sent"]),
        record=record,
        next_session_day=next_day if isinstance(next_day, date) else None,
    )
