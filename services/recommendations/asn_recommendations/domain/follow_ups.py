"""Follow-ups: a gap that persists after its programme and the cool-down gets the next one.

The surveys service announces a gap once, when the element crosses the threshold, and again
only when it recovers; a gap that simply stays open is never announced for later periods. So
the service looks itself (the follow-up sweep): for each gap still open whose latest programme
ended at least cooldown_days ago, it takes the unit's element score in the latest period of the
same kind that started after that programme ended (from the answer counters). If that score is
still below the gap's threshold, it is a gap for that period (key unit:element:period) and goes
through decide_for_gap like any other: the domain picks the rule's next programme as a
follow-up, or skips (provisional) or flags it.

Sample adequacy for that later period uses the gap's own Krejcie-Morgan size (same unit, same
kind of period), the best estimate without a fresh announcement from the surveys service.
"""

from __future__ import annotations

from dataclasses import dataclass

from asn_platform.periods import Period
from asn_platform.skm import converted_mean, mutu_of
from asn_platform.vocabulary import Bidang, ElementCode
from asn_recommendations.domain.facts import Gap


@dataclass(frozen=True, slots=True)
class OpenGap:
    """What the sweep knows of a gap still open and the later period's answer counters."""

    unit_id: str
    unit_name: str
    bidang: Bidang
    element: ElementCode
    threshold: float
    required_sample: int
    later_period: str
    answer_sum: int
    answer_count: int


def persisting_gap(found: OpenGap) -> Gap | None:
    """The gap for the later period, or None when there are no answers or it improved (the
    surveys service will announce the recovery)."""
    if not found.answer_count:
        return None
    score = converted_mean(found.answer_sum, found.answer_count)
    if float(score) >= found.threshold:
        return None
    return Gap(
        unit_id=found.unit_id,
        bidang=found.bidang,
        element=found.element,
        score=score,
        mutu=mutu_of(score),
        sample_size=found.answer_count,
        period=Period.parse(found.later_period),
        provisional=found.answer_count < found.required_sample,
        unit_name=found.unit_name,
    )
