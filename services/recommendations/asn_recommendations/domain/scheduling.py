"""Session dates: working days only, enough notice, nobody double-booked.

A programme of N days runs on N successive working days (a weekend or holiday in between is
skipped, not counted), 08:00-16:00 Asia/Jakarta each day. Sessions for one gap run one after
another (one trainer team per programme), each on the earliest dates that clash with no
participant's other bookings. Pure and deterministic: the calendar comes from the `holidays`
package's data, never from a clock or a network.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from asn_platform.timezone import JAKARTA
from asn_recommendations.domain.catalogue import ProgrammeInfo
from asn_recommendations.domain.facts import Interval

SESSION_START = time(8, 0)
SESSION_END = time(16, 0)
DEFAULT_HORIZON_DAYS = 366  # look at most a year ahead for a free slot


@lru_cache(maxsize=64)
def _public_days_off(year: int, cuti_bersama: bool) -> frozenset[date]:
    # "government" holds cuti bersama (joint leave days set by SKB 3 Menteri): ASN offices are
    # closed, so training on those days would be empty rooms.
    categories = ("public", "government") if cuti_bersama else ("public",)
    return frozenset(holidays.country_holidays("ID", years=year, categories=categories))


@dataclass(frozen=True, slots=True)
class WorkingCalendar:
    """Mon-Fri, minus Indonesian public holidays, cuti bersama and any extra days off."""

    extra_days_off: frozenset[date] = frozenset()
    include_cuti_bersama: bool = True

    def is_working_day(self, day: date) -> bool:
        if day.weekday() >= 5 or day in self.extra_days_off:
            return False
        return day not in _public_days_off(day.year, self.include_cuti_bersama)

    def working_days(self, start: date, end: date) -> list[date]:
        """Working days from start to end, both inclusive."""
        out: list[date] = []
        day = start
        while day <= end:
            if self.is_working_day(day):
                out.append(day)
            day += timedelta(days=1)
        return out


def day_block(day: date, start: time = SESSION_START, end: time = SESSION_END) -> Interval:
    """The teaching hours of one day, as an aware interval in WIB."""
    return Interval(datetime.combine(day, start, JAKARTA), datetime.combine(day, end, JAKARTA))


@dataclass(frozen=True, slots=True)
class Session:
    number: int  # 1-based within the decision
    programme_code: str
    days: tuple[date, ...]
    blocks: tuple[Interval, ...]  # one aware 08:00-16:00 WIB interval per day
    capacity: int
    participants: tuple[str, ...]  # NIPs

    @property
    def starts_at(self) -> datetime:
        return self.blocks[0].start

    @property
    def ends_at(self) -> datetime:
        return self.blocks[-1].end

    @property
    def first_day(self) -> date:
        return self.days[0]

    @property
    def last_day(self) -> date:
        return self.days[-1]

    def overlaps(self, interval: Interval) -> bool:
        return any(block.overlaps(interval) for block in self.blocks)


@dataclass(frozen=True, slots=True)
class SchedulePlan:
    sessions: tuple[Session, ...]
    # Groups for which no clash-free dates exist within the horizon; reported, never dropped.
    unplaced: tuple[tuple[str, ...], ...] = ()


def earliest_start(today: date, lead_time_days: int) -> date:
    return today + timedelta(days=lead_time_days)


def plan_sessions(
    programme: ProgrammeInfo,
    groups: Sequence[Sequence[str]],
    busy: Mapping[str, Iterable[Interval]],
    *,
    today: date,
    lead_time_days: int,
    calendar: WorkingCalendar | None = None,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    day_start: time = SESSION_START,
    day_end: time = SESSION_END,
) -> SchedulePlan:
    """Dates for one session per group of NIPs (see the module docstring for the rules).

    `today` is the Jakarta calendar date of the decision; `busy` maps NIP to the intervals of
    that person's other sessions. A group's first day is the earliest working day on or after
    today + lead time (and after the previous session) that gives `programme.days` successive
    working days free for every member.
    """
    if programme.days < 1:
        raise ValueError(f"programme {programme.code} must last at least one day")
    if day_end <= day_start:
        raise ValueError("a session day must end after it starts")
    cal = calendar or WorkingCalendar()
    first = earliest_start(today, lead_time_days)
    last_start = first + timedelta(days=horizon_days)
    # Enough calendar after the last allowed start for the longest run of working days.
    window = cal.working_days(first, last_start + timedelta(days=programme.days * 3 + 31))

    sessions: list[Session] = []
    unplaced: list[tuple[str, ...]] = []
    not_before = first
    for group in groups:
        nips = tuple(group)
        blocked = (
            _blocked_days(nips, busy, day_start, day_end, window[0], window[-1])
            if window
            else frozenset()
        )
        days = _first_free_run(window, programme.days, not_before, last_start, blocked)
        if days is None:
            unplaced.append(nips)
            continue
        sessions.append(
            Session(
                number=len(sessions) + 1,
                programme_code=programme.code,
                days=days,
                blocks=tuple(day_block(d, day_start, day_end) for d in days),
                capacity=programme.capacity,
                participants=nips,
            )
        )
        not_before = days[-1] + timedelta(days=1)
    return SchedulePlan(sessions=tuple(sessions), unplaced=tuple(unplaced))


def _blocked_days(
    nips: Iterable[str],
    busy: Mapping[str, Iterable[Interval]],
    start: time,
    end: time,
    lo: date,
    hi: date,
) -> frozenset[date]:
    """Days in [lo, hi] whose teaching hours overlap any member's other booking."""
    out: set[date] = set()
    for nip in nips:
        for interval in busy.get(nip, ()):
            day = max(interval.start.astimezone(JAKARTA).date(), lo)
            stop = min(interval.end.astimezone(JAKARTA).date(), hi)
            while day <= stop:
                if day_block(day, start, end).overlaps(interval):
                    out.add(day)
                day += timedelta(days=1)
    return frozenset(out)


def _first_free_run(
    window: Sequence[date],
    length: int,
    not_before: date,
    last_start: date,
    blocked: frozenset[date],
) -> tuple[date, ...] | None:
    for i, day in enumerate(window):
        if day < not_before:
            continue
        if day > last_start or i + length > len(window):
            return None
        run = window[i : i + length]
        if not any(d in blocked for d in run):
            return tuple(run)
    return None
