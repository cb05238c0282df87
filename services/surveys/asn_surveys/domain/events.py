"""The events an accepted response causes, as contracts: what the surveys service publishes."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from asn_platform.contracts import (
    GapStatus,
    GapTrend,
    IntakeChannel,
    RespondentProfile,
    ServiceGapDetected,
    SurveySubmitted,
)
from asn_platform.periods import Period
from asn_platform.vocabulary import ELEMENTS
from asn_surveys.domain.gaps import GapOpened, GapRecovered, Trend
from asn_surveys.domain.ikm import ElementScore
from asn_surveys.domain.response import SurveyResponseIn
from asn_surveys.domain.units import Unit

TRENDS: dict[Trend, GapTrend] = {
    Trend.MEMBURUK: GapTrend.WORSENING,
    Trend.MEMBAIK: GapTrend.IMPROVING,
    Trend.TETAP: GapTrend.STABLE,
    Trend.BARU: GapTrend.FIRST,
}


def survey_submitted(
    response_id: UUID, unit: Unit, response: SurveyResponseIn, channel: IntakeChannel
) -> SurveySubmitted:
    """The response as published: answers and the respondent's profile (age band only)."""
    r = response.respondent
    return SurveySubmitted(
        response_id=str(response_id),
        unit_id=unit.unit_id,
        bidang=unit.bidang,
        service=response.service,
        answers=response.answers_by_code,
        respondent=RespondentProfile(
            sex=r.sex, age_band=r.age_band, education=r.education, occupation=r.occupation
        ),
        submitted_at=response.submitted_at,
        channel=channel,
    )


def gap_detected(
    unit: Unit,
    period: Period,
    score: ElementScore,
    decision: GapOpened | GapRecovered,
    detected_at: datetime,
) -> ServiceGapDetected:
    """A gap that opened or recovered on this element in this period."""
    return ServiceGapDetected(
        status=GapStatus.OPENED if isinstance(decision, GapOpened) else GapStatus.RECOVERED,
        unit_id=unit.unit_id,
        unit_name=unit.name,
        bidang=unit.bidang,
        element=score.code,
        element_name=ELEMENTS[score.code].name_id,
        score_nrr=float(score.nrr),
        score_converted=float(decision.score),
        mutu=decision.mutu,
        sample_size=decision.sample_size,
        required_sample=decision.required_sample,
        period=period.key,
        period_label=period.label("id"),
        trend=TRENDS[decision.trend],
        previous_score_converted=(
            None if decision.previous_score is None else float(decision.previous_score)
        ),
        threshold=float(decision.threshold),
        detected_at=detected_at,
    )
