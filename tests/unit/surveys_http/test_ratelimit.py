"""The in-process token bucket: burst, refill, Retry-After, per client, bounded memory."""

from __future__ import annotations

import pytest

from asn_surveys.api.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_passes_then_the_client_waits_for_the_refill() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=30, burst=3, clock=clock)  # one token per 2 s
    assert [limiter.acquire("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.acquire("a")
    assert wait == pytest.approx(2.0)
    assert limiter.retry_after_header(wait) == "2"
    clock.now += 1.0
    assert limiter.acquire("a") == pytest.approx(1.0)  # a refused try takes nothing
    clock.now += 1.0
    assert limiter.acquire("a") == 0.0
    assert limiter.acquire("b") == 0.0  # other clients are unaffected


def test_tokens_never_exceed_the_burst() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=2, clock=clock)
    limiter.acquire("a")
    clock.now += 3600
    assert [limiter.acquire("a") > 0 for _ in range(3)] == [False, False, True]


def test_memory_is_bounded_and_forgetting_only_makes_it_lenient() -> None:
    limiter = RateLimiter(per_minute=1, burst=1, max_clients=100, clock=Clock())
    for i in range(1000):
        limiter.acquire(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter) == 100
    assert limiter.acquire("10.0.0.0") == 0.0  # long forgotten: a fresh bucket


def test_zero_rate_turns_the_guard_off_and_bad_settings_are_refused() -> None:
    limiter = RateLimiter(per_minute=0, burst=1)
    assert not limiter.enabled
    assert all(limiter.acquire("a") == 0.0 for _ in range(100))
    assert limiter.retry_after_header(0.01) == "1"
    with pytest.raises(ValueError):
        RateLimiter(per_minute=10, burst=0)
