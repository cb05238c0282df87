import csv
import io
from decimal import Decimal

import pytest

from asn_platform.periods import Period
from asn_platform.vocabulary import ElementCode, Mutu
from asn_surveys.domain.aggregate import SurveyAggregate
from asn_surveys.domain.ikm import NoResponsesError
from asn_surveys.domain.report import CSV_HEADER, build_report, report_to_csv
from tests.unit.surveys.builders import response

Q1 = Period.parse("2026-Q1")
PEOPLE = [
    {"sex": "P", "age": 34, "education": "S1", "occupation": "Swasta"},
    {"sex": "L", "age": 19, "education": "SMA", "occupation": "Lainnya"},
    {"sex": "P", "age": 61, "education": "D1-D3", "occupation": "PNS"},
]
ROWS = [
    (4, 3, 3, 4, 3, 4, 4, 2, 3),
    (3, 3, 2, 4, 3, 3, 4, 2, 3),
    (4, 2, 3, 4, 4, 4, 3, 1, 2),
]


def example(service: str = "KTP-el", unit_name: str = "Dinas Kependudukan dan Pencatatan Sipil"):
    aggregate = SurveyAggregate.of(
        response(row, respondent=person, service=service)
        for row, person in zip(ROWS, PEOPLE, strict=True)
    )
    return build_report(
        unit_id="disdukcapil",
        unit_name=unit_name,
        period=Q1,
        aggregate=aggregate,
        population=100,
        service=service,
    )


def test_report_figures() -> None:
    report = example()
    assert (report.n, report.required_sample, report.provisional) == (3, 80, True)
    assert (report.ikm, report.converted, report.mutu) == (
        Decimal("3.111"),
        Decimal("77.78"),
        Mutu.B,
    )
    assert report.mutu_label_id == "Baik"
    assert report.period_label_id == "Triwulan I 2026"
    u8 = report.elements[7]
    assert (u8.code, u8.name_id, u8.name_en) == (
        ElementCode.U8,
        "Penanganan Pengaduan, Saran dan Masukan",
        "Handling of complaints, suggestions and feedback",
    )
    assert (u8.nrr, u8.converted, u8.mutu, u8.mutu_label_id) == (
        Decimal("1.667"),
        Decimal("41.67"),
        Mutu.D,
        "Tidak Baik",
    )
    assert u8.answer_counts == (1, 2, 0, 0)
    assert [line.code for line in report.weakest] == [
        ElementCode.U8,
        ElementCode.U2,
        ElementCode.U3,
    ]


def test_profile_counts_and_percentages() -> None:
    report = example()
    by_key = {(p.dimension, p.value): p for p in report.profile}
    assert by_key[("sex", "P")].count == 2
    assert by_key[("sex", "P")].percent == Decimal("66.67")
    assert by_key[("sex", "P")].value_label_id == "Perempuan"
    assert by_key[("sex", "L")].percent == Decimal("33.33")
    assert by_key[("age_band", "<20")].count == 1
    assert by_key[("age_band", "60+")].count == 1
    assert by_key[("education", "S3")].count == 0
    assert len(report.profile) == 2 + 6 + 7 + 6


def test_adequate_sample_is_not_provisional() -> None:
    aggregate = SurveyAggregate.of(response() for _ in range(10))
    report = build_report(unit_id="u", unit_name="U", period=Q1, aggregate=aggregate, population=10)
    assert (report.required_sample, report.provisional, report.service) == (10, False, None)


def test_empty_bucket_has_no_report() -> None:
    with pytest.raises(NoResponsesError):
        build_report(
            unit_id="u", unit_name="U", period=Q1, aggregate=SurveyAggregate(), population=10
        )


def test_csv() -> None:
    text = report_to_csv(example())
    assert ";" not in text
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == CSV_HEADER
    assert all(len(row) == len(CSV_HEADER) for row in rows)
    body = [dict(zip(CSV_HEADER, row, strict=True)) for row in rows[1:]]
    sections = [row["Bagian"] for row in body]
    assert sections.count("Unsur") == 9
    assert sections.count("IKM") == 1
    assert sections.count("Unsur Terlemah") == 3
    assert sections.count("Responden") == 21
    ikm = next(row for row in body if row["Bagian"] == "IKM")
    assert (ikm["NRR"], ikm["Nilai Konversi"], ikm["Mutu"], ikm["Kinerja Unit"], ikm["Jumlah"]) == (
        "3.111",
        "77.78",
        "B",
        "Baik",
        "3",
    )
    u8 = next(row for row in body if row["Bagian"] == "Unsur" and row["Kode"] == "U8")
    assert (u8["Uraian"], u8["NRR"], u8["Nilai Konversi"], u8["Mutu"]) == (
        "Penanganan Pengaduan, Saran dan Masukan",
        "1.667",
        "41.67",
        "D",
    )
    status = next(row for row in body if row["Kode"] == "status")
    assert status["Uraian"].startswith("Sementara")
    female = next(row for row in body if row["Kode"] == "sex:P")
    assert (female["Jumlah"], female["Persentase"]) == ("2", "66.67")
    assert {row["Layanan"] for row in body} == {"KTP-el"}


def test_csv_defuses_spreadsheet_formulas() -> None:
    text = report_to_csv(example(service='=HYPERLINK("http://x")'))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][2] == '\'=HYPERLINK("http://x")'
