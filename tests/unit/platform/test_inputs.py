"""The shared input types: text is NFC-normalised and refused with control characters or lone
surrogates, dates stay in 2000-2100, paging is bounded."""

from __future__ import annotations

import sys
import unicodedata
from datetime import date, datetime, timedelta, timezone
from typing import Annotated

import pytest
from pydantic import BaseModel, Field, ValidationError

from asn_platform.inputs import (
    BoundedDate,
    Clean,
    CleanMultiline,
    FreeText,
    Instant,
    Name,
    clean_text,
)


class Form(BaseModel):
    name: Name
    code: Annotated[Clean, Field(min_length=1, max_length=5)] = "x"
    note: FreeText = ""
    other: CleanMultiline | None = None
    at: Instant | None = None
    day: BoundedDate | None = None


def _error(**data: object) -> tuple[str, str]:
    with pytest.raises(ValidationError) as caught:
        Form.model_validate({"name": "Budi", **data})
    [err] = caught.value.errors()
    return ".".join(str(p) for p in err["loc"]), err["type"]


@pytest.mark.parametrize(
    "bad", ["a\x00b", "\x1b[31m", "tab\there", "new\nline", "del\x7f", "c1\x85"]
)
def test_control_characters_are_refused_in_one_line_text(bad: str) -> None:
    assert _error(name=bad) == ("name", "control_character")
    assert _error(code=bad[:5]) == ("code", "control_character")


def test_lone_surrogates_are_refused_everywhere() -> None:
    assert _error(name="x\ud800") == ("name", "invalid_unicode")
    assert _error(note="ok\udfff") == ("note", "invalid_unicode")


def test_free_text_keeps_line_breaks_and_tabs_but_not_other_controls() -> None:
    assert Form(name="Budi", note="a\nb\r\nc\td").note == "a\nb\r\nc\td"
    assert _error(note="a\x00") == ("note", "control_character")
    assert _error(other="a\x0b") == ("other", "control_character")


def test_text_is_nfc_normalised_before_its_length_is_counted() -> None:
    assert Form(name="Cafe\u0301").name == "Caf\u00e9"
    assert Form(name="Budi", code="e\u0301e\u0301e\u0301e\u0301e\u0301").code == "\u00e9" * 5


def test_the_fast_path_refuses_exactly_the_cc_and_cs_categories() -> None:
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        refused = unicodedata.category(ch) in ("Cc", "Cs")
        try:
            clean_text(ch)
        except ValueError:
            assert refused, hex(cp)
        else:
            assert not refused, hex(cp)


@pytest.mark.parametrize(
    "when", ["0248-01-01T00:00:00+07:00", "3059-01-01T00:00:00Z", "1999-12-31T23:59:59+00:00"]
)
def test_instants_outside_2000_2100_are_refused(when: str) -> None:
    assert _error(at=when) == ("at", "year_out_of_range")


def test_instants_need_an_offset_and_dates_a_sane_year() -> None:
    assert _error(at="2026-01-01T00:00:00") == ("at", "timezone_aware")
    assert _error(day="1900-01-01") == ("day", "year_out_of_range")
    ok = Form(name="B", at="2100-12-31T23:59:59+07:00", day="2000-01-01")
    assert ok.at == datetime(2100, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=7)))
    assert ok.day == date(2000, 1, 1)
