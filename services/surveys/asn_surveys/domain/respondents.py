"""The regulation's processing table per respondent (Permenpan RB 14/2017, lampiran): one row
per respondent with the value given to each element U1..U9, then per element the sum of the
values, NRR = sum / respondents, weighted NRR = NRR x weight (1/9 unless the unit set its
own), and IKM = the sum of the weighted NRRs (x 25 converted). Pure: the rows come in."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from fractions import Fraction

from asn_platform.periods import Period
from asn_platform.skm import round_half_up
from asn_platform.timezone import JAKARTA, to_jakarta
from asn_surveys.domain.ikm import ELEMENT_CODES, IkmResult


def period_span(period: Period) -> tuple[datetime, datetime]:
    """[start, end) of a period on the Jakarta calendar, as aware instants."""
    return (
        datetime.combine(period.first_day, time(0), JAKARTA),
        datetime.combine(period.next_first_day, time(0), JAKARTA),
    )


@dataclass(frozen=True, slots=True)
class RespondentRow:
    number: int  # 1-based position in the period, oldest first
    submitted_at: datetime
    service: str
    values: tuple[int, ...]  # U1..U9


@dataclass(frozen=True, slots=True)
class ElementFigures:
    code: str
    total: int  # the sum of the values given to the element
    nrr: Fraction
    weight: Fraction
    weighted: Fraction


def element_figures(result: IkmResult) -> tuple[ElementFigures, ...]:
    return tuple(
        ElementFigures(s.code.value, s.total, s.nrr, s.weight, s.nrr * s.weight)
        for s in result.elements
    )


def rows_from(records: Iterable[Sequence[object]], first_number: int) -> Iterator[RespondentRow]:
    """Records (submitted_at, service, u1..u9) numbered from ``first_number``."""
    for i, rec in enumerate(records):
        when, service, *values = rec
        assert isinstance(when, datetime)
        yield RespondentRow(
            first_number + i, when, str(service), tuple(int(str(v)) for v in values)
        )


def decimal_comma(value: Fraction | int, places: int) -> str:
    """Indonesian decimal comma, rounded half up for display only ("3,124")."""
    shown: Decimal = round_half_up(Fraction(value), places)
    return f"{shown:.{places}f}".replace(".", ",")


HEADER_ID = ("No. Responden", "Waktu (WIB)", "Layanan", *(c.value for c in ELEMENT_CODES))
_SEP = ";"  # the list separator of spreadsheets set to Indonesian (the decimal mark is a comma)


def _line(cells: Iterable[str]) -> str:
    out = []
    for cell in cells:
        if cell[:1] in ("=", "+", "-", "@"):  # no formula injection from a service name
            cell = "'" + cell
        if any(ch in cell for ch in (_SEP, '"', "\n", "\r")):
            cell = '"' + cell.replace('"', '""') + '"'
        out.append(cell)
    return _SEP.join(out) + "\r\n"


def csv_header() -> str:
    return _line(HEADER_ID)


def csv_row(row: RespondentRow) -> str:
    when = to_jakarta(row.submitted_at).strftime("%d-%m-%Y %H:%M")
    return _line((str(row.number), when, row.service, *(str(v) for v in row.values)))


def csv_footer(result: IkmResult) -> str:
    """The regulation's closing rows: sums, NRR, weighted NRR, IKM, converted IKM."""
    figures = element_figures(result)
    pad = ("", "")
    return "".join(
        (
            _line(("Jumlah nilai per unsur", *pad, *(str(f.total) for f in figures))),
            _line(("NRR per unsur", *pad, *(decimal_comma(f.nrr, 3) for f in figures))),
            _line(
                ("NRR tertimbang per unsur", *pad, *(decimal_comma(f.weighted, 3) for f in figures))
            ),
            _line(("IKM unit layanan", *pad, decimal_comma(result.ikm, 3))),
            _line(("IKM konversi (x 25)", *pad, decimal_comma(result.converted, 2))),
            _line(("Mutu", *pad, result.mutu.value)),
        )
    )
