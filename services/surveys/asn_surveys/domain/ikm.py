"""IKM (Indeks Kepuasan Masyarakat) maths of Permenpan RB 14/2017, on exact fractions.

Per element NRR = mean answer (1..4). IKM = sum(NRR_i x weight_i), weights 1/9 each unless the
unit sets its own (positive, all nine, summing to exactly 1). Converted IKM = IKM x 25 (25..100).
Nothing here rounds: 1/9 written as 0.11 would cap a perfect unit at 99.00 instead of 100.00,
so weights and results stay Fractions and only the *_display values are rounded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType

from asn_platform.skm import NumberLike, converted, mutu_of, round_half_up, to_fraction
from asn_platform.vocabulary import ElementCode, Mutu

ANSWER_VALUES = (1, 2, 3, 4)
ELEMENT_CODES: tuple[ElementCode, ...] = tuple(ElementCode)

Weights = Mapping[ElementCode, Fraction]
# What callers may pass: keys as ElementCode or plain "U1".."U9" strings (e.g. from a DB row).
WeightsInput = Mapping[ElementCode, NumberLike] | Mapping[str, NumberLike]
DEFAULT_WEIGHTS: Weights = MappingProxyType({code: Fraction(1, 9) for code in ELEMENT_CODES})


class WeightsError(ValueError):
    """Custom weights refused; `problems` lists (element or 'total', problem) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"bobot {where}: {what}" for where, what in problems))


class NoResponsesError(ValueError):
    """An index over zero responses is undefined (not 25, not 0)."""


def validate_weights(raw: WeightsInput | None) -> Weights:
    """Exact, validated weights keyed by ElementCode; None means the default 1/9 each.

    Accepts Fractions, ints, Decimals, strings ("1/9", "0.2") and floats (read as typed).
    All nine elements are required, each positive, summing to exactly 1; every problem found
    is reported at once, naming the element.
    """
    if raw is None:
        return DEFAULT_WEIGHTS
    problems: list[tuple[str, str]] = []
    weights: dict[ElementCode, Fraction] = {}
    for key, value in raw.items():
        try:
            code = ElementCode(str(key).strip().upper())
        except ValueError:
            problems.append((str(key), "unsur tidak dikenal, hanya U1-U9 (unknown element)"))
            continue
        if code in weights:
            problems.append((code.value, "disebut dua kali (given twice)"))
            continue
        try:
            weight = to_fraction(value)
        except ValueError:
            problems.append((code.value, f"{value!r} bukan angka (not a number)"))
            continue
        if weight <= 0:
            problems.append((code.value, f"harus lebih dari 0, bukan {weight} (must be positive)"))
            continue
        weights[code] = weight
    problems += _set_problems(weights, problems)
    if problems:
        raise WeightsError(problems)
    return MappingProxyType({code: weights[code] for code in ELEMENT_CODES})


def _set_problems(
    weights: Mapping[ElementCode, Fraction], found: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """What is wrong with the set as a whole: elements missing, or a total other than 1
    (judged only when each weight given was fine)."""
    problems = [
        (code.value, "tidak ada; kesembilan unsur wajib (missing)")
        for code in ELEMENT_CODES
        if code not in weights and not any(p[0] == code.value for p in found)
    ]
    total = sum(weights.values(), Fraction(0))
    if not found and not problems and total != 1:
        problems.append(
            (
                "total",
                f"jumlah harus tepat 1, sekarang {total} ≈ {float(total):.6f} "
                "(weights must sum to exactly 1; write 1/9, not 0.11)",
            )
        )
    return problems


def nrr(total: int, count: int) -> Fraction:
    """Nilai rata-rata unsur: sum of answers / number of answers, exact."""
    if count <= 0:
        raise NoResponsesError("NRR tanpa jawaban tidak terdefinisi (no answers)")
    return Fraction(total, count)


@dataclass(frozen=True, slots=True)
class ElementScore:
    """One element's result. Exact values; *_display are for screens and files only."""

    code: ElementCode
    count: int  # answers to this element
    total: int  # sum of those answers
    weight: Fraction
    nrr: Fraction
    converted: Fraction
    mutu: Mutu

    @property
    def nrr_display(self) -> Decimal:
        return round_half_up(self.nrr, 3)

    @property
    def converted_display(self) -> Decimal:
        return round_half_up(self.converted, 2)


@dataclass(frozen=True, slots=True)
class IkmResult:
    """A unit's (or rollup's) index: per element in U1..U9 order, and overall."""

    n: int  # responses
    elements: tuple[ElementScore, ...]
    ikm: Fraction  # 1..4 scale
    converted: Fraction  # 25..100 scale
    mutu: Mutu

    def element(self, code: ElementCode | str) -> ElementScore:
        wanted = ElementCode(code)
        for score in self.elements:
            if score.code is wanted:
                return score
        raise KeyError(code)

    @property
    def ikm_display(self) -> Decimal:
        return round_half_up(self.ikm, 3)

    @property
    def converted_display(self) -> Decimal:
        return round_half_up(self.converted, 2)

    def weakest(self, count: int = 3) -> tuple[ElementScore, ...]:
        """Lowest exact converted scores first; ties keep U1..U9 order (deterministic)."""
        order = {code: i for i, code in enumerate(ELEMENT_CODES)}
        ranked = sorted(self.elements, key=lambda s: (s.converted, order[s.code]))
        return tuple(ranked[:count])


def compute_ikm(
    n: int,
    totals: Mapping[ElementCode, tuple[int, int]],
    weights: WeightsInput | None = None,
) -> IkmResult:
    """IKM from per-element (sum of answers, number of answers) and n responses.

    This is the one place the formula lives; aggregates and reports call it.
    """
    if n <= 0:
        raise NoResponsesError("belum ada responden (no responses yet)")
    exact_weights = validate_weights(weights)
    scores = []
    index = Fraction(0)
    for code in ELEMENT_CODES:
        total, count = totals[code]
        value = nrr(total, count)
        index += value * exact_weights[code]
        scores.append(
            ElementScore(
                code=code,
                count=count,
                total=total,
                weight=exact_weights[code],
                nrr=value,
                converted=converted(value),
                mutu=mutu_of(converted(value)),
            )
        )
    return IkmResult(
        n=n,
        elements=tuple(scores),
        ikm=index,
        converted=converted(index),
        mutu=mutu_of(converted(index)),
    )


def ikm_from_answers(
    answer_sets: Iterable[Mapping[ElementCode, int]],
    weights: WeightsInput | None = None,
) -> IkmResult:
    """Straight recomputation from raw answer sets (batch jobs, tests, audits)."""
    totals = {code: [0, 0] for code in ELEMENT_CODES}
    n = 0
    for answers in answer_sets:
        n += 1
        for code in ELEMENT_CODES:
            value = answers[code]
            if isinstance(value, bool) or value not in ANSWER_VALUES:
                raise ValueError(f"{code}: jawaban {value!r} harus 1-4 (answer must be 1-4)")
            totals[code][0] += value
            totals[code][1] += 1
    return compute_ikm(n, {c: (t[0], t[1]) for c, t in totals.items()}, weights)
