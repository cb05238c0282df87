import itertools
from collections import Counter
from datetime import datetime
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asn_platform.vocabulary import AgeBand, Education, ElementCode, Occupation, Sex, age_band
from asn_surveys.domain.aggregate import (
    COUNTER_NAMES,
    BucketKey,
    CountersError,
    SurveyAggregate,
    buckets_for,
    counters_for,
)
from asn_surveys.domain.ikm import NoResponsesError
from asn_surveys.domain.response import SurveyResponseIn
from tests.unit.surveys.builders import AT, CODES, payload, response

responses = st.builds(
    lambda answers, sex, age, edu, occ: SurveyResponseIn.model_validate(
        payload(
            answers,
            respondent={"sex": sex, "age": age, "education": edu, "occupation": occ},
        ),
        context={"now": AT},
    ),
    st.lists(st.integers(1, 4), min_size=9, max_size=9),
    st.sampled_from([s.value for s in Sex]),
    st.integers(15, 100),
    st.sampled_from([e.value for e in Education]),
    st.sampled_from([o.value for o in Occupation]),
)


def recompute(
    rs: list[SurveyResponseIn],
) -> tuple[int, dict[ElementCode, Fraction], Fraction, Counter[str]]:
    """The definition, written out naively from raw responses."""
    n = len(rs)
    nrr = {c: Fraction(sum(r.answers_by_code[c] for r in rs), n) for c in ElementCode}
    ikm = sum(nrr.values(), Fraction(0)) / 9
    profile = Counter(
        f"{dim}={value}"
        for r in rs
        for dim, value in (
            ("sex", r.respondent.sex.value),
            ("age_band", age_band(r.respondent.age).value),
            ("education", r.respondent.education.value),
            ("occupation", r.respondent.occupation.value),
        )
    )
    return n, nrr, ikm, profile


def flat_profile(aggregate: SurveyAggregate) -> Counter[str]:
    return Counter(
        {
            f"{dim}={value}": count
            for dim, counts in aggregate.profile().items()
            for value, count in counts.items()
            if count
        }
    )


def assert_matches(aggregate: SurveyAggregate, rs: list[SurveyResponseIn]) -> None:
    n, nrr, ikm, profile = recompute(rs)
    result = aggregate.ikm()
    assert result.n == aggregate.n == n
    assert {s.code: s.nrr for s in result.elements} == nrr
    assert result.ikm == ikm
    assert result.converted == ikm * 25
    assert flat_profile(aggregate) == profile
    for code in ElementCode:
        counts = Counter(r.answers_by_code[code] for r in rs)
        assert aggregate.answer_counts(code) == tuple(counts[v] for v in (1, 2, 3, 4))


@settings(max_examples=150, deadline=None)
@given(st.lists(responses, min_size=1, max_size=40))
def test_incremental_adds_equal_recomputation(rs: list[SurveyResponseIn]) -> None:
    aggregate = SurveyAggregate()
    for r in rs:
        aggregate.add(r)
    assert_matches(aggregate, rs)


@settings(max_examples=150, deadline=None)
@given(st.lists(responses, min_size=1, max_size=40), st.data())
def test_any_split_then_merge_equals_the_whole(
    rs: list[SurveyResponseIn], data: st.DataObject
) -> None:
    # Cut the sequence into arbitrary consecutive parts (e.g. per service, per month) and merge.
    cuts = sorted(data.draw(st.lists(st.integers(0, len(rs)), max_size=5)))
    bounds = [0, *cuts, len(rs)]
    parts = [SurveyAggregate.of(rs[a:b]) for a, b in itertools.pairwise(bounds)]
    merged = SurveyAggregate.combine(parts)
    assert merged == SurveyAggregate.of(rs)
    assert_matches(merged, rs)
    in_place = SurveyAggregate()
    for part in reversed(parts):
        in_place.merge(part)
    assert in_place == merged


