"""Cohort choice: who is excluded, need order, capacity split; properties with hypothesis."""

from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asn_platform.vocabulary import ElementCode, PositionType
from asn_recommendations.domain.cohort import (
    ExclusionReason,
    choose_cohort,
    need_key,
    relevant_positions,
)
from asn_recommendations.domain.facts import LearningRecord
from tests.unit.recommendations.builders import CATALOGUE, gap, nip, person, record

PLP = CATALOGUE["PLP-PRIMA"]  # capacity 30; manajerial.pelayanan_publik/komunikasi/integritas
FRONT = frozenset({PositionType.PELAKSANA, PositionType.FUNGSIONAL})


def test_exclusions_name_their_reason() -> None:
    staff = [
        person(1),
        person(2, active=False),
        person(3, PositionType.STRUKTURAL),
        person(4),
        person(5, unit_id="dinkes"),  # other unit: not part of this gap at all
    ]
    records = {nip(4): record(4, completed=(("PLP-PRIMA", date(2025, 5, 1)),))}
    cohort = choose_cohort(gap(), PLP, staff, records, catalogue=CATALOGUE, rule_positions=FRONT)
    assert cohort.nips == (nip(1),)
    assert {(e.nip, e.reason) for e in cohort.excluded} == {
        (nip(2), ExclusionReason.INACTIVE),
        (nip(3), ExclusionReason.POSITION),
        (nip(4), ExclusionReason.COMPLETED),
    }


def test_need_order_jp_then_time_since_related_training_then_nip() -> None:
    staff = [person(i) for i in range(1, 7)]
    records = {
        nip(1): record(1, jp=12),
        nip(2): record(2, jp=4, completed=(("KOMUNIKASI", date(2026, 6, 1)),)),  # related, recent
        nip(3): record(3, jp=4, completed=(("INTEGRITAS", date(2024, 1, 1)),)),  # related, long ago
        nip(4): record(4, jp=4, completed=(("WAWASAN", date(2026, 6, 1)),)),  # unrelated: never
        nip(5): record(5, jp=4),  # never trained
        # 6: no record at all -> 0 JP, the most in need
    }
    cohort = choose_cohort(gap(), PLP, staff, records, catalogue=CATALOGUE)
    assert cohort.nips == (nip(6), nip(4), nip(5), nip(3), nip(2), nip(1))
    assert cohort.members[3].last_related_training == date(2024, 1, 1)


def test_capacity_split_into_sessions_and_overflow() -> None:
    staff = [person(i) for i in range(1, 71)]
    cohort = choose_cohort(gap(), PLP, staff, {}, catalogue=CATALOGUE, max_sessions=2)
    assert [len(g) for g in cohort.groups] == [30, 30]
    assert len(cohort.overflow) == 10
    assert cohort.overflow[0].nip == nip(61)
    one = choose_cohort(gap(), PLP, staff[:5], {}, catalogue=CATALOGUE, max_sessions=2)
    assert [len(g) for g in one.groups] == [5]


def test_leadership_tracks_are_for_structural_posts_only() -> None:
    pkp = CATALOGUE["PKP"]
    assert relevant_positions(None, pkp) == {PositionType.STRUKTURAL}
    assert relevant_positions(FRONT, pkp) == frozenset()
    assert relevant_positions(None, PLP) == set(PositionType)
    staff = [person(1), person(2, PositionType.STRUKTURAL), person(3, PositionType.FUNGSIONAL)]
    cohort = choose_cohort(gap(), pkp, staff, {}, catalogue=CATALOGUE)
    assert cohort.nips == (nip(2),)


def test_caller_exclusions_and_duplicates() -> None:
    staff = [person(1), person(2)]
    cohort = choose_cohort(gap(), PLP, staff, {}, catalogue=CATALOGUE, exclude={nip(1)})
    assert cohort.nips == (nip(2),)
    assert cohort.excluded[0].reason is ExclusionReason.EXCLUDED_BY_CALLER
    with pytest.raises(ValueError, match="twice"):
        choose_cohort(gap(), PLP, [person(1), person(1)], {}, catalogue=CATALOGUE)


# -- properties -------------------------------------------------------------------------------

CODES = sorted(CATALOGUE)


@st.composite
def unit_staff(draw: st.DrawFn) -> tuple[list, dict[str, LearningRecord]]:
    seqs = draw(st.lists(st.integers(1, 400), unique=True, max_size=90))
    staff = [
        person(
            s,
            draw(st.sampled_from(list(PositionType))),
            active=draw(st.booleans() | st.just(True)),
        )
        for s in seqs
    ]
    records = {}
    for s in seqs:
        if draw(st.booleans()):
            done = draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(CODES),
                        st.dates(date(2020, 1, 1), date(2026, 9, 30)),
                    ),
                    max_size=4,
                )
            )
            records[nip(s)] = record(s, jp=draw(st.integers(0, 60)), completed=tuple(done))
    return staff, records


@settings(max_examples=150, deadline=None)
@given(
    data=unit_staff(),
    code=st.sampled_from(CODES),
    max_sessions=st.integers(1, 3),
    positions=st.none() | st.frozensets(st.sampled_from(list(PositionType)), min_size=1),
    seed=st.integers(0, 2**16),
)
def test_cohort_properties(data, code, max_sessions, positions, seed) -> None:  # type: ignore[no-untyped-def]
    staff, records = data
    programme = CATALOGUE[code]
    the_gap = gap(element=ElementCode.U6)
    cohort = choose_cohort(
        the_gap,
        programme,
        staff,
        records,
        catalogue=CATALOGUE,
        rule_positions=positions,
        max_sessions=max_sessions,
    )
    members = cohort.members
    by_nip = {p.nip: p for p in staff}
    # capacity respected, and no more sessions than allowed
    assert len(cohort.groups) <= max_sessions
    assert all(0 < len(g) <= programme.capacity for g in cohort.groups)
    # nobody scheduled for what they completed; only active, relevant people
    allowed = relevant_positions(positions, programme)
    for m in (*members, *cohort.overflow):
        assert not (records.get(m.nip) or LearningRecord(m.nip)).has_completed(code)
        assert by_nip[m.nip].active and by_nip[m.nip].position_type in allowed
    # everyone accounted for exactly once
    placed = [m.nip for m in (*members, *cohort.overflow)] + [e.nip for e in cohort.excluded]
    assert sorted(placed) == sorted(by_nip)
    # overflow only when the sessions are full; need order throughout
    if cohort.overflow:
        assert len(members) == programme.capacity * max_sessions
    ordered = [*members, *cohort.overflow]
    assert ordered == sorted(ordered, key=need_key)
    # deterministic, whatever order the read model listed the staff in
    shuffled = list(staff)
    random.Random(seed).shuffle(shuffled)
    again = choose_cohort(
        the_gap,
        programme,
        shuffled,
        records,
        catalogue=CATALOGUE,
        rule_positions=positions,
        max_sessions=max_sessions,
    )
    assert again == cohort
