"""The printable SKM report as PDF (fpdf2), with the same sections and numbers as the HTML one
(templates/report.html): summary, scores per element, weakest elements, respondent profile.
Numbers keep the report's digits with the reader's marks (Indonesian decimal comma)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from fpdf import FPDF
from fpdf.fonts import FontFace

from asn_surveys.api.templates import format_number, format_wib
from asn_surveys.domain.report import ProfileLine, UnitReport

HEADING = FontFace(emphasis="BOLD", fill_color=(231, 231, 231))


class _Text:
    """Indonesian or English, and the core PDF fonts' Latin-1 (no font file to ship)."""

    def __init__(self, lang: str) -> None:
        self.en = lang == "en"

    def tr(self, id_text: str, en_text: str) -> str:
        return self.safe(en_text if self.en else id_text)

    def num(self, value: object) -> str:
        return format_number(value, self.en)

    @staticmethod
    def safe(text: str) -> str:
        return (
            text.replace("\u2014", "-")
            .replace("\u2013", "-")
            .encode("latin-1", "replace")
            .decode("latin-1")
        )


def _table(
    pdf: FPDF, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int]
) -> None:
    with pdf.table(col_widths=tuple(widths), headings_style=HEADING, line_height=6) as table:
        table.row(list(header))
        for cells in rows:
            table.row(list(cells))
    pdf.ln(3)


def _heading(pdf: FPDF, text: str) -> None:
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)


def _summary(pdf: FPDF, r: UnitReport, t: _Text) -> None:
    _heading(pdf, t.tr("I. Ringkasan", "I. Summary"))
    mutu_label = r.mutu_label_en if t.en else r.mutu_label_id
    rows = [
        (t.tr("Jumlah responden", "Respondents"), t.num(r.n)),
        (t.tr("Populasi (orang dilayani pada periode)", "Population (people served in the period)"),
         t.num(r.population)),
        (t.tr("Sampel minimum (Krejcie-Morgan)", "Minimum sample (Krejcie-Morgan)"),
         t.num(r.required_sample)),
        (t.tr("Nilai IKM (skala 1-4)", "IKM (1-4 scale)"), t.num(r.ikm)),
        (t.tr("Nilai IKM konversi (25-100)", "Converted IKM (25-100)"), t.num(r.converted)),
        (t.tr("Mutu pelayanan", "Service quality"), r.mutu.value),
        (t.tr("Kinerja unit pelayanan", "Unit performance"), t.safe(mutu_label)),
    ]  # fmt: skip
    _table(pdf, (t.tr("Uraian", "Item"), t.tr("Nilai", "Value")), rows, (110, 70))


def _elements(pdf: FPDF, r: UnitReport, t: _Text) -> None:
    _heading(pdf, t.tr("II. Nilai per Unsur Pelayanan", "II. Scores per Element"))
    rows = [
        (e.code.value, t.safe(e.name_en if t.en else e.name_id), t.num(e.nrr), t.num(e.converted),
         e.mutu.value, " / ".join(str(c) for c in e.answer_counts))
        for e in r.elements
    ]  # fmt: skip
    rows.append(("", t.tr("IKM unit pelayanan", "Unit IKM"), t.num(r.ikm), t.num(r.converted),
                 r.mutu.value, ""))  # fmt: skip
    header = ("No.", t.tr("Unsur pelayanan", "Element"), "NRR", t.tr("Konversi", "Converted"),
              t.tr("Mutu", "Quality"), t.tr("Jawaban 1/2/3/4", "Answers 1/2/3/4"))  # fmt: skip
    _table(pdf, header, rows, (12, 70, 22, 25, 16, 35))


def _weakest(pdf: FPDF, r: UnitReport, t: _Text, threshold: Decimal) -> None:
    _heading(pdf, t.tr("III. Unsur Terlemah (prioritas perbaikan)", "III. Weakest Elements"))
    below = t.tr("di bawah ambang", "below threshold")
    rows = [
        (str(i), t.safe(f"{e.code.value} {e.name_en if t.en else e.name_id}"), t.num(e.nrr),
         t.num(e.converted),
         e.mutu.value + (f" - {below} {t.num(threshold)}" if e.converted < threshold else ""))
        for i, e in enumerate(r.weakest, 1)
    ]  # fmt: skip
    header = (t.tr("Peringkat", "Rank"), t.tr("Unsur", "Element"), "NRR",
              t.tr("Konversi", "Converted"), t.tr("Mutu", "Quality"))  # fmt: skip
    _table(pdf, header, rows, (18, 80, 22, 25, 35))


def _profile(pdf: FPDF, groups: Sequence[Sequence[ProfileLine]], t: _Text) -> None:
    _heading(pdf, t.tr("IV. Profil Responden", "IV. Respondent Profile"))
    for lines in groups:
        dim = lines[0].dimension_label_en if t.en else lines[0].dimension_label_id
        rows = [
            (t.safe(p.value_label_en if t.en else p.value_label_id), t.num(p.count),
             t.num(p.percent))
            for p in lines
        ]  # fmt: skip
        _table(pdf, (t.safe(dim), t.tr("Jumlah", "Count"), "%"), rows, (110, 35, 35))


def report_pdf(
    r: UnitReport,
    profile_groups: Sequence[Sequence[ProfileLine]],
    *,
    lang: str,
    generated_at: datetime,
    threshold: Decimal,
) -> bytes:
    t = _Text(lang)
    pdf = FPDF(format="A4")
    pdf.set_title(t.safe(f"{t.tr('Laporan SKM', 'SKM report')} - {r.unit_name} - {r.period_key}"))
    pdf.set_margins(14, 16, 14)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    title = t.tr("Laporan Hasil Survei Kepuasan Masyarakat", "Public Satisfaction Survey Report")
    pdf.multi_cell(0, 7, title.upper(), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    period = r.period_label_en if t.en else r.period_label_id
    lines = [r.unit_name, period]
    if r.service:
        lines.append(f"{t.tr('Layanan', 'Service')}: {r.service}")
    lines.append(t.tr("Permenpan RB Nomor 14 Tahun 2017", "Permenpan RB Regulation 14/2017"))
    for line in lines:
        pdf.cell(0, 6, t.safe(line), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    if r.provisional:
        pdf.set_font("Helvetica", "B", 10)
        pdf.multi_cell(0, 6, t.tr(
            f"SEMENTARA: jumlah responden ({t.num(r.n)}) masih di bawah sampel minimum "
            f"Krejcie-Morgan ({t.num(r.required_sample)}); belum dapat dijadikan dasar tindak lanjut.",
            f"PROVISIONAL: responses ({t.num(r.n)}) are below the Krejcie-Morgan minimum "
            f"({t.num(r.required_sample)}); this result cannot be acted on yet.",
        ), border=1, new_x="LMARGIN", new_y="NEXT")  # fmt: skip
        pdf.ln(2)
    _summary(pdf, r, t)
    _elements(pdf, r, t)
    _weakest(pdf, r, t, threshold)
    _profile(pdf, profile_groups, t)
    pdf.set_font("Helvetica", "", 8)
    pdf.multi_cell(0, 5, t.tr(
        f"Dibuat {format_wib(generated_at)}. Laporan hanya memuat jumlah dan persentase; komentar "
        "dan jawaban perorangan tidak ditampilkan (UU 27/2022).",
        f"Generated {format_wib(generated_at)}. The report holds counts and percentages only; "
        "comments and individual answers are never shown (UU 27/2022).",
    ))  # fmt: skip
    return bytes(pdf.output())
