from fractions import Fraction

import pytest

from asn_platform.periods import PeriodKind
from asn_surveys.domain.sample import (
    KREJCIE_MORGAN_TABLE,
    is_adequate,
    krejcie_morgan,
    population_in_period,
    required_sample,
)


@pytest.mark.parametrize(
    ("population", "sample"),
    [
        (10, 10),
        (50, 44),
        (100, 80),
        (500, 217),
        (1000, 278),
        (5000, 357),
        (10000, 370),
        (100000, 384),
        (1000000, 384),
    ],
)
def test_published_values(population: int, sample: int) -> None:
    assert required_sample(population) == sample


def test_every_published_table_entry() -> None:
    for population, sample in KREJCIE_MORGAN_TABLE.items():
        assert required_sample(population) == sample, population


def test_formula_is_exact() -> None:
    # 3.841 x 100 x 0.25 / (0.0025 x 99 + 3.841 x 0.25) = 96.025 / 1.20775
    assert krejcie_morgan(100) == Fraction("96.025") / Fraction("1.20775")


def test_table_rounds_to_nearest_not_up() -> None:
    # Why not ceil: N=50 gives 44.34 (table 44), N=500 gives 217.47 (table 217).
    assert 44 < krejcie_morgan(50) < Fraction(89, 2)
    assert 217 < krejcie_morgan(500) < Fraction(435, 2)


def test_monotone_never_above_population_and_capped_at_384() -> None:
    previous = 0
    for population in [*range(1, 3000), *range(3000, 2_000_000, 997), 10**9]:
        value = required_sample(population)
        assert previous <= value <= min(population, 384), population
        previous = value
    assert required_sample(10**9) == 384


def test_small_populations_need_everyone() -> None:
    assert [required_sample(n) for n in (1, 2, 5)] == [1, 2, 5]


def test_is_adequate() -> None:
    assert is_adequate(80, 100)
    assert not is_adequate(79, 100)
    assert is_adequate(400, 1_430_000)
    with pytest.raises(ValueError):
        is_adequate(-1, 100)


@pytest.mark.parametrize("bad", [0, -3, True])
def test_population_must_be_positive(bad: int) -> None:
    with pytest.raises(ValueError, match="population"):
        required_sample(bad)


def test_population_in_period() -> None:
    assert population_in_period(12000, PeriodKind.QUARTER) == 36000
    assert population_in_period(600, PeriodKind.YEAR) == 7200
    assert population_in_period(0, PeriodKind.MONTH) == 1
