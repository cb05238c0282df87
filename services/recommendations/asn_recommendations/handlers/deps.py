"""What every handler needs besides its unit of work: the rules in force, the settings that
shape decisions, the working calendar and the clock (the domain never reads the clock)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from asn_platform.timezone import now_jakarta
from asn_recommendations.domain.rules import RuleSet
from asn_recommendations.domain.scheduling import WorkingCalendar


@dataclass(frozen=True, slots=True)
class Deps:
    rules: RuleSet
    session_place: str
    online_url: str | None
    recommendation_limit: int
    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)
    clock: Callable[[], datetime] = now_jakarta
