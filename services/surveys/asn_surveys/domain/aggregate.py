"""Incremental, mergeable SKM aggregate for one (unit, optional service, period) bucket.

Holds only integer counters, so adding a response costs the same whether the bucket has ten
responses or ten million, and the adapter can keep it as one PostgreSQL row updated with
`SET n = n + $1, sum_u1 = sum_u1 + $2, ...` from `counters_for(response)`. Counters add up, so
city-wide figures and service -> unit rollups are plain merges, never a rescan of responses.
The exact IKM is recomputed from the counters on read (nine divisions), never stored rounded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from asn_platform.periods import periods_of
from asn_platform.vocabulary import AgeBand, Education, ElementCode, Occupation, Sex, age_band
from asn_surveys.domain.ikm import (
    ANSWER_VALUES,
    ELEMENT_CODES,
    IkmResult,
    WeightsInput,
    compute_ikm,
)
from asn_surveys.domain.response import SurveyResponseIn


def _column(prefix: str, value: str) -> str:
    # Enum values -> safe SQL identifiers: "D1-D3" -> "edu_d1_d3", "<20" -> "age_lt20".
    cleaned = value.lower().replace("<", "lt").replace("+", "plus").replace("-", "_")
    return f"{prefix}_{cleaned}"


# Profile dimensions in report order: (dimension key, enum members, counter-name prefix).
PROFILE_DIMENSIONS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("sex", tuple(m.value for m in Sex), "sex"),
    ("age_band", tuple(m.value for m in AgeBand), "age"),
    ("education", tuple(m.value for m in Education), "edu"),
    ("occupation", tuple(m.value for m in Occupation), "occ"),
)

SUM_COUNTERS: dict[ElementCode, str] = {code: f"sum_{code.value.lower()}" for code in ELEMENT_CODES}
ANSWER_COUNTERS: dict[tuple[ElementCode, int], str] = {
    (code, value): f"cnt_{code.value.lower()}_{value}"
    for code in ELEMENT_CODES
    for value in ANSWER_VALUES
}
PROFILE_COUNTERS: dict[tuple[str, str], str] = {
    (dimension, value): _column(prefix, value)
    for dimension, values, prefix in PROFILE_DIMENSIONS
    for value in values
}

# Every counter, in a stable order: the adapter's column list. All are lowercase
# [a-z0-9_] identifiers, safe to interpolate into SQL; values are non-negative integers.
COUNTER_NAMES: tuple[str, ...] = (
    "n",
    *SUM_COUNTERS.values(),
    *ANSWER_COUNTERS.values(),
    *PROFILE_COUNTERS.values(),
)


def counters_for(response: SurveyResponseIn) -> dict[str, int]:
    """The increments one response adds to a bucket (only the 23 non-zero ones).

    This is what the adapter adds in SQL; `SurveyAggregate.add` applies the same dict, so the
    in-memory and database aggregates cannot drift apart.
    """
    delta = {"n": 1}
    for code, value in response.answers_by_code.items():
        delta[SUM_COUNTERS[code]] = value
        delta[ANSWER_COUNTERS[(code, value)]] = 1
    respondent = response.respondent
    delta[PROFILE_COUNTERS[("sex", respondent.sex.value)]] = 1
    delta[PROFILE_COUNTERS[("age_band", age_band(respondent.age).value)]] = 1
    delta[PROFILE_COUNTERS[("education", respondent.education.value)]] = 1
    delta[PROFILE_COUNTERS[("occupation", respondent.occupation.value)]] = 1
    return delta


@dataclass(frozen=True, slots=True, order=True)
class BucketKey:
    """Which aggregate row a response lands in. service=None is the whole-unit bucket."""

    unit_id: str
    period_key: str
    service: str | None = None


def buckets_for(response: SurveyResponseIn) -> tuple[BucketKey, ...]:
    """The eight buckets one response updates: month, quarter, semester and year (on the
    Jakarta calendar), each for the whole unit and for the service received."""
    keys: list[BucketKey] = []
    for period in periods_of(response.submitted_at):
        keys.append(BucketKey(response.unit_id, period.key))
        keys.append(BucketKey(response.unit_id, period.key, response.service))
    return tuple(keys)


class CountersError(ValueError):
    """Counters that cannot come from any set of valid responses (corrupt row, bad merge)."""


class SurveyAggregate:
    """Mutable bag of counters; equality is counter equality."""

    __slots__ = ("_c",)

    def __init__(self) -> None:
        self._c: dict[str, int] = dict.fromkeys(COUNTER_NAMES, 0)

    # --- building -------------------------------------------------------------------------
    def add(self, response: SurveyResponseIn) -> None:
        """Count one response, in place, O(1)."""
        for name, value in counters_for(response).items():
            self._c[name] += value

    def merge(self, other: SurveyAggregate) -> None:
        """Add another bucket's counters into this one, in place (rollups, city-wide)."""
        for name in COUNTER_NAMES:
            self._c[name] += other._c[name]

    @classmethod
    def combine(cls, parts: Iterable[SurveyAggregate]) -> SurveyAggregate:
        """A new aggregate holding the sum of `parts` (which are left untouched)."""
        total = cls()
        for part in parts:
            total.merge(part)
        return total

    @classmethod
    def of(cls, responses: Iterable[SurveyResponseIn]) -> SurveyAggregate:
        aggregate = cls()
        for response in responses:
            aggregate.add(response)
        return aggregate

    def copy(self) -> SurveyAggregate:
        clone = SurveyAggregate()
        clone._c.update(self._c)
        return clone

    # --- persistence ----------------------------------------------------------------------
    def to_counters(self) -> dict[str, int]:
        """Every counter by name, COUNTER_NAMES order, zeros included."""
        return dict(self._c)

    @classmethod
    def from_counters(cls, counters: Mapping[str, int]) -> SurveyAggregate:
        """Rebuild from a stored row. Missing names count as 0 (a column added later);
        unknown names, negative or non-integer values, and inconsistent totals are refused."""
        aggregate = cls()
        problems: list[str] = []
        for name, value in counters.items():
            if name not in aggregate._c:
                problems.append(f"{name}: unknown counter")
            elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                problems.append(f"{name}: must be an integer >= 0, got {value!r}")
            else:
                aggregate._c[name] = value
        if problems:
            raise CountersError("; ".join(problems))
        aggregate.check()
        return aggregate

    def check(self) -> None:
        """Raise CountersError unless every per-element and profile total agrees with n."""
        c, n = self._c, self._c["n"]
        problems: list[str] = []
        for code in ELEMENT_CODES:
            counts = self.answer_counts(code)
            if sum(counts) != n:
                problems.append(f"{code}: {sum(counts)} answers counted for n={n}")
            weighted = sum(v * k for v, k in zip(ANSWER_VALUES, counts, strict=True))
            if weighted != c[SUM_COUNTERS[code]]:
                problems.append(
                    f"{SUM_COUNTERS[code]}={c[SUM_COUNTERS[code]]} but answer counts give {weighted}"
                )
        for dimension, values, _ in PROFILE_DIMENSIONS:
            total = sum(c[PROFILE_COUNTERS[(dimension, v)]] for v in values)
            if total != n:
                problems.append(f"{dimension}: {total} respondents counted for n={n}")
        if problems:
            raise CountersError("; ".join(problems))

    # --- reading --------------------------------------------------------------------------
    @property
    def n(self) -> int:
        return self._c["n"]

    def element_sum(self, code: ElementCode) -> int:
        return self._c[SUM_COUNTERS[code]]

    def answer_counts(self, code: ElementCode) -> tuple[int, int, int, int]:
        """How many answered 1, 2, 3 and 4 on this element."""
        a, b, c, d = (self._c[ANSWER_COUNTERS[(code, v)]] for v in ANSWER_VALUES)
        return (a, b, c, d)

    def profile(self) -> dict[str, dict[str, int]]:
        """Respondent counts: {"sex": {"L": 3, "P": 5}, "age_band": {...}, ...}, zeros kept."""
        return {
            dimension: {v: self._c[PROFILE_COUNTERS[(dimension, v)]] for v in values}
            for dimension, values, _ in PROFILE_DIMENSIONS
        }

    def ikm(self, weights: WeightsInput | None = None) -> IkmResult:
        """Exact IKM of this bucket; NoResponsesError when empty, WeightsError on bad weights."""
        totals = {
            code: (self.element_sum(code), sum(self.answer_counts(code))) for code in ELEMENT_CODES
        }
        return compute_ikm(self.n, totals, weights)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SurveyAggregate):
            return NotImplemented
        return self._c == other._c

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"SurveyAggregate(n={self.n})"
