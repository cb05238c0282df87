"""What happens after a failed attempt: the next try (exponential backoff with full jitter),
dead-lettering after N attempts, pausing a subscription after repeated failure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum


class Next(Enum):
    RETRY = "retry"
    DEAD = "dead"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 8  # then dead-lettered
    initial_delay_s: float = 1.0
    max_delay_s: float = 300.0
    pause_after_failures: int = 20  # consecutive failed attempts of a subscription

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.pause_after_failures < 1:
            raise ValueError("max_attempts and pause_after_failures must be at least 1")
        if self.initial_delay_s < 0 or self.max_delay_s < self.initial_delay_s:
            raise ValueError("0 <= initial_delay_s <= max_delay_s")

    def backoff(self, attempts: int, jitter: float) -> timedelta:
        """Delay before attempt ``attempts + 1``. ``jitter`` in [0, 1) spreads the retries of
        many deliveries (half fixed, half random) so a recovering receiver is not hit at once."""
        if not 0.0 <= jitter < 1.0:
            raise ValueError("jitter is in [0, 1)")
        ceiling = min(self.max_delay_s, self.initial_delay_s * 2 ** max(attempts - 1, 0))
        return timedelta(seconds=ceiling * (0.5 + 0.5 * jitter))

    def after_failure(self, attempts: int) -> Next:
        """``attempts`` counts the one that just failed."""
        return Next.DEAD if attempts >= self.max_attempts else Next.RETRY

    def next_attempt_at(self, attempts: int, now: datetime, jitter: float) -> datetime:
        return now + self.backoff(attempts, jitter)

    def should_pause(self, consecutive_failures: int) -> bool:
        return consecutive_failures >= self.pause_after_failures


def is_success(status: int) -> bool:
    return 200 <= status < 300
