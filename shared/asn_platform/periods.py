"""Reporting periods (month, quarter, semester, year) in Asia/Jakarta, with stable keys.

Keys: "2026-M11", "2026-Q3", "2026-S2", "2026-Y". Labels: Indonesian first ("Triwulan III 2026").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from asn_platform.timezone import to_jakarta


class PeriodKind(StrEnum):
    MONTH = "M"
    QUARTER = "Q"
    SEMESTER = "S"
    YEAR = "Y"


MONTHS_ID = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_ROMAN = ("I", "II", "III", "IV")
_KEY = re.compile(r"^(\d{4})-(?:(M)(\d{1,2})|(Q)([1-4])|(S)([12])|(Y))$")


@dataclass(frozen=True, slots=True, order=True)
class Period:
    year: int
    kind: PeriodKind
    index: int  # month 1-12, quarter 1-4, semester 1-2, 1 for a year

    @property
    def key(self) -> str:
        if self.kind is PeriodKind.YEAR:
            return f"{self.year}-Y"
        return f"{self.year}-{self.kind.value}{self.index}"

    def label(self, lang: str = "id") -> str:
        en = lang == "en"
        if self.kind is PeriodKind.MONTH:
            return f"{(MONTHS_EN if en else MONTHS_ID)[self.index - 1]} {self.year}"
        if self.kind is PeriodKind.QUARTER:
            return (
                f"Q{self.index} {self.year}"
                if en
                else f"Triwulan {_ROMAN[self.index - 1]} {self.year}"
            )
        if self.kind is PeriodKind.SEMESTER:
            return (
                f"H{self.index} {self.year}"
                if en
                else f"Semester {_ROMAN[self.index - 1]} {self.year}"
            )
        return f"Year {self.year}" if en else f"Tahun {self.year}"

    @property
    def first_day(self) -> date:
        month = {
            PeriodKind.MONTH: self.index,
            PeriodKind.QUARTER: 3 * self.index - 2,
            PeriodKind.SEMESTER: 6 * self.index - 5,
            PeriodKind.YEAR: 1,
        }[self.kind]
        return date(self.year, month, 1)

    @property
    def next_first_day(self) -> date:
        """The first day of the following period: this period is [first_day, next_first_day)."""
        months = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.SEMESTER: 6}.get(
            self.kind, 12
        )
        zero_based = self.first_day.month - 1 + months
        return date(self.year + zero_based // 12, zero_based % 12 + 1, 1)

    def contains(self, day: date) -> bool:
        return self in periods_of_day(day)

    @classmethod
    def parse(cls, key: str) -> Period:
        m = _KEY.match(key)
        if not m:
            raise ValueError(f"period {key!r} must look like 2026-M11, 2026-Q3, 2026-S2 or 2026-Y")
        year = int(m.group(1))
        if m.group(2):
            month = int(m.group(3))
            if not 1 <= month <= 12:
                raise ValueError(f"period {key!r}: month must be 1-12")
            return cls(year, PeriodKind.MONTH, month)
        if m.group(4):
            return cls(year, PeriodKind.QUARTER, int(m.group(5)))
        if m.group(6):
            return cls(year, PeriodKind.SEMESTER, int(m.group(7)))
        return cls(year, PeriodKind.YEAR, 1)


def periods_of_day(day: date) -> tuple[Period, Period, Period, Period]:
    """The month, quarter, semester and year a calendar day (already in WIB) belongs to."""
    return (
        Period(day.year, PeriodKind.MONTH, day.month),
        Period(day.year, PeriodKind.QUARTER, (day.month - 1) // 3 + 1),
        Period(day.year, PeriodKind.SEMESTER, (day.month - 1) // 6 + 1),
        Period(day.year, PeriodKind.YEAR, 1),
    )


def periods_of(moment: datetime) -> tuple[Period, Period, Period, Period]:
    """The periods an aware moment falls in, judged on the Jakarta calendar."""
    return periods_of_day(to_jakarta(moment).date())


def previous(period: Period) -> Period:
    if period.kind is PeriodKind.YEAR:
        return Period(period.year - 1, period.kind, 1)
    count = {PeriodKind.MONTH: 12, PeriodKind.QUARTER: 4, PeriodKind.SEMESTER: 2}[period.kind]
    if period.index == 1:
        return Period(period.year - 1, period.kind, count)
    return Period(period.year, period.kind, period.index - 1)
