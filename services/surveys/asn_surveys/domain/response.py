"""The intake contract for one SKM response, shared by the HTTP form and the Kafka intake topic.

Answers are an object keyed by element code (U1..U9), never a list: the model questionnaire asks
sarana (U9) before pengaduan (U8), so positions are not stable. Unknown keys are refused at every
level so that a typo, or a field that could identify a citizen (a name, a phone number), is
rejected rather than silently dropped or stored. The comment is personal data (UU 27/2022) and
is never published.

The time of receipt comes from the caller's clock as validation context,
``SurveyResponseIn.model_validate(data, context={"now": t})``: it is the default of
``submitted_at`` and the bound for clock skew. The domain reads no clock; validating without it
is a programming error (TypeError).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from asn_platform.inputs import Clean, CleanMultiline, Instant, passed_in
from asn_platform.timezone import to_jakarta
from asn_platform.vocabulary import (
    ELEMENTS,
    RESPONDENT_MAX_AGE,
    RESPONDENT_MIN_AGE,
    AgeBand,
    Education,
    ElementCode,
    Occupation,
    Sex,
    age_band,
)

MAX_CLOCK_SKEW = timedelta(minutes=5)  # kiosk clocks drift; beyond this the time is wrong
MIN_AGE, MAX_AGE = RESPONDENT_MIN_AGE, RESPONDENT_MAX_AGE


def _time_passed_in() -> datetime:
    # Never called: _received_now fills an absent submitted_at from the context first. A
    # factory (not a default value) keeps "not required, no fixed default" in the JSON Schema.
    raise TypeError("submitted_at defaults to the validation context's 'now'")


def _no_bool(value: Any) -> Any:
    # pydantic's lax int accepts true/false as 1/0; an answer of `true` is a broken client.
    if isinstance(value, bool):
        raise PydanticCustomError(
            "bool_not_int", "harus bilangan bulat 1-4, bukan true/false (must be an integer 1-4)"
        )
    return value


AnswerValue = Annotated[int, Field(ge=1, le=4), BeforeValidator(_no_bool)]


def _answer_field(code: ElementCode) -> Any:
    element = ELEMENTS[code]
    scale = ", ".join(f"{i} = {label}" for i, label in enumerate(element.labels_id, start=1))
    scale_en = ", ".join(f"{i} = {label}" for i, label in enumerate(element.labels_en, start=1))
    return Field(
        title=f"{code.value} {element.name_id}",
        description=f"{code.value} {element.name_id} ({element.name_en}): {scale}. [{scale_en}]",
        examples=[4],
    )


class Answers(BaseModel):
    """Jawaban per unsur: all nine element codes, each answered 1..4."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    U1: AnswerValue = _answer_field(ElementCode.U1)
    U2: AnswerValue = _answer_field(ElementCode.U2)
    U3: AnswerValue = _answer_field(ElementCode.U3)
    U4: AnswerValue = _answer_field(ElementCode.U4)
    U5: AnswerValue = _answer_field(ElementCode.U5)
    U6: AnswerValue = _answer_field(ElementCode.U6)
    U7: AnswerValue = _answer_field(ElementCode.U7)
    U8: AnswerValue = _answer_field(ElementCode.U8)
    U9: AnswerValue = _answer_field(ElementCode.U9)

    def by_code(self) -> dict[ElementCode, int]:
        return {code: getattr(self, code.value) for code in ElementCode}


