"""The base of every event contract and the field types the contracts share.

An event is a frozen pydantic model that forbids unknown fields when it is *built* (a producer
cannot send a typo). Readers are tolerant: ``asn_platform.envelope.decode`` ignores fields it
does not know, so adding an optional field to a contract never breaks an older consumer.

Each concrete event declares two class variables and two methods::

    class SurveySubmitted(Event):
        event_type: ClassVar[str] = "asn.surveys.survey-submitted.v1"   # CloudEvents ce_type
        topic: ClassVar[str] = topics.SURVEY_SUBMITTED                  # Kafka topic
        def partition_key(self) -> str: return self.unit_id             # Kafka key
        def subject(self) -> str: return f"units/{self.unit_id}"        # ce_subject
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from asn_platform.inputs import clean_text
from asn_platform.periods import Period
from asn_platform.vocabulary import ElementCode, parse_competency_key


class Event(BaseModel):
    """Common base of all event payloads (the CloudEvents ``data``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_type: ClassVar[str]
    topic: ClassVar[str]
    personal_data: ClassVar[bool] = False  # names a person (NIP): partner ACLs may deny it

    @model_validator(mode="before")
    @classmethod
    def _storable_text(cls, data: Any, info: ValidationInfo) -> Any:
        """Every string of an event, at any depth, is text PostgreSQL can store and a reader can
        show: a NUL (valid JSON as "\u0000"), another control character but newline, carriage
        return and tab, or an unpaired surrogate makes the whole event a contract error naming
        the field, so a consumer dead-letters it at once instead of failing in its handler."""
        if info.context is TEXT_CHECKED:
            return data
        problems: list[InitErrorDetails] = []
        _check_strings(data, (), problems)
        if problems:
            raise ValidationError.from_exception_data(cls.__name__, problems)
        return data

    def partition_key(self) -> str:
        """The Kafka key: events with the same key stay in order on one partition."""
        raise NotImplementedError

    def subject(self) -> str:
        """CloudEvents ``subject``: what the event is about, within its source."""
        return self.partition_key()


# A JSON body can only carry a refused character as an escape (a backslash: every control
# character and every lone surrogate), as a raw control byte, as DEL (0x7f) or as a C1 control
# (U+0080-009F, UTF-8 0xc2 0x80-0x9f). A body with none of these bytes needs no walk through
# its strings: decoding skips it (the walk was half of a consumer's decode time), and a 0xc2
# that starts an ordinary character such as U+00B0 only costs the walk.
_MAYBE_REFUSED = re.compile(rb"[\x00-\x1f\x7f\\\xc2]")
TEXT_CHECKED: dict[str, bool] = {"text_checked": True}  # the validation context that says so


def text_needs_check(body: bytes) -> bool:
    """Whether a raw JSON body may hold text the contracts refuse (see ``_MAYBE_REFUSED``)."""
    return _MAYBE_REFUSED.search(body) is not None


def _check_strings(value: Any, loc: tuple[str | int, ...], out: list[InitErrorDetails]) -> None:
    if isinstance(value, str):
        try:
            clean_text(value, multiline=True)  # the HTTP inputs' rule (asn_platform.inputs)
        except PydanticCustomError as err:
            out.append({"type": err, "loc": loc, "input": value})
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_strings(key, (*loc, "<key>"), out)
            _check_strings(item, (*loc, str(key)), out)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_strings(item, (*loc, i), out)


def _check_period(key: str) -> str:
    Period.parse(key)  # raises ValueError naming the expected forms
    return key


def _check_competency(key: str) -> str:
    parse_competency_key(key)
    return key


Nip = Annotated[
    str,
    Field(
        pattern=r"^[0-9]{18}$",
        description=(
            "NIP (Nomor Induk Pegawai), the 18-digit civil-servant number: birth date YYYYMMDD, "
            "appointment YYYYMM, sex digit, 3-digit sequence. Personal data (UU 27/2022)."
        ),
        examples=["198504122010011001"],
    ),
]
UnitId = Annotated[
    str,
    Field(
        pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$",
        description="Stable id of a public-service unit (lower case, digits, '-', '_').",
        examples=["disdukcapil"],
    ),
]
ProgrammeCode = Annotated[
    str,
    Field(
        pattern=r"^[A-Z0-9][A-Z0-9_-]{0,39}$",
        description="Code of a programme in the catalogue (upper case, digits, '-', '_').",
        examples=["PLP-PRIMA"],
    ),
]
EntityId = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
        description="Opaque identifier assigned by the owning service (e.g. a UUID).",
        examples=["0b9e7c1e-3f0a-4f7e-9a51-2d7c3f1b8e42"],
    ),
]
PeriodKey = Annotated[
    str,
    Field(
        pattern=r"^\d{4}-(M\d{1,2}|Q[1-4]|S[12]|Y)$",
        description="Reporting period key in Asia/Jakarta: 2026-M11, 2026-Q3, 2026-S2 or 2026-Y.",
        examples=["2026-Q3"],
    ),
    AfterValidator(_check_period),
]
CompetencyKey = Annotated[
    str,
    Field(
        pattern=r"^(teknis|manajerial|sosial_kultural)\.[a-z0-9_]+$",
        description="Competency as '<type>.<code>', e.g. 'manajerial.komunikasi'.",
        examples=["manajerial.komunikasi"],
    ),
    AfterValidator(_check_competency),
]
Score = Annotated[int, Field(ge=1, le=4, description="SKM answer, 1 (worst) to 4 (best).")]
Answers = Annotated[
    dict[ElementCode, Score],
    Field(
        min_length=1,
        description=(
            "Answers by SKM element code (U1..U9, stored by code, never by position); "
            "normally all nine."
        ),
        examples=[
            {"U1": 3, "U2": 3, "U3": 2, "U4": 4, "U5": 3, "U6": 3, "U7": 2, "U8": 3, "U9": 3}
        ],
    ),
]
Moment = Annotated[
    AwareDatetime,
    Field(description="RFC 3339 date-time with an offset (WIB +07:00 or UTC)."),
]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
Explanation = Annotated[str, Field(min_length=1, max_length=2000)]
