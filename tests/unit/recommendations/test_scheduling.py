"""Session dates: working days, lead time, no double booking; properties with hypothesis."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from asn_platform.timezone import JAKARTA
from asn_recommendations.domain.facts import Interval
from asn_recommendations.domain.scheduling import (
    WorkingCalendar,
    day_block,
    plan_sessions,
)
from tests.unit.recommendations.builders import CATALOGUE, nip

PLP = CATALOGUE["PLP-PRIMA"]  # 3 days
INTEGRITAS = CATALOGUE["INTEGRITAS"]  # 1 day
PKP = CATALOGUE["PKP"]  # 10 days
CAL = WorkingCalendar()


def wib(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), JAKARTA)


def test_first_session_respects_lead_time_and_runs_08_to_16_wib() -> None:
    plan = plan_sessions(INTEGRITAS, [[nip(1)]], {}, today=date(2026, 10, 1), lead_time_days=14)
    (session,) = plan.sessions
    assert session.days == (date(2026, 10, 15),)  # Thursday, exactly today + 14
    assert session.starts_at == wib(date(2026, 10, 15), 8)
    assert session.ends_at == wib(date(2026, 10, 15), 16)
    assert session.starts_at.utcoffset() == timedelta(hours=7)
    assert session.capacity == INTEGRITAS.capacity


def test_weekends_and_public_holidays_are_skipped() -> None:
    # today + 14 = Saturday 15 Aug 2026; Monday 17 Aug is Independence Day.
    plan = plan_sessions(INTEGRITAS, [[nip(1)]], {}, today=date(2026, 8, 1), lead_time_days=14)
    assert plan.sessions[0].days == (date(2026, 8, 18),)


def test_cuti_bersama_and_extra_days_off_are_skipped() -> None:
    # 24 Dec 2026 is cuti bersama, 25 Dec Christmas; then the weekend.
    plan = plan_sessions(INTEGRITAS, [[nip(1)]], {}, today=date(2026, 12, 10), lead_time_days=14)
    assert plan.sessions[0].days == (date(2026, 12, 28),)
    extra = WorkingCalendar(extra_days_off=frozenset({date(2026, 12, 28)}))
    plan = plan_sessions(
        INTEGRITAS, [[nip(1)]], {}, today=date(2026, 12, 10), lead_time_days=14, calendar=extra
    )
    assert plan.sessions[0].days == (date(2026, 12, 29),)
    without = WorkingCalendar(include_cuti_bersama=False)
    plan = plan_sessions(
        INTEGRITAS, [[nip(1)]], {}, today=date(2026, 12, 10), lead_time_days=14, calendar=without
    )
    assert plan.sessions[0].days == (date(2026, 12, 24),)


def test_multi_day_programme_uses_successive_working_days_across_a_weekend() -> None:
    plan = plan_sessions(PLP, [[nip(1)]], {}, today=date(2026, 10, 2), lead_time_days=14)
    # Friday 16 Oct, then Monday 19 and Tuesday 20.
    assert plan.sessions[0].days == (date(2026, 10, 16), date(2026, 10, 19), date(2026, 10, 20))
    assert len(plan.sessions[0].blocks) == 3


def test_clash_moves_the_session_and_weekend_bookings_do_not_clash() -> None:
    busy = {
        nip(1): [Interval(wib(date(2026, 10, 16), 13), wib(date(2026, 10, 16), 15))],
        nip(2): [Interval(wib(date(2026, 10, 17), 8), wib(date(2026, 10, 18), 16))],  # weekend
    }
    plan = plan_sessions(PLP, [[nip(1), nip(2)]], busy, today=date(2026, 10, 2), lead_time_days=14)
    assert plan.sessions[0].days == (date(2026, 10, 19), date(2026, 10, 20), date(2026, 10, 21))


def test_evening_bookings_and_utc_intervals() -> None:
    # 16:00-18:00 WIB touches the session's end but does not overlap it (half-open).
    evening = Interval(wib(date(2026, 10, 15), 16), wib(date(2026, 10, 15), 18))
    # 02:00-03:00 UTC is 09:00-10:00 WIB on 15 October: a clash.
    morning_utc = Interval(
        datetime(2026, 10, 15, 2, tzinfo=UTC), datetime(2026, 10, 15, 3, tzinfo=UTC)
    )
    plan = plan_sessions(
        INTEGRITAS, [[nip(1)]], {nip(1): [evening]}, today=date(2026, 10, 1), lead_time_days=14
    )
    assert plan.sessions[0].days == (date(2026, 10, 15),)
    plan = plan_sessions(
        INTEGRITAS, [[nip(1)]], {nip(1): [morning_utc]}, today=date(2026, 10, 1), lead_time_days=14
    )
    assert plan.sessions[0].days == (date(2026, 10, 16),)


def test_sessions_for_one_gap_run_one_after_another() -> None:
    plan = plan_sessions(PLP, [[nip(1)], [nip(2)]], {}, today=date(2026, 10, 1), lead_time_days=14)
    first, second = plan.sessions
    assert (first.number, second.number) == (1, 2)
    assert second.first_day > first.last_day
    assert second.participants == (nip(2),)


def test_no_free_dates_is_reported_not_dropped() -> None:
    start = wib(date(2026, 10, 1), 0)
    busy = {nip(1): [Interval(start, start + timedelta(days=800))]}
    plan = plan_sessions(
        INTEGRITAS, [[nip(1)], [nip(2)]], busy, today=date(2026, 10, 1), lead_time_days=14
    )
    assert plan.unplaced == ((nip(1),),)
    assert [s.participants for s in plan.sessions] == [(nip(2),)]


# -- properties -------------------------------------------------------------------------------

DAY = st.dates(date(2026, 1, 1), date(2027, 12, 31))


@st.composite
def busy_maps(draw: st.DrawFn, nips: list[str]) -> dict[str, list[Interval]]:
    out: dict[str, list[Interval]] = {}
    for person_nip in nips:
        intervals = []
        for _ in range(draw(st.integers(0, 4))):
            start = wib(draw(DAY), draw(st.integers(0, 23)))
            hours = draw(st.integers(1, 24 * 6))
            intervals.append(Interval(start, start + timedelta(hours=hours)))
        out[person_nip] = intervals
    return out


@st.composite
def scenarios(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    programme = draw(st.sampled_from(sorted(CATALOGUE.values(), key=lambda p: p.code)))
    programme = replace(programme, capacity=draw(st.integers(1, 6)))
    people = [nip(i) for i in range(draw(st.integers(1, 14)))]
    size = programme.capacity
    groups = [people[i : i + size] for i in range(0, len(people), size)][:3]
    busy = draw(busy_maps(people))
    today = draw(DAY)
    lead = draw(st.integers(0, 30))
    extra = frozenset(draw(st.lists(DAY, max_size=6)))
    return programme, groups, busy, today, lead, WorkingCalendar(extra_days_off=extra)


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_schedule_properties(scenario) -> None:  # type: ignore[no-untyped-def]
    programme, groups, busy, today, lead, calendar = scenario
    plan = plan_sessions(
        programme, groups, busy, today=today, lead_time_days=lead, calendar=calendar
    )
    seen: set[str] = set()
    previous_end: date | None = None
    for session in plan.sessions:
        # capacity respected; nobody in two sessions
        assert len(session.participants) <= programme.capacity
        assert not seen.intersection(session.participants)
        seen.update(session.participants)
        # never before the lead time; working days only; no working day skipped in between
        assert session.first_day >= today + timedelta(days=lead)
        assert len(session.days) == programme.days
        for day in session.days:
            assert day.weekday() < 5 and calendar.is_working_day(day)
            assert day not in calendar.extra_days_off
        span = calendar.working_days(session.first_day, session.last_day)
        assert tuple(span) == session.days
        # 08:00-16:00 WIB, aware
        for day, block in zip(session.days, session.blocks, strict=True):
            assert block == day_block(day)
            assert block.start.tzinfo is not None
        # no participant double-booked against their other sessions
        for person_nip in session.participants:
            for other in busy.get(person_nip, []):
                assert not session.overlaps(other)
        # sessions of one gap follow each other
        if previous_end is not None:
            assert session.first_day > previous_end
        previous_end = session.last_day
    # every group is either scheduled or reported
    scheduled = [s.participants for s in plan.sessions]
    assert sorted([*scheduled, *plan.unplaced]) == sorted(tuple(g) for g in groups)
    # deterministic
    again = plan_sessions(
        programme, groups, busy, today=today, lead_time_days=lead, calendar=calendar
    )
    assert again == plan


def test_a_negative_lead_time_puts_the_demo_sessions_in_the_past() -> None:
    # ASN_DEMO_LEAD_TIME_DAYS=-28 in development: both sessions of a gap are held already.
    today = date(2026, 12, 2)
    plan = plan_sessions(PLP, [[nip(1)], [nip(2)]], {}, today=today, lead_time_days=-28)
    assert len(plan.sessions) == 2
    assert plan.sessions[0].first_day == date(2026, 11, 4)
    assert all(s.last_day < today for s in plan.sessions)


def test_the_demo_lead_time_setting_replaces_the_rules_lead_time() -> None:
    from asn_recommendations.rules_file import load_configured_rules
    from asn_recommendations.settings import Settings

    assert load_configured_rules(Settings()).settings.lead_time_days == 14
    demo = load_configured_rules(Settings(demo_lead_time_days=-28))
    assert demo.settings.lead_time_days == -28
    assert demo.rules == load_configured_rules(Settings()).rules