class Respondent(BaseModel):
    """Profil responden: no name or contact, only the profile the regulation asks for."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sex: Sex = Field(
        description="Jenis kelamin: L = laki-laki, P = perempuan (sex: L male, P female).",
        examples=["P"],
    )
    age: int = Field(
        ge=MIN_AGE,
        le=MAX_AGE,
        description=(
            f"Usia dalam tahun, {MIN_AGE}-{MAX_AGE}. Disimpan, tetapi hanya kelompok usia yang "
            "dipublikasikan (age in years; only the age band is ever published)."
        ),
        examples=[34],
    )
    education: Education = Field(
        description="Pendidikan terakhir (highest education): SD, SMP, SMA, D1-D3, S1, S2, S3.",
        examples=["S1"],
    )
    occupation: Occupation = Field(
        description="Pekerjaan (occupation): PNS, TNI, POLRI, Swasta, Wirausaha, Lainnya.",
        examples=["Swasta"],
    )

    @field_validator("age", mode="before")
    @classmethod
    def _age_not_bool(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise PydanticCustomError(
                "bool_not_int", "harus bilangan bulat, bukan true/false (must be an integer)"
            )
        return value

    @property
    def age_band(self) -> AgeBand:
        return age_band(self.age)


_EXAMPLE: dict[str, Any] = {
    "unit_id": "disdukcapil",
    "service": "KTP-el",
    "answers": {"U1": 4, "U2": 3, "U3": 3, "U4": 4, "U5": 3, "U6": 4, "U7": 4, "U8": 2, "U9": 3},
    "respondent": {"sex": "P", "age": 34, "education": "S1", "occupation": "Swasta"},
    "submitted_at": "2026-03-14T09:30:00+07:00",
    "client_ref": "kiosk-07-000123",
    "comment": "Antrean cukup cepat.",
}


class SurveyResponseIn(BaseModel):
    """Satu jawaban SKM (one SKM survey response) as submitted by a citizen or a kiosk."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=True,
        title="SurveyResponseIn",
        json_schema_extra={"examples": [_EXAMPLE]},
    )

    unit_id: Clean = Field(
        min_length=1,
        max_length=100,
        description="Kode unit layanan yang dinilai (id of the service unit being rated).",
        examples=["disdukcapil"],
    )
    service: Clean = Field(
        min_length=1,
        max_length=200,
        description="Jenis layanan yang diterima (the service received), maks. 200 karakter.",
        examples=["KTP-el"],
    )
    answers: Answers = Field(
        description=(
            "Jawaban per unsur, objek dengan tepat sembilan kode U1-U9, masing-masing 1-4 "
            "(answers keyed by element code; exactly U1..U9, each 1..4; order does not matter)."
        ),
        examples=[_EXAMPLE["answers"]],
    )
    respondent: Respondent = Field(
        description="Profil responden tanpa identitas (respondent profile, no identity).",
        examples=[_EXAMPLE["respondent"]],
    )
    submitted_at: Instant = Field(
        default_factory=_time_passed_in,
        description=(
            "Waktu pengisian dengan zona waktu, ISO 8601; bawaan: sekarang (WIB). Waktu tanpa "
            "zona ditolak, begitu pula lebih dari 5 menit di masa depan atau sebelum tahun 2000 "
            "(time of the response with a UTC offset; default now; naive, >5 min ahead or "
            "before 2000 is refused)."
        ),
        examples=["2026-03-14T09:30:00+07:00"],
    )
    client_ref: Clean | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description=(
            "Kunci idempotensi dari kios/mitra: kiriman ulang dengan kunci sama tidak dihitung "
            "dua kali (idempotency key from a kiosk or partner; a resend is counted once)."
        ),
        examples=["kiosk-07-000123"],
    )
    comment: CleanMultiline | None = Field(
        default=None,
        max_length=1000,
        description=(
            "Saran/komentar bebas, maks. 1000 karakter. Data pribadi: disimpan terbatas, tidak "
            "pernah dipublikasikan (free-text comment; personal data, never published)."
        ),
        examples=["Antrean cukup cepat."],
    )

    @model_validator(mode="before")
    @classmethod
    def _received_now(cls, data: Any, info: ValidationInfo) -> Any:
        # Only an absent time defaults to now; an explicit null is refused like any bad time.
        if isinstance(data, Mapping) and "submitted_at" not in data:
            return {**data, "submitted_at": to_jakarta(passed_in(info, "now", datetime))}
        return data

    @field_validator("submitted_at")
    @classmethod
    def _not_in_future(cls, value: datetime, info: ValidationInfo) -> datetime:
        if value - passed_in(info, "now", datetime) > MAX_CLOCK_SKEW:
            raise PydanticCustomError(
                "future_time",
                "waktu pengisian lebih dari 5 menit di masa depan "
                "(submitted_at is more than 5 minutes in the future)",
            )
        return to_jakarta(value)

    @field_validator("comment")
    @classmethod
    def _blank_comment_is_none(cls, value: str | None) -> str | None:
        return value or None

    @property
    def answers_by_code(self) -> dict[ElementCode, int]:
        return self.answers.by_code()


# Indonesian first, pydantic's English second; keyed by pydantic error type.
_PROBLEMS_ID: dict[str, str] = {
    "missing": "wajib diisi",
    "extra_forbidden": "kolom tidak dikenal, hapus",
    "int_type": "harus bilangan bulat",
    "int_parsing": "harus bilangan bulat",
    "int_from_float": "harus bilangan bulat",
    "greater_than_equal": "nilai minimal {ge}",
    "less_than_equal": "nilai maksimal {le}",
    "string_type": "harus teks",
    "string_too_short": "tidak boleh kosong",
    "string_too_long": "maksimal {max_length} karakter",
    "too_long": "maksimal {max_length} karakter",
    "enum": "harus salah satu dari {expected}",
    "timezone_aware": "harus menyertakan zona waktu, mis. +07:00",
    "datetime_type": "harus tanggal-waktu ISO 8601",
    "datetime_parsing": "harus tanggal-waktu ISO 8601",
    "datetime_from_date_parsing": "harus tanggal-waktu ISO 8601",
    "model_type": "harus berupa objek",
    "model_attributes_type": "harus berupa objek",
    "dict_type": "harus berupa objek",
}
_ANSWER_PROBLEMS_ID: dict[str, str] = {
    "missing": "jawaban unsur ini wajib diisi (1-4)",
    "extra_forbidden": "unsur tidak dikenal; hanya U1-U9",
}


def validation_problems(
    errors: ValidationError | Sequence[Mapping[str, Any]],
) -> list[dict[str, str]]:
    """Field-level problems for a 4xx body: [{"field": "answers.U3", "problem": "..."}].

    Takes a ValidationError or an already-extracted error list (FastAPI's
    RequestValidationError.errors(), whose locations start with "body"/"query").
    """
    items = errors.errors(include_url=False) if isinstance(errors, ValidationError) else errors
    problems: list[dict[str, str]] = []
    for err in items:
        loc = [str(part) for part in err.get("loc", ())]
        if loc and loc[0] in {"body", "query", "path"}:
            loc = loc[1:]
        field = ".".join(loc) or "(body)"
        kind = str(err.get("type", ""))
        message = str(err.get("msg", ""))
        if kind not in _PROBLEMS_ID:  # our own errors (future_time, ...) are bilingual already
            problem = message.removeprefix("Value error, ")
        else:
            table = _ANSWER_PROBLEMS_ID if loc[:1] == ["answers"] and len(loc) == 2 else {}
            template = table.get(kind) or _PROBLEMS_ID[kind]
            ctx = {k: str(v).replace(" or ", " atau ") for k, v in (err.get("ctx") or {}).items()}
            try:
                indonesian = template.format(**ctx)
            except (KeyError, IndexError):
                indonesian = template
            problem = f"{indonesian} ({message})"
        problems.append({"field": field, "problem": problem})
    return problems
