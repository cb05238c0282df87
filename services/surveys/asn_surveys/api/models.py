"""Response models of the JSON API: what each route returns, documented in the OpenAPI.

Routes whose bodies carry keys only in some cases (`note` when a period has no answers,
`services` for a whole unit) return with `response_model_exclude_unset`, so a key absent today
stays absent rather than turning into null.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from asn_platform.vocabulary import Bidang, ElementCode, Mutu


class AnswerLabel(BaseModel):
    value: int = Field(ge=1, le=4)
    label: str


class Question(BaseModel):
    number: int
    code: ElementCode
    element: str
    question: str
    answers: list[AnswerLabel]


class Choice(BaseModel):
    value: str
    label: str


class ProfileChoices(BaseModel):
    sex: list[Choice]
    education: list[Choice]
    occupation: list[Choice]


class Elements(BaseModel):
    """The nine SKM questions in asking order and the respondent profile's choices."""

    questions: list[Question]
    profile: ProfileChoices


class Weight(BaseModel):
    exact: str = Field(description='Bobot tepat, mis. "1/9" (exact weight)')
    value: float = Field(description="Dibulatkan 4 desimal untuk tampilan (rounded for display)")


class UnitOut(BaseModel):
    """Satu unit layanan (a service unit)."""

    unit_id: str
    name: str
    bidang: Bidang
    bidang_label: str
    district: str | None
    served_per_month: int
    services: list[str]
    weights: dict[ElementCode, Weight]
    custom_weights: bool
    active: bool


class UnitList(BaseModel):
    units: list[UnitOut]


class Questionnaire(BaseModel):
    unit: UnitOut
    questions: list[Question]
    profile: ProfileChoices


class Submitted(BaseModel):
    """A response accepted (201) or a resend of the same client_ref (200, counted once)."""

    response_id: str
    unit_id: str
    duplicate: bool
    message: str
    message_en: str


class PeriodOut(BaseModel):
    key: str = Field(examples=["2026-Q3"])
    label: str


class ElementOut(BaseModel):
    code: ElementCode
    name: str
    weight: str
    answers: int
    nrr: float
    converted: float
    mutu: Mutu
    mutu_label: str
    answer_counts: dict[str, int]


class IkmFigures(BaseModel):
    """Sample adequacy, the index, mutu, per-element scores and the respondents' profile."""

    n: int
    population: int
    required_sample: int
    provisional: bool
    ikm: float | None
    ikm_converted: float | None
    ikm_converted_exact: str | None
    mutu: Mutu | None
    mutu_label: str | None
    elements: list[ElementOut]
    weakest: list[ElementCode] | None = Field(default=None, description="Only with responses")
    respondents: dict[str, dict[str, int]]
    note: str | None = Field(default=None, description="Only without responses")


class ServiceBrief(BaseModel):
    service: str
    n: int
    ikm_converted: float | None
    mutu: Mutu | None


class UnitIkm(IkmFigures):
    unit_id: str
    unit_name: str
    bidang: Bidang
    period: PeriodOut
    service: str | None
    services: list[ServiceBrief] | None = Field(
        default=None, description="Per service; only when no service was chosen"
    )


class CityUnit(BaseModel):
    unit_id: str
    unit_name: str
    bidang: Bidang
    n: int
    ikm_converted: float | None
    mutu: Mutu | None
    provisional: bool


class CityIkm(IkmFigures):
    period: PeriodOut
    scope: str
    units: list[CityUnit]


class GapOut(BaseModel):
    unit_id: str
    element: ElementCode
    period: str
    open: bool
    score: float
    sample_size: int | None
    opened_at: str | None
    closed_at: str | None


class Gaps(BaseModel):
    threshold: float
    period_kind: str
    gaps: list[GapOut]


class RespondentOut(BaseModel):
    no: int = Field(description="Nomor responden dalam periode, terlama dulu (1-based)")
    submitted_at: str = Field(description="Waktu pengisian, WIB (ISO 8601)")
    service: str
    values: dict[str, int] = Field(description="Nilai U1..U9 (1-4)")


class ElementFiguresOut(BaseModel):
    code: ElementCode
    name: str
    total: int = Field(description="Jumlah nilai per unsur (sum of the values)")
    nrr: float = Field(description="NRR = jumlah / responden, 3 desimal")
    weight: str = Field(description='Bobot tepat, mis. "1/9"')
    weighted_nrr: float = Field(description="NRR tertimbang = NRR x bobot, 3 desimal")


class RespondentTable(BaseModel):
    """Tabel pengolahan per responden (Permenpan RB 14/2017): a page of respondents, and the
    per-element figures and IKM over the whole period."""

    unit_id: str
    unit_name: str
    period: PeriodOut
    service: str | None
    total: int = Field(description="Responden dalam periode (all pages)")
    limit: int
    offset: int
    respondents: list[RespondentOut]
    elements: list[ElementFiguresOut]
    ikm: float | None = Field(description="Jumlah NRR tertimbang, 3 desimal")
    ikm_converted: float | None = Field(description="IKM x 25, 2 desimal")
    mutu: Mutu | None
