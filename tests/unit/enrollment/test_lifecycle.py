from datetime import UTC, datetime, timedelta
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asn_enrollment.domain.lifecycle import (
    BOOKING_STATUSES,
    NEEDS_STARTED_SESSION,
    TRANSITIONS,
    Booking,
    Enrollment,
    IllegalTransition,
    InvalidScore,
    MissingReason,
    SessionNotStarted,
    accept,
    advance,
    check_started,
    check_transition,
    decide_accept,
    find_conflict,
    free_seats,
    invite,
    jp_credit,
    overlaps,
    promote_from_waitlist,
)
from asn_platform.timezone import JAKARTA
from asn_platform.vocabulary import EnrollmentStatus as S

# The table from the brief, written out independently of the code.
LEGAL = {
    (S.INVITED, S.ENROLLED),
    (S.INVITED, S.DECLINED),
    (S.INVITED, S.WAITLISTED),
    (S.WAITLISTED, S.ENROLLED),
    (S.WAITLISTED, S.CANCELLED),
    (S.WAITLISTED, S.DECLINED),
    (S.ENROLLED, S.CANCELLED),
    (S.ENROLLED, S.ATTENDED),
    (S.ENROLLED, S.NO_SHOW),
    (S.ATTENDED, S.COMPLETED),
}
ALL_PAIRS = list(product(S, S))
T0 = datetime(2026, 7, 1, 9, 0, tzinfo=JAKARTA)


def test_table_matches_the_brief() -> None:
    assert {(a, b) for a, targets in TRANSITIONS.items() for b in targets} == LEGAL
    assert set(TRANSITIONS) == set(S)


def _data(target: S) -> dict:
    return {"reason": "Bentrok dengan tugas luar", "score": 85}


@pytest.mark.parametrize(("current", "target"), ALL_PAIRS)
def test_every_state_pair(current: S, target: S) -> None:
    if (current, target) in LEGAL:
        check_transition(current, target, **_data(target))
        moved = advance(Enrollment("n", "s", current, T0), target, T0, **_data(target))
        assert moved.status is target
    else:
        with pytest.raises(IllegalTransition) as caught:
            check_transition(current, target, **_data(target))
        error = caught.value
        assert (error.from_state, error.to_state) == (current, target)
        assert set(error.allowed) == {b for a, b in LEGAL if a is current}
        message = str(error)
        assert message.startswith(
            f"perubahan status dari '{current}' ke '{target}' tidak diizinkan"
        )
        assert f"transition from '{current}' to '{target}' is not allowed" in message
        for allowed in error.allowed:
            assert allowed in message


@given(st.sampled_from(S), st.sampled_from(S))
def test_property_transition_allowed_iff_in_table(current: S, target: S) -> None:
    try:
        check_transition(current, target, reason="alasan", score=50)
    except IllegalTransition:
        assert (current, target) not in LEGAL
    else:
        assert (current, target) in LEGAL


def test_final_states_say_so() -> None:
    with pytest.raises(IllegalTransition, match=r"tidak ada \(status akhir\)") as caught:
        check_transition(S.COMPLETED, S.ENROLLED)
    assert caught.value.allowed == ()
    assert "none (final state)" in str(caught.value)


@pytest.mark.parametrize("current", [S.INVITED, S.WAITLISTED])
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_decline_needs_a_reason(current: S, reason: str | None) -> None:
    with pytest.raises(MissingReason, match="alasan menolak wajib diisi"):
        check_transition(current, S.DECLINED, reason=reason)


@pytest.mark.parametrize("score", [None, -1, 101, True])
def test_completion_needs_a_score_0_to_100(score: int | None) -> None:
    with pytest.raises(InvalidScore, match="nilai kelulusan wajib diisi, 0-100"):
        check_transition(S.ATTENDED, S.COMPLETED, score=score)


@pytest.mark.parametrize("score", [0, 100])
def test_score_bounds_are_inclusive(score: int) -> None:
    check_transition(S.ATTENDED, S.COMPLETED, score=score)


def test_a_full_journey_records_queue_time_reason_and_score() -> None:
    e = invite("198504122010011001", "sess-1", T0)
    e = accept(e, capacity=2, enrolled_count=2, at=T0 + timedelta(hours=1))
    assert e.status is S.WAITLISTED and e.waitlisted_at == T0 + timedelta(hours=1)
    e = advance(e, S.ENROLLED, T0 + timedelta(days=1))
    assert e.waitlisted_at == T0 + timedelta(hours=1)  # kept for the record
    e = advance(e, S.ATTENDED, T0 + timedelta(days=5))
    e = advance(e, S.COMPLETED, T0 + timedelta(days=6), score=88)
    assert (e.status, e.score, e.changed_at) == (S.COMPLETED, 88, T0 + timedelta(days=6))

    declined = advance(invite("x", "s", T0), S.DECLINED, T0, reason="  Sedang cuti ")
    assert declined.reason == "Sedang cuti"


def test_accept_when_not_invited_is_illegal() -> None:
    enrolled = Enrollment("n", "s", S.ENROLLED, T0)
    with pytest.raises(IllegalTransition):
        accept(enrolled, capacity=10, enrolled_count=0, at=T0)


@pytest.mark.parametrize(
    ("capacity", "count", "expected"),
    [(1, 0, S.ENROLLED), (3, 2, S.ENROLLED), (3, 3, S.WAITLISTED), (3, 7, S.WAITLISTED)],
)
def test_decide_accept(capacity: int, count: int, expected: S) -> None:
    assert decide_accept(capacity, count) is expected


