"""Survey answers: counters per unit, element and period (for impact and follow-ups)."""

from __future__ import annotations

from collections.abc import Sequence

from asn_platform.contracts import SurveySubmitted
from asn_platform.uow import UnitOfWork
from asn_recommendations.handlers.deps import Deps
from asn_recommendations.store import readmodels as rm
from asn_recommendations.store.readmodels import Fact


async def apply_surveys_submitted(
    uow: UnitOfWork, deps: Deps, facts: Sequence[Fact[SurveySubmitted]]
) -> None:
    await rm.apply_surveys(uow.conn, facts)
