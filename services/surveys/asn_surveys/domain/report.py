"""Per-unit SKM report for a period: a display model (rounded Decimals, labels) and CSV text.

The adapter renders HTML from `UnitReport`; this module only rounds, labels and orders. Exact
values stay available in `UnitReport.result`. Reports carry counts and profile breakdowns only,
never comments or individual responses (personal data, UU 27/2022).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from asn_platform.periods import Period
from asn_platform.skm import mutu_label, round_half_up
from asn_platform.vocabulary import (
    EDUCATION_LABELS,
    ELEMENTS,
    OCCUPATION_LABELS,
    SEX_LABELS,
    ElementCode,
    Mutu,
)
from asn_surveys.domain.aggregate import PROFILE_DIMENSIONS, SurveyAggregate
from asn_surveys.domain.ikm import IkmResult, WeightsInput
from asn_surveys.domain.sample import required_sample

WEAKEST_COUNT = 3

DIMENSION_LABELS: dict[str, tuple[str, str]] = {
    "sex": ("Jenis Kelamin", "Sex"),
    "age_band": ("Usia", "Age"),
    "education": ("Pendidikan", "Education"),
    "occupation": ("Pekerjaan", "Occupation"),
}
VALUE_LABELS: dict[tuple[str, str], tuple[str, str]] = {
    **{("sex", k.value): v for k, v in SEX_LABELS.items()},
    **{("education", k.value): v for k, v in EDUCATION_LABELS.items()},
    **{("occupation", k.value): v for k, v in OCCUPATION_LABELS.items()},
}


@dataclass(frozen=True, slots=True)
class ElementLine:
    code: ElementCode
    name_id: str
    name_en: str
    nrr: Decimal  # 3 decimals
    converted: Decimal  # 2 decimals
    mutu: Mutu
    mutu_label_id: str
    mutu_label_en: str
    answer_counts: tuple[int, int, int, int]  # how many answered 1, 2, 3, 4


@dataclass(frozen=True, slots=True)
class ProfileLine:
    dimension: str  # sex, age_band, education, occupation
    dimension_label_id: str
    dimension_label_en: str
    value: str  # vocabulary code, e.g. "P", "30-39", "D1-D3", "Swasta"
    value_label_id: str
    value_label_en: str
    count: int
    percent: Decimal  # of n, 2 decimals (rows may not add to exactly 100.00)


@dataclass(frozen=True, slots=True)
class UnitReport:
    unit_id: str
    unit_name: str
    service: str | None  # None: all services of the unit
    period_key: str
    period_label_id: str
    period_label_en: str
    n: int
    population: int
    required_sample: int
    provisional: bool  # n below the Krejcie-Morgan minimum: shown, but not acted on
    ikm: Decimal  # 3 decimals, 1..4 scale
    converted: Decimal  # 2 decimals, 25..100 scale
    mutu: Mutu
    mutu_label_id: str
    mutu_label_en: str
    elements: tuple[ElementLine, ...]  # U1..U9
    weakest: tuple[ElementLine, ...]  # lowest three, weakest first
    profile: tuple[ProfileLine, ...]
    result: IkmResult  # exact values, for anything that computes further


def build_report(
    *,
    unit_id: str,
    unit_name: str,
    period: Period,
    aggregate: SurveyAggregate,
    population: int,
    weights: WeightsInput | None = None,
    service: str | None = None,
) -> UnitReport:
    """The report for one bucket; NoResponsesError when it has no responses yet."""
    result = aggregate.ikm(weights)
    lines = {score.code: _element_line(score.code, result, aggregate) for score in result.elements}
    needed = required_sample(population)
    return UnitReport(
        unit_id=unit_id,
        unit_name=unit_name,
        service=service,
        period_key=period.key,
        period_label_id=period.label("id"),
        period_label_en=period.label("en"),
        n=result.n,
        population=population,
        required_sample=needed,
        provisional=result.n < needed,
        ikm=result.ikm_display,
        converted=result.converted_display,
        mutu=result.mutu,
        mutu_label_id=mutu_label(result.mutu, "id"),
        mutu_label_en=mutu_label(result.mutu, "en"),
        elements=tuple(lines.values()),
        weakest=tuple(lines[score.code] for score in result.weakest(WEAKEST_COUNT)),
        profile=_profile(aggregate),
        result=result,
    )


def _element_line(code: ElementCode, result: IkmResult, aggregate: SurveyAggregate) -> ElementLine:
    score = result.element(code)
    element = ELEMENTS[code]
    return ElementLine(
        code=code,
        name_id=element.name_id,
        name_en=element.name_en,
        nrr=score.nrr_display,
        converted=score.converted_display,
        mutu=score.mutu,
        mutu_label_id=mutu_label(score.mutu, "id"),
        mutu_label_en=mutu_label(score.mutu, "en"),
        answer_counts=aggregate.answer_counts(code),
    )


def _profile(aggregate: SurveyAggregate) -> tuple[ProfileLine, ...]:
    n = aggregate.n
    counts = aggregate.profile()
    lines = []
    for dimension, values, _ in PROFILE_DIMENSIONS:
        dim_id, dim_en = DIMENSION_LABELS[dimension]
        for value in values:
            label_id, label_en = VALUE_LABELS.get((dimension, value), (value, value))
            count = counts[dimension][value]
            lines.append(
                ProfileLine(
                    dimension=dimension,
                    dimension_label_id=dim_id,
                    dimension_label_en=dim_en,
                    value=value,
                    value_label_id=label_id,
                    value_label_en=label_en,
                    count=count,
                    percent=round_half_up(Fraction(count * 100, n), 2),
                )
            )
    return tuple(lines)


CSV_HEADER = (
    "Unit",
    "Periode",
    "Layanan",
    "Bagian",
    "Kode",
    "Uraian",
    "Uraian (EN)",
    "NRR",
    "Nilai Konversi",
    "Mutu",
    "Kinerja Unit",
    "Jumlah",
    "Persentase",
)


def report_to_csv(report: UnitReport) -> str:
    """Comma-separated, RFC 4180 (csv module), one header row, decimal point '.'.

    Long format, one row per figure, with a "Bagian" (section) column: Unsur (U1..U9),
    IKM, Sampel, Unsur Terlemah, Responden.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    lead = [report.unit_name, report.period_label_id, report.service or "Semua layanan"]

    def row(section: str, code: str, name_id: str, name_en: str, *rest: object) -> None:
        cells = [*lead, section, code, name_id, name_en, *rest]
        cells += [""] * (len(CSV_HEADER) - len(cells))
        writer.writerow([_safe(cell) for cell in cells])

    for line in report.elements:
        row(
            "Unsur",
            line.code.value,
            line.name_id,
            line.name_en,
            line.nrr,
            line.converted,
            line.mutu.value,
            line.mutu_label_id,
            sum(line.answer_counts),
        )
    row(
        "IKM",
        "IKM",
        "Indeks Kepuasan Masyarakat",
        "Community satisfaction index",
        report.ikm,
        report.converted,
        report.mutu.value,
        report.mutu_label_id,
        report.n,
    )
    row("Sampel", "populasi", "Jumlah populasi", "Population served", *[""] * 4, report.population)
    row(
        "Sampel",
        "minimum",
        "Sampel minimum (Krejcie-Morgan)",
        "Minimum sample (Krejcie-Morgan)",
        *[""] * 4,
        report.required_sample,
    )
    row(
        "Sampel",
        "status",
        "Sementara (sampel belum cukup)" if report.provisional else "Memadai",
        "Provisional (sample too small)" if report.provisional else "Adequate",
    )
    for line in report.weakest:
        row(
            "Unsur Terlemah",
            line.code.value,
            line.name_id,
            line.name_en,
            line.nrr,
            line.converted,
            line.mutu.value,
            line.mutu_label_id,
        )
    for p in report.profile:
        row(
            "Responden",
            f"{p.dimension}:{p.value}",
            f"{p.dimension_label_id}: {p.value_label_id}",
            f"{p.dimension_label_en}: {p.value_label_en}",
            *[""] * 4,
            p.count,
            p.percent,
        )
    return buffer.getvalue()


def _safe(cell: object) -> str:
    # Unit and service names can come from outside; a leading =, +, -, @ would run as a
    # formula when the file is opened in a spreadsheet (CSV injection), so defuse it.
    text = str(cell)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text
