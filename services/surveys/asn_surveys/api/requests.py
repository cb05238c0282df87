"""Request bodies of the unit routes, validated by the route (bilingual field errors)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from asn_platform.contracts.base import UnitId
from asn_platform.inputs import Clean
from asn_platform.vocabulary import Bidang

ServiceName = Annotated[Clean, Field(min_length=1, max_length=200)]
UnitName = Annotated[Clean, Field(min_length=1, max_length=200)]
District = Annotated[Clean, Field(max_length=100)]
# Bounded here; the exact checks (positive, all nine, sum exactly 1) are validate_weights'.
WeightValue = Annotated[
    Annotated[str, Field(max_length=60)]
    | Annotated[int, Field(ge=-1000, le=1000)]
    | Annotated[float, Field(ge=-1000, le=1000, allow_inf_nan=False)],
    Field(description='Bobot: pecahan tepat seperti "1/9" atau desimal "0.2" (exact weight).'),
]
MAX_SERVICES = 100


def _check_services(services: list[str]) -> list[str]:
    cleaned = [s.strip() for s in services]
    seen: set[str] = set()
    for name in cleaned:
        if not name:
            raise ValueError("nama layanan tidak boleh kosong (service names must not be blank)")
        if name.casefold() in seen:
            raise ValueError(f"layanan {name!r} disebut dua kali (service listed twice)")
        seen.add(name.casefold())
    return cleaned


class UnitIn(BaseModel):
    """Unit layanan baru (a new service unit)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    unit_id: UnitId
    name: UnitName = Field(examples=["Puskesmas Setu"])
    bidang: Bidang = Field(description="Bidang unit (field).", examples=["kesehatan"])
    district: District | None = Field(default=None, examples=["Setu"])
    served_per_month: int = Field(
        ge=0,
        le=10_000_000,
        description="Jumlah orang dilayani per bulan (people served per month; sample size).",
        examples=[1500],
    )
    services: list[ServiceName] = Field(
        min_length=1,
        max_length=MAX_SERVICES,
        description="Jenis layanan yang diberikan (services offered).",
        examples=[["Poli Umum", "KIA/KB"]],
    )
    weights: dict[str, WeightValue] | None = Field(
        default=None,
        max_length=20,
        description="Bobot unsur sendiri, kesembilan unsur, jumlah tepat 1; null = 1/9 masing-"
        "masing (own element weights, all nine, summing to exactly 1; null = 1/9 each).",
        examples=[None],
    )

    _services = field_validator("services")(_check_services)


class UnitPatch(BaseModel):
    """Perubahan unit: only the fields given change; `weights: null` restores 1/9 each."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: UnitName | None = None
    bidang: Bidang | None = None
    district: District | None = None
    served_per_month: int | None = Field(default=None, ge=0, le=10_000_000)
    services: list[ServiceName] | None = Field(default=None, min_length=1, max_length=MAX_SERVICES)
    weights: dict[str, WeightValue] | None = Field(default=None, max_length=20)
    active: bool | None = None

    @field_validator("services")
    @classmethod
    def _services(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _check_services(value)