def test_decide_accept_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        decide_accept(0, 0)
    with pytest.raises(ValueError):
        decide_accept(5, -1)


def test_free_seats_never_negative() -> None:
    assert free_seats(10, 7) == 3
    assert free_seats(5, 8) == 0


def _queued(name: str, minutes: int, tz=JAKARTA) -> Enrollment:
    at = T0.astimezone(tz) + timedelta(minutes=minutes)
    return Enrollment(name, "s", S.WAITLISTED, at, waitlisted_at=at)


def test_waitlist_promotion_is_first_come_first_served() -> None:
    queue = [_queued("c", 30), _queued("a", 10), _queued("d", 40), _queued("b", 20)]
    assert [e.nip for e in promote_from_waitlist(queue, 2)] == ["a", "b"]
    assert [e.nip for e in promote_from_waitlist(queue, 10)] == ["a", "b", "c", "d"]
    assert promote_from_waitlist(queue, 0) == []
    assert promote_from_waitlist(queue, -3) == []
    assert promote_from_waitlist([], 5) == []


def test_waitlist_ties_keep_given_order_and_zones_compare_as_instants() -> None:
    queue = [_queued("late-utc", 5, UTC), _queued("tie-1", 0), _queued("tie-2", 0)]
    assert [e.nip for e in promote_from_waitlist(queue, 3)] == ["tie-1", "tie-2", "late-utc"]


def test_waitlist_entry_without_time_is_refused() -> None:
    with pytest.raises(ValueError):
        promote_from_waitlist([Enrollment("a", "s", S.WAITLISTED, T0)], 1)


def h(hour: int, minute: int = 0) -> datetime:
    return T0.replace(hour=hour, minute=minute)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((h(9), h(12)), (h(12), h(15)), False),  # touching: one ends as the other starts
        ((h(12), h(15)), (h(9), h(12)), False),
        ((h(9), h(12)), (h(13), h(15)), False),  # disjoint
        ((h(9), h(12)), (h(11, 59), h(15)), True),  # one minute of overlap
        ((h(9), h(17)), (h(10), h(11)), True),  # containment
        ((h(10), h(11)), (h(9), h(17)), True),
        ((h(9), h(12)), (h(9), h(12)), True),  # identical
    ],
)
def test_overlaps(a: tuple, b: tuple, expected: bool) -> None:
    assert overlaps(*a, *b) is expected


def test_overlap_compares_instants_across_zones() -> None:
    utc_noon_wib = datetime(2026, 7, 1, 5, 0, tzinfo=UTC)  # 12:00 WIB
    assert not overlaps(h(9), h(12), utc_noon_wib, utc_noon_wib + timedelta(hours=2))
    assert overlaps(h(9), h(12, 1), utc_noon_wib, utc_noon_wib + timedelta(hours=2))


def test_overlap_refuses_empty_or_reversed_intervals() -> None:
    with pytest.raises(ValueError):
        overlaps(h(9), h(9), h(8), h(10))
    with pytest.raises(ValueError):
        overlaps(h(8), h(10), h(11), h(9))


@pytest.mark.parametrize("status", list(S))
def test_only_booked_statuses_block(status: S) -> None:
    booking = Booking("e1", h(9), h(12), status)
    conflict = find_conflict(h(10), h(11), [booking])
    assert (conflict is booking) == (status in {S.ENROLLED, S.WAITLISTED, S.ATTENDED})
    assert (status in BOOKING_STATUSES) == (status in {S.ENROLLED, S.WAITLISTED, S.ATTENDED})


def test_find_conflict_returns_the_earliest_clash_and_ignores_touching() -> None:
    bookings = [
        Booking("late", h(14), h(16), S.ENROLLED),
        Booking("early", h(8), h(10), S.WAITLISTED),
        Booking("touching", h(16), h(18), S.ENROLLED),
        Booking("invited", h(9), h(17), S.INVITED),
    ]
    assert find_conflict(h(9), h(16), bookings) == bookings[1]
    assert find_conflict(h(10), h(14), bookings) is None


@pytest.mark.parametrize("status", list(S))
def test_jp_is_credited_only_on_completion(status: S) -> None:
    assert jp_credit(24, status) == (24 if status is S.COMPLETED else 0)


def test_jp_credit_refuses_non_positive_jp() -> None:
    with pytest.raises(ValueError):
        jp_credit(0, S.COMPLETED)


@pytest.mark.parametrize("target", list(S))
def test_only_attendance_no_show_and_completion_wait_for_the_start(target: S) -> None:
    starts = datetime(2027, 2, 1, 8, 0, tzinfo=JAKARTA)
    check_started(target, starts, starts)  # at the start itself: allowed
    if target in (S.ATTENDED, S.NO_SHOW, S.COMPLETED):
        assert target in NEEDS_STARTED_SESSION
        with pytest.raises(SessionNotStarted) as refused:
            check_started(target, starts, starts - timedelta(microseconds=1))
        assert refused.value.target is target and refused.value.starts_at == starts
        assert "setelah sesi dimulai" in str(refused.value)
    else:
        check_started(target, starts, starts - timedelta(days=30))


def test_started_check_compares_instants_across_zones() -> None:
    starts = datetime(2027, 2, 1, 8, 0, tzinfo=JAKARTA)  # 01:00 UTC
    check_started(S.ATTENDED, starts, datetime(2027, 2, 1, 1, 0, tzinfo=UTC))
    with pytest.raises(SessionNotStarted):
        check_started(S.ATTENDED, starts, datetime(2027, 2, 1, 0, 59, tzinfo=UTC))
