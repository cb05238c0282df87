"""The follow-up sweep (see domain.follow_ups): persisting gaps get the rule's next programme,
and open gaps flagged for something that may have changed since (no eligible staff yet, no
free dates, no programme of the rule in the catalogue read model yet) are decided again.

Each gap is decided in its own unit of work; several instances may sweep at once: the unique
idempotency key lets one of them schedule."""

from __future__ import annotations

import logging
from datetime import date

import asyncpg

from asn_platform.uow import UnitOfWork, UnitsOfWork
from asn_platform.vocabulary import Bidang, ElementCode
from asn_recommendations.domain.facts import Gap
from asn_recommendations.domain.follow_ups import OpenGap, persisting_gap
from asn_recommendations.domain.ids import derived_id
from asn_recommendations.handlers.deps import Deps
from asn_recommendations.handlers.gaps import decide_gap
from asn_recommendations.store import follow_ups as store
from asn_recommendations.store.queries import gap_of

log = logging.getLogger(__name__)


async def sweep_follow_ups(units: UnitsOfWork, deps: Deps) -> dict[str, int]:
    """Decide every persisting or retryable gap that is due; counts per outcome."""
    today = deps.clock().date()
    outcomes: dict[str, int] = {}
    async with units.reading() as conn:
        candidates = await store.follow_up_candidates(
            conn, deps.rules.settings.cooldown_days, today
        )
    for row in candidates:
        gap = await _later_gap(units, row, today)
        if gap is not None:
            outcome = await _decide(units, deps, gap, "follow-up", gap.key)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    async with units.reading() as conn:
        retry = await store.gaps_to_retry(conn)
    for row in retry:
        gap = gap_of(row)
        outcome = await _decide(units, deps, gap, "retry", gap.key, today)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    if outcomes:
        log.info("follow-up sweep: %s", outcomes)
    return outcomes


async def _later_gap(units: UnitsOfWork, row: asyncpg.Record, today: date) -> Gap | None:
    async with units.reading() as conn:
        later = await store.later_counts(
            conn, row["unit_id"], row["element"], row["period_kind"], row["last_day"], today
        )
    if later is None:
        return None
    return persisting_gap(
        OpenGap(
            unit_id=row["unit_id"],
            unit_name=row["unit_name"],
            bidang=Bidang(row["bidang"]),
            element=ElementCode(row["element"]),
            threshold=row["threshold"],
            required_sample=row["required_sample"],
            later_period=later["period"],
            answer_sum=int(later["answer_sum"]),
            answer_count=int(later["answer_count"]),
        )
    )


async def _decide(units: UnitsOfWork, deps: Deps, gap: Gap, *cause: object) -> str:
    async def work(uow: UnitOfWork) -> str:
        return await decide_gap(uow, deps, gap, derived_id(*cause))

    return await units.run(work)
