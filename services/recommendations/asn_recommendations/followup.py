"""Follow-ups: a gap that persists after its programme and the cool-down gets the next one.

The surveys service announces a gap once, when the element crosses the threshold, and again
only when it recovers; a gap that simply stays open is never announced for later periods. So
this service looks itself, every ASN_FOLLOW_UP_INTERVAL_S: for each gap still open whose
latest programme ended at least cooldown_days ago, it takes the unit's element score in the
latest period of the same kind that started after that programme ended (from the answer
counters). If that score is still below the gap's threshold, it is a gap for that period (key
unit:element:period) and goes through decide_for_gap like any other: the domain picks the
rule's next programme as a follow-up, or skips (provisional) or flags it.

It also decides again the open gaps that were flagged for want of staff or of free dates: a gap
consumed before its unit's roster (a fresh deployment reads every topic from the start, the
roster consumer may lag the gap consumer) gets its programme once the roster is there.

Sample adequacy for that later period uses the gap's own Krejcie-Morgan size (same unit, same
kind of period), the best estimate without a fresh announcement from the surveys service.
Several instances may sweep at once: the unique idempotency key lets one of them schedule.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import asyncpg

from asn_platform.periods import Period
from asn_platform.vocabulary import Bidang, ElementCode, Mutu
from asn_recommendations.domain.facts import Gap
from asn_recommendations.engine import Engine, derived_id
from asn_recommendations.store.queries import gap_of

log = logging.getLogger(__name__)

# Open gaps (latest announcement per unit, element, period kind) whose latest programme for
# that unit and element ended at least the cool-down ago.
_CANDIDATES = """
WITH current AS (
    SELECT DISTINCT ON (unit_id, element, period_kind) *
    FROM rm_gaps
    ORDER BY unit_id, element, period_kind, period_start DESC, detected_at DESC, event_id DESC
), latest AS (
    SELECT DISTINCT ON (unit_id, element) unit_id, element, last_day
    FROM scheduled_programmes ORDER BY unit_id, element, last_day DESC
)
SELECT c.*, l.last_day FROM current c JOIN latest l USING (unit_id, element)
WHERE c.status = 'opened' AND l.last_day + $1::int <= $2::date
ORDER BY c.unit_id, c.element, c.period_kind
"""

# Open gaps flagged only because nobody was eligible yet or no dates were free.
_RETRY = """
WITH current AS (
    SELECT DISTINCT ON (unit_id, element, period_kind) *
    FROM rm_gaps
    ORDER BY unit_id, element, period_kind, period_start DESC, detected_at DESC, event_id DESC
)
SELECT c.* FROM current c JOIN gap_decisions d USING (gap_key)
WHERE c.status = 'opened' AND d.outcome = 'flagged'
  AND d.reason IN ('no_eligible_staff', 'no_dates')
ORDER BY c.unit_id, c.element, c.period_kind
"""

_LATER_SCORE = """
SELECT period, answer_sum, answer_count FROM rm_element_counts
WHERE unit_id = $1 AND element = $2 AND period_kind = $3 AND period_start > $4
  AND period_start <= $5
ORDER BY period_start DESC LIMIT 1
"""


def mutu_of(score: Fraction) -> Mutu:
    """Permenpan RB 14/2017 bands on the converted score shown to two decimals."""
    shown = (Decimal(score.numerator) / Decimal(score.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    if shown >= Decimal("88.31"):
        return Mutu.A
    if shown >= Decimal("76.61"):
        return Mutu.B
    if shown >= Decimal("65.00"):
        return Mutu.C
    return Mutu.D


@dataclass
class FollowUps:
    """Runs `sweep` every `interval_s` seconds (first run after one interval)."""

    pool: asyncpg.Pool
    engine: Engine
    interval_s: float
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.interval_s > 0 and self._task is None:
            self._task = asyncio.create_task(self._run(), name="recommendations-follow-ups")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                await self.sweep()
            except Exception:
                log.exception("follow-up sweep failed; trying again in %.0f s", self.interval_s)

    async def sweep(self) -> dict[str, int]:
        """Decide every persisting gap that is due; counts per outcome."""
        engine = self.engine
        today = engine.clock().date()
        outcomes: dict[str, int] = {}
        async with self.pool.acquire() as conn:
            candidates = await conn.fetch(_CANDIDATES, engine.rules.settings.cooldown_days, today)
        for row in candidates:
            async with self.pool.acquire() as conn:
                later = await conn.fetchrow(
                    _LATER_SCORE,
                    row["unit_id"],
                    row["element"],
                    row["period_kind"],
                    row["last_day"],
                    today,
                )
                if later is None or not later["answer_count"]:
                    continue
                score = Fraction(int(later["answer_sum"]) * 25, int(later["answer_count"]))
                if float(score) >= row["threshold"]:
                    continue  # improved: the surveys service will announce the recovery
                gap = Gap(
                    unit_id=row["unit_id"],
                    bidang=Bidang(row["bidang"]),
                    element=ElementCode(row["element"]),
                    score=score,
                    mutu=mutu_of(score),
                    sample_size=int(later["answer_count"]),
                    period=Period.parse(later["period"]),
                    provisional=int(later["answer_count"]) < row["required_sample"],
                    unit_name=row["unit_name"],
                )
                async with conn.transaction():
                    outcome = await engine.decide(conn, gap, derived_id("follow-up", gap.key))
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        async with self.pool.acquire() as conn:
            retry = await conn.fetch(_RETRY)
        for row in retry:
            gap = gap_of(row)
            async with self.pool.acquire() as conn, conn.transaction():
                outcome = await engine.decide(conn, gap, derived_id("retry", gap.key, today))
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if outcomes:
            log.info("follow-up sweep: %s", outcomes)
        return outcomes
