"""The processing table per respondent, pure parts: period spans on the Jakarta calendar, the
regulation's closing rows, the CSV's Indonesian marks and its guard against formulas."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction

from asn_platform.periods import Period
from asn_platform.timezone import JAKARTA
from asn_platform.vocabulary import ElementCode
from asn_surveys.domain.ikm import ikm_from_answers
from asn_surveys.domain.respondents import (
    RespondentRow,
    csv_footer,
    csv_row,
    decimal_comma,
    element_figures,
    period_span,
)


def test_period_spans_end_where_the_next_period_starts() -> None:
    assert period_span(Period.parse("2026-M12")) == (
        datetime(2026, 12, 1, tzinfo=JAKARTA),
        datetime(2027, 1, 1, tzinfo=JAKARTA),
    )
    for key, end in (("2026-Q4", (2027, 1)), ("2026-Q1", (2026, 4)), ("2026-S1", (2026, 7)),
                     ("2026-Y", (2027, 1)), ("2026-M2", (2026, 3))):  # fmt: skip
        assert period_span(Period.parse(key))[1] == datetime(*end, 1, tzinfo=JAKARTA)
    # 31 Dec 2026 23:30 WIB is 16:30 UTC: inside 2026, as the buckets count it
    start, stop = period_span(Period.parse("2026-Y"))
    assert start <= datetime(2026, 12, 31, 16, 30, tzinfo=UTC) < stop


def test_closing_rows_follow_the_regulation() -> None:
    answers = [[4, 3, 3, 4, 3, 4, 4, 2, 3], [3, 3, 2, 4, 3, 3, 3, 2, 3]]
    result = ikm_from_answers(
        [{ElementCode(f"U{i + 1}"): v for i, v in enumerate(a)} for a in answers]
    )
    u1 = element_figures(result)[0]
    assert (u1.total, u1.nrr, u1.weighted) == (7, Fraction(7, 2), Fraction(7, 18))
    lines = csv_footer(result).splitlines()
    assert lines[0].split(";")[3:] == ["7", "6", "5", "8", "6", "7", "7", "4", "6"]
    assert lines[1].split(";")[3] == "3,500" and lines[2].split(";")[3] == "0,389"
    assert lines[4].split(";")[3] == decimal_comma(result.converted, 2)
    assert "," in lines[4].split(";")[3] and "." not in lines[4].split(";")[3]


def test_a_service_name_cannot_become_a_formula_or_break_the_columns() -> None:
    when = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    line = csv_row(RespondentRow(1, when, '=HYPERLINK("x");KTP', (4,) * 9))
    assert line.startswith('1;02-03-2026 08:00;"\'=HYPERLINK(""x"");KTP";4;')
