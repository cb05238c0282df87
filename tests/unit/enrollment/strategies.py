"""Hypothesis strategies for the enrollment domain tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hypothesis import strategies as st

from asn_platform.vocabulary import Sex

# A fixed "today" so that the tests do not depend on the clock.
TODAY = date(2026, 6, 15)


@dataclass(frozen=True)
class NipParts:
    birth: date
    appointment_year: int
    appointment_month: int
    sex: Sex
    sequence: int

    @property
    def text(self) -> str:
        sex_digit = "1" if self.sex is Sex.L else "2"
        return (
            f"{self.birth:%Y%m%d}{self.appointment_year:04d}{self.appointment_month:02d}"
            f"{sex_digit}{self.sequence:03d}"
        )


def _month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


@st.composite
def valid_nip_parts(draw: st.DrawFn, today: date = TODAY) -> NipParts:
    """Parts of a valid NIP as of ``today``, built independently of the code under test."""
    birth = draw(
        st.dates(min_value=date(1900, 1, 1), max_value=date(today.year - 18, today.month, 1))
    )
    earliest = max(_month_index(birth.year + 18, birth.month), _month_index(1950, 1))
    latest = _month_index(today.year, today.month)
    appointment = draw(st.integers(min_value=earliest, max_value=latest))
    return NipParts(
        birth=birth,
        appointment_year=appointment // 12,
        appointment_month=appointment % 12 + 1,
        sex=draw(st.sampled_from(Sex)),
        sequence=draw(st.integers(min_value=1, max_value=999)),
    )


def valid_nips(today: date = TODAY) -> st.SearchStrategy[str]:
    return valid_nip_parts(today).map(lambda parts: parts.text)
