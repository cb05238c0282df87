"""Accepting one SKM response: the single path shared by the web form, the HTTP API and the
Kafka intake topic.

Everything happens in the caller's unit of work: the response row, its eight aggregate buckets,
the gap decisions and the events commit together or not at all (nothing partial is stored, no
event without its state change).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from uuid import UUID

import asyncpg

from asn_platform import audit
from asn_platform.contracts import IntakeChannel, ServiceGapDetected
from asn_platform.group_commit import GroupCommit
from asn_platform.inbox import is_unavailable
from asn_platform.periods import Period, periods_of, previous
from asn_platform.timezone import now_jakarta
from asn_platform.uow import UnitOfWork
from asn_platform.vocabulary import ElementCode
from asn_surveys.domain.aggregate import SurveyAggregate, buckets_for, counters_for
from asn_surveys.domain.events import gap_detected, survey_submitted
from asn_surveys.domain.gaps import GapOpened, GapRecovered, decide_gap
from asn_surveys.domain.ikm import ELEMENT_CODES, IkmResult
from asn_surveys.domain.intake import (
    GapPolicy,
    IntakeRefused,
    client_ref_conflict,
    is_same_response,
    unit_problems,
)
from asn_surveys.domain.response import SurveyResponseIn
from asn_surveys.domain.sample import population_in_period, required_sample
from asn_surveys.domain.units import Unit
from asn_surveys.store import buckets, gaps, responses

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Accepted:
    response_id: UUID
    created: bool  # False: a resend of an already accepted client_ref
    unit: Unit
    gaps: list[ServiceGapDetected] = field(default_factory=list)


async def accept_response(
    uow: UnitOfWork, response: SurveyResponseIn, *, channel: IntakeChannel, policy: GapPolicy
) -> Accepted:
    """Store a validated response with its aggregates, gap decisions and events.

    Raises IntakeRefused (422 unknown unit or service, 409 client_ref reused for different
    answers) with nothing written. A kiosk's API submission is audited (who sent it, never what
    the citizen answered).
    """
    accepted = await _accept(uow, response, channel, policy)
    if channel is IntakeChannel.API:
        await audit.record(
            uow.conn,
            summary={"unit_id": response.unit_id, "duplicate": not accepted.created},
            entity_id=f"response_id={accepted.response_id}",
            status=201 if accepted.created else 200,
        )
    return accepted


async def _accept(
    uow: UnitOfWork, response: SurveyResponseIn, channel: IntakeChannel, policy: GapPolicy
) -> Accepted:
    response_id = uuid.uuid4()
    unit, inserted = await responses.insert_response(uow.conn, response_id, response, channel)
    problems = unit_problems(unit, response)
    if problems or unit is None:
        raise IntakeRefused(422, "validation_failed", problems)
    if inserted is None:
        return await _resend(uow, unit, response)
    rows = await buckets.add_to_buckets(uow.conn, buckets_for(response), counters_for(response))
    decided = await _decide_gaps(uow, unit, response.submitted_at, rows, policy)
    await uow.publish_many([survey_submitted(response_id, unit, response, channel), *decided])
    return Accepted(response_id, True, unit, decided)


async def _resend(uow: UnitOfWork, unit: Unit, response: SurveyResponseIn) -> Accepted:
    """The client_ref was seen before: the same response again counts once; a different one
    under the same reference is refused rather than silently dropped."""
    stored = await responses.response_by_client_ref(uow.conn, unit.unit_id, response.client_ref)
    assert stored is not None  # the conflicting row exists: ON CONFLICT found it
    if not is_same_response(dict(stored), response):
        raise client_ref_conflict(response)
    return Accepted(stored["response_id"], False, unit)


@dataclass(frozen=True, slots=True)
class _Judged:
    """The period a response is judged in, on an adequate sample."""

    period: Period
    aggregate: SurveyAggregate
    required: int
    result: IkmResult


def _judged(
    unit: Unit, submitted_at: datetime, rows: Sequence[asyncpg.Record], policy: GapPolicy
) -> _Judged | None:
    period = next(p for p in periods_of(submitted_at) if p.kind is policy.kind)
    row = next(
        r for r in rows if r["period_key"] == period.key and r["service"] == buckets.UNIT_WIDE
    )
    aggregate = buckets.aggregate_of(row)
    needed = required_sample(population_in_period(unit.served_per_month, policy.kind))
    if aggregate.n < needed:
        return None  # provisional: a gap neither opens nor closes on too few answers
    return _Judged(period, aggregate, needed, aggregate.ikm(unit.weights))


def _decide(
    unit: Unit,
    judged: _Judged,
    policy: GapPolicy,
    code: ElementCode,
    gap_open: bool,
    previous_score: Fraction | None = None,
) -> GapOpened | GapRecovered | None:
    return decide_gap(
        unit_id=unit.unit_id,
        bidang=unit.bidang,
        element=code,
        period=judged.period,
        score=judged.result.element(code).converted,
        sample_size=judged.aggregate.n,
        required_sample=judged.required,
        gap_open=gap_open,
        previous_score=previous_score,
        threshold=policy.threshold,
        recovery_threshold=policy.recovery_threshold,
    )


async def _decide_gaps(
    uow: UnitOfWork,
    unit: Unit,
    submitted_at: datetime,
    rows: Sequence[asyncpg.Record],
    policy: GapPolicy,
) -> list[ServiceGapDetected]:
    judged = _judged(unit, submitted_at, rows, policy)
    if judged is None:
        return []
    states = await gaps.lock_states(uow.conn, unit.unit_id, judged.period.key)
    changed = [
        code
        for code in ELEMENT_CODES
        if _decide(unit, judged, policy, code, states[code]) is not None
    ]
    if not changed:
        return []
    before = await _previous_scores(uow, unit, judged.period)
    now = now_jakarta()
    events = []
    for code in changed:
        decision = _decide(unit, judged, policy, code, states[code], before.get(code))
        assert decision is not None
        await gaps.set_state(
            uow.conn,
            unit.unit_id,
            judged.period.key,
            code,
            opened=isinstance(decision, GapOpened),
            score=decision.score_display,
            sample_size=judged.aggregate.n,
        )
        events.append(gap_detected(unit, judged.period, judged.result.element(code), decision, now))
    return events


async def _previous_scores(
    uow: UnitOfWork, unit: Unit, period: Period
) -> dict[ElementCode, Fraction]:
    """Element scores of the previous period (for the trend); empty when it had no answers."""
    aggregate = await buckets.unit_bucket(uow.conn, unit.unit_id, previous(period).key)
    if aggregate.n == 0:
        return {}
    return {s.code: s.converted for s in aggregate.ikm(unit.weights).elements}


RETRY_AFTER_UNAVAILABLE_S = 5


class IntakeUnavailable(Exception):
    """The database is unreachable: nothing was stored; the client must send again (503)."""


async def submit_response(
    intake: GroupCommit[Accepted],
    response: SurveyResponseIn,
    *,
    channel: IntakeChannel,
    policy: GapPolicy,
) -> Accepted:
    """One HTTP intake, in a transaction it may share with concurrent ones (group commit; rerun
    on deadlock, and alone if any other response of its batch is refused: a valid response is
    never lost and a refused one stores nothing). IntakeUnavailable when the database cannot
    be reached. Batches run by unit, the order of their bucket locks."""

    async def work(uow: UnitOfWork) -> Accepted:
        return await accept_response(uow, response, channel=channel, policy=policy)

    try:
        if intake.max_batch == 1:
            return await intake.units.run(work)
        return await intake.run(work, key=response.unit_id)
    except Exception as err:
        if is_unavailable(err) or isinstance(err, asyncpg.InterfaceError):
            log.warning("intake refused, database unavailable: %s", err)
            raise IntakeUnavailable(str(err)) from err
        raise
