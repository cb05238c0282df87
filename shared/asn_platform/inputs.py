"""Typed bounds for every input a service accepts: the first line of defence against hostile input.

Every integer, date-time and text parameter or body field of the HTTP APIs uses one of these
types (or a pattern-constrained id such as ``UnitId`` / ``Nip`` from ``asn_platform.contracts``),
so that a value PostgreSQL would refuse (an integer beyond 64 bits, a NUL character, an unpaired
UTF-16 surrogate, the year 0248) is refused first, with a 422 naming the field, and the bound is
documented in the OpenAPI document. The last line of defence, for anything that still reaches
the database, is the ``asyncpg.DataError`` handler in ``asn_platform.http_errors``.

- ``Limit`` / ``Offset``: page size 1..1000 (default 100 where used) and rows to skip
  0..1,000,000, as query parameters.
- ``Clean`` (one line) / ``CleanMultiline``: a str that is NFC-normalised and refused when it
  holds a control character (category Cc: NUL, ESC, DEL, C1 controls; newline, carriage
  return and tab are allowed in multi-line free text only) or an unpaired surrogate (category
  Cs: not valid Unicode, unstorable in UTF-8); the field gives its length bounds
  (``Field(min_length=1, max_length=300)``). ``SafeText`` and ``Name`` (1..200) are the usual
  one-line forms, ``FreeText`` (up to 2000, multi-line) the comment form.
- ``Instant``: a timezone-aware date-time in the years 2000..2100; ``BoundedDateTime`` the same
  where a naive value is accepted (the caller decides what a naive value means);
  ``BoundedDate``: a date in 2000..2100.
- Integers: every one has both bounds (``Annotated[int, Field(ge=1, le=1000)]``), inside
  ``PG_INT_MAX`` for an int column, ``PG_BIGINT_MAX`` for a bigint one.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, ValidationInfo
from pydantic_core import PydanticCustomError

MAX_LIMIT = 1000  # the largest page any route accepted before: no existing client breaks
MAX_OFFSET = 1_000_000
MIN_YEAR = 2000
MAX_YEAR = 2100
# Largest value PostgreSQL's bigint holds; integer bounds must stay inside it (and usually far
# below: an int column holds 2**31 - 1).
PG_BIGINT_MAX = 2**63 - 1
PG_INT_MAX = 2**31 - 1

# Plain pydantic bounds, not fastapi.Query: FastAPI reads a scalar route parameter as a query
# parameter anyway (same OpenAPI, same 422), and domain models can use this module without
# importing FastAPI (the import-linter contracts in pyproject.toml).
Limit = Annotated[
    int,
    Field(ge=1, le=MAX_LIMIT, description=f"Baris per halaman / rows per page, 1-{MAX_LIMIT}."),
]
Offset = Annotated[
    int,
    Field(
        ge=0,
        le=MAX_OFFSET,
        description=f"Baris yang dilewati / rows to skip, 0-{MAX_OFFSET:_}.".replace("_", "."),
    ),
]

# Exactly the categories refused: Cc (U+0000-001F, U+007F-009F) and Cs (U+D800-DFFF); the
# regular expression finds the first one at C speed (intake validates every field of every
# response), the loop below only runs to name it.
_REFUSED = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_REFUSED_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_ALLOWED_IN_MULTILINE = frozenset("\n\r\t")


def clean_text(value: str, *, multiline: bool = False) -> str:
    """NFC-normalised ``value``; raises ``PydanticCustomError`` for control characters and
    unpaired surrogates (what PostgreSQL refuses, or what has no place in a name)."""
    found = (_REFUSED_MULTILINE if multiline else _REFUSED).search(value)
    if found is None:
        return (
            value
            if unicodedata.is_normalized("NFC", value)
            else unicodedata.normalize("NFC", value)
        )
    for ch in value[found.start() :]:
        category = unicodedata.category(ch)
        if category == "Cs":
            raise PydanticCustomError(
                "invalid_unicode",
                "berisi karakter Unicode tidak valid (surrogate tanpa pasangan) "
                "(contains invalid Unicode: an unpaired surrogate)",
            )
        if category == "Cc" and not (multiline and ch in _ALLOWED_IN_MULTILINE):
            name = "NUL" if ch == "\x00" else f"U+{ord(ch):04X}"
            raise PydanticCustomError(
                "control_character",
                "tidak boleh berisi karakter kendali ({char}) "
                "(must not contain control characters: {char})",
                {"char": name},
            )
    return unicodedata.normalize("NFC", value)


def _one_line(value: Any) -> Any:
    # Before the str validation (so length bounds count the normalised text); anything that is
    # not a str is left for the str validation to refuse.
    return clean_text(value) if isinstance(value, str) else value


def _multi_line(value: Any) -> Any:
    return clean_text(value, multiline=True) if isinstance(value, str) else value


# Give the length where it is used: ``name: Clean = Field(min_length=1, max_length=300)``.
Clean = Annotated[str, BeforeValidator(_one_line)]
CleanMultiline = Annotated[str, BeforeValidator(_multi_line)]
SafeText = Annotated[Clean, Field(min_length=1, max_length=200)]
Name = Annotated[Clean, Field(min_length=1, max_length=200)]
FreeText = Annotated[CleanMultiline, Field(max_length=2000)]


def _year_in_range(value: datetime | date) -> Any:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise PydanticCustomError(
            "year_out_of_range",
            "tahun harus antara {min} dan {max} (year must be between {min} and {max})",
            {"min": MIN_YEAR, "max": MAX_YEAR},
        )
    return value


_RANGE = f"Tahun {MIN_YEAR}-{MAX_YEAR} (years {MIN_YEAR}-{MAX_YEAR})."
Instant = Annotated[
    AwareDatetime,
    AfterValidator(_year_in_range),
    Field(description=f"RFC 3339 dengan zona waktu, mis. +07:00 (with an offset). {_RANGE}"),
]
BoundedDateTime = Annotated[datetime, AfterValidator(_year_in_range), Field(description=_RANGE)]
BoundedDate = Annotated[date, AfterValidator(_year_in_range), Field(description=_RANGE)]


_Passed = TypeVar("_Passed")


def passed_in(info: ValidationInfo, key: str, kind: type[_Passed]) -> _Passed:
    """What the caller passed as validation context, ``model_validate(data, context={key: v})``:
    how a domain model gets the time without reading a clock. Missing is a programming error:
    TypeError, which pydantic does not turn into a 422 for the client."""
    context = info.context if isinstance(info.context, dict) else {}
    value = context.get(key)
    if not isinstance(value, kind):
        raise TypeError(f"validate with context={{{key!r}: <{kind.__name__}>}}")
    return value
