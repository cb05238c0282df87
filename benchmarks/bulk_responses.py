"""Bulk-loaded SKM responses for the benchmarks (surveys_intake, console_pages): random answers
over a year copied straight into the surveys' `responses` table (COPY), then their aggregate
rows rebuilt in one SQL pass keyed as the service keys them. Bypasses the intake on purpose:
a million answers through HTTP would take hours and measure the intake, not the reads."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

import asyncpg

from asn_platform.tangsel import UNITS
from asn_platform.timezone import JAKARTA
from asn_platform.vocabulary import AgeBand, Education, Occupation
from asn_surveys.domain.aggregate import ANSWER_COUNTERS, COUNTER_NAMES, PROFILE_COUNTERS

CODES = [f"U{i}" for i in range(1, 10)]


def _age_for(rnd: random.Random) -> int:
    return rnd.randint(17, 78)


def bulk_rows(count: int, year: int, seed: int = 11) -> Iterator[tuple[object, ...]]:
    """Random responses over a year, each unit with its own quality level."""
    rnd = random.Random(seed)
    quality = {u.unit_id: rnd.uniform(2.3, 3.7) for u in UNITS}
    start = datetime(year, 1, 1, tzinfo=JAKARTA)
    seconds_in_year = 365 * 86400
    educations = [e.value for e in Education]
    occupations = [o.value for o in Occupation]
    for _ in range(count):
        unit = rnd.choice(UNITS)
        q = quality[unit.unit_id]
        answers = [min(4, max(1, round(rnd.gauss(q, 0.7)))) for _ in CODES]
        at = start + timedelta(seconds=rnd.randrange(seconds_in_year))
        yield (
            uuid.UUID(int=rnd.getrandbits(128), version=4),
            unit.unit_id,
            rnd.choice(unit.services),
            at,
            "kafka",
            *answers,
            rnd.choice("LP"),
            _age_for(rnd),
            rnd.choice(educations),
            rnd.choice(occupations),
        )


BULK_COLUMNS = [
    "response_id", "unit_id", "service", "submitted_at", "channel", *[c.lower() for c in CODES],
    "sex", "age", "education", "occupation",
]  # fmt: skip

_AGE_SQL = {
    AgeBand.UNDER_20.value: "age < 20",
    AgeBand.A60_PLUS.value: "age >= 60",
}
_PROFILE_SQL_COLUMN = {"sex": "sex", "education": "education", "occupation": "occupation"}


def _counter_sql(name: str) -> str:
    """The SQL aggregate that equals counter `name` over a group of responses."""
    if name == "n":
        return "count(*)"
    if name.startswith("sum_"):
        return f"sum({name[4:]})"
    for (code, value), counter in ANSWER_COUNTERS.items():
        if counter == name:
            return f"count(*) FILTER (WHERE {code.value.lower()} = {value})"
    for (dimension, value), counter in PROFILE_COUNTERS.items():
        if counter != name:
            continue
        if dimension == "age_band":
            if value in _AGE_SQL:
                cond = _AGE_SQL[value]
            else:
                low, high = value.split("-")
                cond = f"age BETWEEN {int(low)} AND {int(high)}"
        else:
            cond = f"{_PROFILE_SQL_COLUMN[dimension]} = '{value}'"
        return f"count(*) FILTER (WHERE {cond})"
    raise KeyError(name)


def build_buckets_sql(year: int) -> str:
    """One pass over a year of loaded responses: 4 periods x (unit, unit+service) each,
    keyed as the service keys them (Asia/Jakarta calendar)."""
    aggs = ", ".join(f"{_counter_sql(c)}" for c in COUNTER_NAMES)
    return f"""
INSERT INTO ikm_buckets (unit_id, period_key, service, {", ".join(COUNTER_NAMES)})
SELECT unit_id, period_key, coalesce(service, ''), {aggs}
FROM (
    SELECT r.*, (r.submitted_at AT TIME ZONE 'Asia/Jakarta') AS lt FROM responses r
    WHERE submitted_at >= '{year}-01-01T00:00:00+07:00'
      AND submitted_at < '{year + 1}-01-01T00:00:00+07:00'
) r
CROSS JOIN LATERAL (VALUES
    (extract(year FROM lt)::int || '-M' || extract(month FROM lt)::int),
    (extract(year FROM lt)::int || '-Q' || ((extract(month FROM lt)::int - 1) / 3 + 1)),
    (extract(year FROM lt)::int || '-S' || ((extract(month FROM lt)::int - 1) / 6 + 1)),
    (extract(year FROM lt)::int || '-Y')
) AS p(period_key)
GROUP BY GROUPING SETS ((unit_id, period_key, service), (unit_id, period_key))
"""


async def bulk_load(
    dsn: str,
    count: int,
    year: int,
    on_progress: Callable[[str, int, int], None] | None = None,
    *,
    seed: int = 11,
) -> dict[str, float]:
    """COPY ``count`` responses of ``year`` into the surveys database at ``dsn`` and rebuild
    that year's aggregate rows (from every response of the year, those already there too).
    Load more into the same database with another ``seed`` (the ids come from it)."""
    report = on_progress or (lambda step, done, total: None)
    conn = await asyncpg.connect(dsn)
    timings: dict[str, float] = {}
    try:
        started = time.perf_counter()
        rows = bulk_rows(count, year, seed)
        chunk = 50_000
        done = 0
        while done < count:
            batch = [next(rows) for _ in range(min(chunk, count - done))]
            await conn.copy_records_to_table("responses", records=batch, columns=BULK_COLUMNS)
            done += len(batch)
            report("copy", done, count)
        timings["copy_s"] = time.perf_counter() - started
        started = time.perf_counter()
        await conn.execute(
            f"DELETE FROM ikm_buckets WHERE period_key LIKE '{year}-%'"
        )  # fresh rows for the bulk year only
        await conn.execute(build_buckets_sql(year))
        timings["aggregate_s"] = time.perf_counter() - started
        report("aggregate", 1, 1)
    finally:
        await conn.close()
    return timings


async def quiesce(dsn: str) -> float:
    """VACUUM ANALYZE and CHECKPOINT, so that each measured run starts from a quiet database
    (no autovacuum or checkpoint left over from the previous phase): runs compare fairly."""
    started = time.perf_counter()
    conn = await asyncpg.connect(dsn)
    try:
        for table in ("responses", "ikm_buckets", "gap_state", "outbox"):
            await conn.execute(f"VACUUM (ANALYZE) {table}")
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()
    return time.perf_counter() - started