@settings(max_examples=100, deadline=None)
@given(st.lists(responses, max_size=30))
def test_counters_round_trip_and_sum_of_deltas(rs: list[SurveyResponseIn]) -> None:
    aggregate = SurveyAggregate.of(rs)
    counters = aggregate.to_counters()
    assert tuple(counters) == COUNTER_NAMES
    assert SurveyAggregate.from_counters(counters) == aggregate
    # What the SQL adapter does: start from zeros and add each response's delta.
    row = dict.fromkeys(COUNTER_NAMES, 0)
    for r in rs:
        for name, value in counters_for(r).items():
            row[name] += value
    assert row == counters


def test_delta_is_constant_size_and_sql_safe() -> None:
    delta = counters_for(response())
    assert len(delta) == 23  # n + 9 sums + 9 answer counts + 4 profile counters
    assert delta["n"] == 1
    assert delta["sum_u8"] == 2
    assert delta["cnt_u8_2"] == 1
    assert delta["sex_p"] == 1
    assert delta["age_30_39"] == 1
    assert delta["edu_s1"] == 1
    assert delta["occ_swasta"] == 1
    assert all(name.replace("_", "").isalnum() and name.islower() for name in COUNTER_NAMES)
    assert len(set(COUNTER_NAMES)) == len(COUNTER_NAMES) == 1 + 9 + 36 + 2 + 6 + 7 + 6
    assert "edu_d1_d3" in COUNTER_NAMES
    assert "age_lt20" in COUNTER_NAMES
    assert "age_60plus" in COUNTER_NAMES


def test_profile_has_every_category_with_zeros() -> None:
    profile = SurveyAggregate.of([response()]).profile()
    assert profile["sex"] == {"L": 0, "P": 1}
    assert list(profile["age_band"]) == [b.value for b in AgeBand]
    assert sum(profile["education"].values()) == 1


def test_missing_counters_are_zero_but_unknown_or_negative_are_refused() -> None:
    assert SurveyAggregate.from_counters({}) == SurveyAggregate()
    with pytest.raises(CountersError, match="unknown"):
        SurveyAggregate.from_counters({"sum_u10": 1})
    with pytest.raises(CountersError, match=">= 0"):
        SurveyAggregate.from_counters({"n": -1})


def test_inconsistent_counters_are_refused() -> None:
    counters = SurveyAggregate.of([response()]).to_counters()
    counters["sum_u1"] += 1
    with pytest.raises(CountersError, match="sum_u1"):
        SurveyAggregate.from_counters(counters)
    counters = SurveyAggregate.of([response()]).to_counters()
    counters["n"] = 2
    with pytest.raises(CountersError, match="n=2"):
        SurveyAggregate.from_counters(counters)


def test_empty_aggregate_has_no_index() -> None:
    with pytest.raises(NoResponsesError):
        SurveyAggregate().ikm()


def test_copy_is_independent() -> None:
    a = SurveyAggregate.of([response()])
    b = a.copy()
    b.add(response())
    assert (a.n, b.n) == (1, 2)


def test_buckets_for_a_response() -> None:
    keys = buckets_for(response())
    assert len(keys) == 8
    assert BucketKey("disdukcapil", "2026-M3") in keys
    assert BucketKey("disdukcapil", "2026-Q1", "KTP-el") in keys
    assert BucketKey("disdukcapil", "2026-Y", None) in keys


def test_buckets_use_the_jakarta_calendar() -> None:
    # 2026-03-31 18:00 UTC is already 1 April 01:00 in Jakarta: month 4, quarter 2.
    moment = "2026-03-31T18:00:00+00:00"
    keys = buckets_for(response(submitted_at=moment, now=datetime.fromisoformat(moment)))
    assert {k.period_key for k in keys} == {"2026-M4", "2026-Q2", "2026-S1", "2026-Y"}


def test_codes_fixture_matches_vocabulary() -> None:
    assert tuple(c.value for c in ElementCode) == CODES
