"""NIP (Nomor Induk Pegawai), the 18-digit civil-servant number, and its validation.

Layout: birth date YYYYMMDD (8) + appointment (TMT CPNS) YYYYMM (6) + sex digit (1) + sequence (3).
A NIP identifies a person, so it is personal data (UU 27/2022): error messages never echo it,
and ``mask_nip`` is what goes into logs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from asn_enrollment.domain.bilingual import bilingual
from asn_platform.logmask import mask_nip as mask_nip  # one masking rule for logs and reprs
from asn_platform.vocabulary import Sex

NIP_LENGTH = 18
MIN_APPOINTMENT_YEAR = 1950
# A birth year before 1900 cannot belong to anyone appointed from 1950 on who is still on a
# roster; without a floor "00010101" would count as a real date.
MIN_BIRTH_YEAR = 1900
MIN_AGE_AT_APPOINTMENT = 18

_SEX_BY_DIGIT = {"1": Sex.L, "2": Sex.P}
_DIGIT_BY_SEX = {sex: digit for digit, sex in _SEX_BY_DIGIT.items()}


class NipPart(StrEnum):
    """Which part of a NIP is wrong, so adapters can point at it."""

    CHARACTERS = "characters"
    LENGTH = "length"
    BIRTH_DATE = "birth_date"
    APPOINTMENT_MONTH = "appointment_month"
    APPOINTMENT_YEAR = "appointment_year"
    APPOINTMENT_AGE = "appointment_age"
    APPOINTMENT_FUTURE = "appointment_future"
    SEX = "sex"
    SEQUENCE = "sequence"


_MESSAGES: dict[NipPart, tuple[str, str]] = {
    NipPart.CHARACTERS: ("hanya boleh berisi angka", "digits only"),
    NipPart.LENGTH: ("harus 18 digit", "must be 18 digits"),
    NipPart.BIRTH_DATE: ("tanggal lahir tidak valid", "invalid birth date"),
    NipPart.APPOINTMENT_MONTH: (
        "bulan pengangkatan (TMT CPNS) harus 01-12",
        "appointment month must be 01-12",
    ),
    NipPart.APPOINTMENT_YEAR: (
        f"tahun pengangkatan (TMT CPNS) tidak boleh sebelum {MIN_APPOINTMENT_YEAR}",
        f"appointment year must not be before {MIN_APPOINTMENT_YEAR}",
    ),
    NipPart.APPOINTMENT_AGE: (
        f"pengangkatan (TMT CPNS) sebelum berusia {MIN_AGE_AT_APPOINTMENT} tahun",
        f"appointment before the age of {MIN_AGE_AT_APPOINTMENT}",
    ),
    NipPart.APPOINTMENT_FUTURE: (
        "pengangkatan (TMT CPNS) di masa depan",
        "appointment is in the future",
    ),
    NipPart.SEX: ("kode jenis kelamin harus 1 atau 2", "sex digit must be 1 or 2"),
    NipPart.SEQUENCE: ("nomor urut tidak boleh 000", "sequence must not be 000"),
}


class NipError(ValueError):
    """An invalid NIP; ``part`` says which part, the message names it (Indonesian first)."""

    def __init__(self, part: NipPart) -> None:
        self.part = part
        indonesian, english = _MESSAGES[part]
        super().__init__(f"NIP: {bilingual(indonesian, english)}")


@dataclass(frozen=True, slots=True, repr=False)
class Nip:
    """A validated NIP and its parts."""

    value: str
    birth_date: date
    appointment_year: int
    appointment_month: int
    sex: Sex
    sequence: int

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        # Masked so an accidentally logged value does not leak the full number.
        return f"Nip({mask_nip(self.value)!r})"


def normalize_nip(raw: str) -> str:
    """Drop surrounding whitespace and the spaces of the printed form "19850412 201001 1 001"."""
    return "".join(raw.split())


def parse_nip(raw: str, *, today: date) -> Nip:
    """Validate a NIP against ``today`` (a Jakarta calendar date) and return its parts.

    Raises NipError naming the first wrong part.
    """
    return _parse(raw, today=today)


def is_valid_nip(raw: str, *, today: date) -> bool:
    try:
        _parse(raw, today=today)
    except NipError:
        return False
    return True


def _parse(raw: str, *, today: date | None) -> Nip:
    value = normalize_nip(raw)
    # ASCII digits only: str.isdigit() would also pass full-width and other scripts' digits.
    if not all(char in "0123456789" for char in value):
        raise NipError(NipPart.CHARACTERS)
    if len(value) != NIP_LENGTH:
        raise NipError(NipPart.LENGTH)

    birth_year, birth_month, birth_day = int(value[0:4]), int(value[4:6]), int(value[6:8])
    try:
        birth_date = date(birth_year, birth_month, birth_day)
    except ValueError:
        raise NipError(NipPart.BIRTH_DATE) from None
    if birth_year < MIN_BIRTH_YEAR:
        raise NipError(NipPart.BIRTH_DATE)

    appointment_year, appointment_month = int(value[8:12]), int(value[12:14])
    if not 1 <= appointment_month <= 12:
        raise NipError(NipPart.APPOINTMENT_MONTH)
    if appointment_year < MIN_APPOINTMENT_YEAR:
        raise NipError(NipPart.APPOINTMENT_YEAR)
    appointment = (appointment_year, appointment_month)
    if today is not None and appointment > (today.year, today.month):
        raise NipError(NipPart.APPOINTMENT_FUTURE)
    # The NIP records only the appointment month, so the age check is by month: someone who
    # turns 18 during the appointment month is accepted rather than refused on a guessed day.
    if appointment < (birth_year + MIN_AGE_AT_APPOINTMENT, birth_month):
        raise NipError(NipPart.APPOINTMENT_AGE)

    sex = _SEX_BY_DIGIT.get(value[14])
    if sex is None:
        raise NipError(NipPart.SEX)
    sequence = int(value[15:18])
    if sequence == 0:
        raise NipError(NipPart.SEQUENCE)
    return Nip(value, birth_date, appointment_year, appointment_month, sex, sequence)


def make_nip(
    birth: date, appointment_year: int, appointment_month: int, sex: Sex, sequence: int
) -> str:
    """Build a NIP from its parts, for seeds and tests; raises NipError if the parts are invalid.

    The future-appointment check is skipped (no ``today`` here); ``parse_nip`` applies it.
    """
    if not 1 <= sequence <= 999:
        raise NipError(NipPart.SEQUENCE)
    if not 0 <= appointment_year <= 9999:
        raise NipError(NipPart.APPOINTMENT_YEAR)
    if not 0 <= appointment_month <= 99:
        raise NipError(NipPart.APPOINTMENT_MONTH)
    value = (
        f"{birth.year:04d}{birth.month:02d}{birth.day:02d}"
        f"{appointment_year:04d}{appointment_month:02d}{_DIGIT_BY_SEX[sex]}{sequence:03d}"
    )
    return _parse(value, today=None).value
