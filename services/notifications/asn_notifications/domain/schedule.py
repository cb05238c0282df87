"""When a message may go: quiet hours in WIB for nudges, backoff for retries."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from asn_platform.timezone import JAKARTA, to_jakarta

SUNDAY = 6


@dataclass(frozen=True, slots=True)
class QuietHours:
    """No nudges from ``start_hour`` to ``end_hour`` WIB, on ``weekdays`` (Sunday; 0 is
    Monday), or on ``holidays``."""

    start_hour: int = 20
    end_hour: int = 8
    holidays: Collection[date] = ()
    weekdays: Collection[int] = (SUNDAY,)

    def _day_allowed(self, day: date) -> bool:
        return day.weekday() not in self.weekdays and day not in self.holidays

    def _hour_allowed(self, moment: datetime) -> bool:
        hour = moment.hour
        if self.start_hour > self.end_hour:  # a night window: 20..08
            return self.end_hour <= hour < self.start_hour
        return not (self.start_hour <= hour < self.end_hour)

    def next_allowed(self, now: datetime) -> datetime:
        """``now`` if a nudge may go now, else the first allowed moment after it (WIB)."""
        local = to_jakarta(now)
        if self._day_allowed(local.date()) and self._hour_allowed(local):
            return now
        day = local.date()
        if self._day_allowed(day) and local.hour < self.end_hour:
            return datetime.combine(day, time(self.end_hour), JAKARTA)
        for _ in range(400):
            day += timedelta(days=1)
            if self._day_allowed(day):
                return datetime.combine(day, time(self.end_hour), JAKARTA)
        raise ValueError("no day without a holiday within 400 days")


def retry_delay(attempt: int, *, initial_s: float, max_s: float) -> timedelta:
    """Exponential backoff: initial, 2x, 4x ... capped at ``max_s`` (attempt counts from 1)."""
    return timedelta(seconds=min(max_s, initial_s * 2 ** max(0, attempt - 1)))
