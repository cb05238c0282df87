from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asn_enrollment.domain.nip import (
    Nip,
    NipError,
    NipPart,
    is_valid_nip,
    make_nip,
    mask_nip,
    normalize_nip,
    parse_nip,
)
from asn_platform.vocabulary import Sex

from .strategies import TODAY, NipParts, valid_nip_parts

GOOD = "198504122010011001"  # born 1985-04-12, appointed 2010-01, male, sequence 001


def test_valid_nip_parses_into_its_parts() -> None:
    nip = parse_nip(GOOD, today=TODAY)
    assert nip == Nip(GOOD, date(1985, 4, 12), 2010, 1, Sex.L, 1)
    assert str(nip) == GOOD


def test_printed_form_with_spaces_is_accepted_and_normalised() -> None:
    assert parse_nip(" 19850412 201001 2 045 ", today=TODAY).value == "198504122010012045"
    assert normalize_nip("19850412 201001 1 001") == GOOD


@pytest.mark.parametrize(
    ("raw", "part"),
    [
        ("19850412201001100A", NipPart.CHARACTERS),
        ("1985-04-12-2010011", NipPart.CHARACTERS),
        ("１９８５０４１２２０１００１１００１", NipPart.CHARACTERS),  # full-width digits
        ("", NipPart.LENGTH),
        ("19850412201001100", NipPart.LENGTH),
        ("1985041220100110011", NipPart.LENGTH),
        ("198502302010011001", NipPart.BIRTH_DATE),  # 30 February
        ("198513012010011001", NipPart.BIRTH_DATE),  # month 13
        ("198504002010011001", NipPart.BIRTH_DATE),  # day 0
        ("189912312010011001", NipPart.BIRTH_DATE),  # before 1900
        ("000101012010011001", NipPart.BIRTH_DATE),
        ("198504122010001001", NipPart.APPOINTMENT_MONTH),
        ("198504122010131001", NipPart.APPOINTMENT_MONTH),
        ("192001011949121001", NipPart.APPOINTMENT_YEAR),
        ("199005152008041001", NipPart.APPOINTMENT_AGE),  # 17 until May 2008
        ("199005152005011001", NipPart.APPOINTMENT_AGE),
        ("198504122026071001", NipPart.APPOINTMENT_FUTURE),  # today is 2026-06-15
        ("198504122010013001", NipPart.SEX),
        ("198504122010010001", NipPart.SEX),
        ("198504122010011000", NipPart.SEQUENCE),
    ],
)
def test_each_wrong_part_is_named(raw: str, part: NipPart) -> None:
    with pytest.raises(NipError) as caught:
        parse_nip(raw, today=TODAY)
    assert caught.value.part is part
    assert isinstance(caught.value, ValueError)
    assert not is_valid_nip(raw, today=TODAY)


@pytest.mark.parametrize(
    "raw",
    [
        "199005152008051001",  # turns 18 in the appointment month
        "198504122026061001",  # appointed this month
        "193201011950011001",  # first allowed appointment year
        "200002292018022999",  # leap-day birth, sequence 999
    ],
)
def test_boundaries_that_are_valid(raw: str) -> None:
    assert is_valid_nip(raw, today=TODAY)


def test_message_is_indonesian_first_then_english_and_hides_the_nip() -> None:
    raw = "198502302010011001"
    with pytest.raises(NipError) as caught:
        parse_nip(raw, today=TODAY)
    assert str(caught.value) == "NIP: tanggal lahir tidak valid (invalid birth date)"
    assert raw not in str(caught.value)


def test_every_part_has_a_bilingual_message() -> None:
    for part in NipPart:
        message = str(NipError(part))
        assert message.startswith("NIP: ")
        assert message.endswith(")") and " (" in message


def test_mask_keeps_first_four_and_last_three() -> None:
    assert mask_nip(GOOD) == "1985***********001"
    assert mask_nip("19850412 201001 1 001") == "1985***********001"
    assert mask_nip("123") == "***"
    assert mask_nip("") == ""


def test_repr_of_a_parsed_nip_is_masked() -> None:
    assert GOOD not in repr(parse_nip(GOOD, today=TODAY))


def test_make_nip_builds_from_parts() -> None:
    assert make_nip(date(1985, 4, 12), 2010, 1, Sex.L, 1) == GOOD
    assert make_nip(date(1990, 5, 15), 2014, 3, Sex.P, 12) == "199005152014032012"


@pytest.mark.parametrize(
    ("args", "part"),
    [
        ((date(1990, 5, 15), 2014, 3, Sex.P, 0), NipPart.SEQUENCE),
        ((date(1990, 5, 15), 2014, 3, Sex.P, 1000), NipPart.SEQUENCE),
        ((date(1990, 5, 15), 2014, 13, Sex.P, 1), NipPart.APPOINTMENT_MONTH),
        ((date(1990, 5, 15), 2007, 3, Sex.P, 1), NipPart.APPOINTMENT_AGE),
        ((date(1920, 5, 15), 1949, 3, Sex.L, 1), NipPart.APPOINTMENT_YEAR),
    ],
)
def test_make_nip_refuses_invalid_parts(args: tuple, part: NipPart) -> None:
    with pytest.raises(NipError) as caught:
        make_nip(*args)
    assert caught.value.part is part


@given(valid_nip_parts())
def test_every_generated_valid_nip_parses_back_to_its_parts(parts: NipParts) -> None:
    nip = parse_nip(parts.text, today=TODAY)
    assert nip.birth_date == parts.birth
    assert (nip.appointment_year, nip.appointment_month) == (
        parts.appointment_year,
        parts.appointment_month,
    )
    assert nip.sex is parts.sex
    assert nip.sequence == parts.sequence
    assert (
        make_nip(
            parts.birth, parts.appointment_year, parts.appointment_month, parts.sex, parts.sequence
        )
        == parts.text
    )
    assert mask_nip(parts.text)[:4] == parts.text[:4]


@given(valid_nip_parts(), st.integers(min_value=0, max_value=17), st.characters())
def test_any_non_digit_character_is_refused(parts: NipParts, position: int, char: str) -> None:
    if char.isdigit() or char.isspace():
        return
    text = parts.text[:position] + char + parts.text[position + 1 :]
    with pytest.raises(NipError) as caught:
        parse_nip(text, today=TODAY)
    assert caught.value.part is NipPart.CHARACTERS


@given(st.text(alphabet="0123456789", max_size=30).filter(lambda s: len(s) != 18))
def test_wrong_length_is_refused(text: str) -> None:
    with pytest.raises(NipError) as caught:
        parse_nip(text, today=TODAY)
    assert caught.value.part is NipPart.LENGTH
