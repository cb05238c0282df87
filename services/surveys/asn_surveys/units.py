"""Service units (unit layanan): the operator-facing model, its storage and the seed.

A unit has a field (bidang), the services it offers, the number of people it serves per month
(the population for Krejcie-Morgan sample adequacy) and, optionally, its own element weights.
Weights are stored as exact fractions ("1/9"), never as rounded decimals.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Annotated, Any

import asyncpg
from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, field_validator

from asn_platform.contracts.base import UnitId
from asn_platform.inputs import Clean
from asn_platform.tangsel import UNITS
from asn_platform.vocabulary import BIDANG_LABELS, Bidang, ElementCode
from asn_surveys.db import Conn
from asn_surveys.domain.ikm import DEFAULT_WEIGHTS, Weights, WeightsError, validate_weights
from asn_surveys.domain.rounding import round_half_up

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
# A unit id in a route's path: bounded, clean text (an unknown id is then a 404).
UnitPath = Annotated[
    Clean, Path(min_length=1, max_length=100, description="Kode unit layanan (service unit id)")
]
PeriodText = Annotated[Clean, Field(max_length=20)]
ServiceFilter = Annotated[Clean, Field(max_length=200)]


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


@dataclass(frozen=True, slots=True)
class Unit:
    unit_id: str
    name: str
    bidang: Bidang
    district: str | None
    served_per_month: int
    services: tuple[str, ...]
    weights: Weights | None  # None: the default 1/9 each
    active: bool

    @property
    def effective_weights(self) -> Weights:
        return self.weights or DEFAULT_WEIGHTS

    def offers(self, service: str) -> bool:
        return service in self.services

    def to_json(self, lang: str = "id") -> dict[str, Any]:
        label_id, label_en = BIDANG_LABELS[self.bidang]
        return {
            "unit_id": self.unit_id,
            "name": self.name,
            "bidang": self.bidang.value,
            "bidang_label": label_en if lang == "en" else label_id,
            "district": self.district,
            "served_per_month": self.served_per_month,
            "services": list(self.services),
            "weights": weights_json(self.effective_weights),
            "custom_weights": self.weights is not None,
            "active": self.active,
        }


def weights_json(weights: Weights) -> dict[str, dict[str, Any]]:
    """Each weight exact ("1/9") and as a 4-decimal number for display."""
    return {
        code.value: {"exact": str(w), "value": float(round_half_up(w, 4))}
        for code, w in weights.items()
    }


def weights_problems(err: WeightsError) -> list[dict[str, str]]:
    return [
        {"field": "weights" if where == "total" else f"weights.{where}", "problem": what}
        for where, what in err.problems
    ]


def _store_weights(weights: Weights | None) -> str | None:
    if weights is None:
        return None
    return json.dumps({code.value: str(w) for code, w in weights.items()})


def _load_weights(raw: Any) -> Weights | None:
    if raw is None:
        return None
    data: Mapping[str, str] = json.loads(raw) if isinstance(raw, str) else raw
    return validate_weights({ElementCode(k): Fraction(v) for k, v in data.items()})


def unit_from_row(row: asyncpg.Record | Mapping[str, Any]) -> Unit:
    return Unit(
        unit_id=row["unit_id"],
        name=row["name"],
        bidang=Bidang(row["bidang"]),
        district=row["district"],
        served_per_month=row["served_per_month"],
        services=tuple(row["services"]),
        weights=_load_weights(row["weights"]),
        active=row["active"],
    )


UNIT_COLUMNS = "unit_id, name, bidang, district, served_per_month, services, weights, active"


async def get_unit(conn: Conn, unit_id: str, *, for_update: bool = False) -> Unit | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(f"SELECT {UNIT_COLUMNS} FROM units WHERE unit_id = $1{lock}", unit_id)
    return unit_from_row(row) if row else None


async def list_units(conn: Conn, *, include_inactive: bool = True) -> list[Unit]:
    rows = await conn.fetch(
        f"SELECT {UNIT_COLUMNS} FROM units WHERE active OR $1 ORDER BY unit_id", include_inactive
    )
    return [unit_from_row(r) for r in rows]


async def insert_unit(conn: Conn, unit: Unit) -> bool:
    """Insert if missing; False when the unit id is taken (nothing changes)."""
    status = await conn.execute(
        f"INSERT INTO units ({UNIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)"
        " ON CONFLICT (unit_id) DO NOTHING",
        unit.unit_id,
        unit.name,
        unit.bidang.value,
        unit.district,
        unit.served_per_month,
        list(unit.services),
        _store_weights(unit.weights),
        unit.active,
    )
    return bool(status == "INSERT 0 1")


async def update_unit(conn: Conn, unit: Unit) -> None:
    await conn.execute(
        "UPDATE units SET name = $2, bidang = $3, district = $4, served_per_month = $5,"
        " services = $6, weights = $7::jsonb, active = $8, updated_at = now()"
        " WHERE unit_id = $1",
        unit.unit_id,
        unit.name,
        unit.bidang.value,
        unit.district,
        unit.served_per_month,
        list(unit.services),
        _store_weights(unit.weights),
        unit.active,
    )


async def seed_units(conn: Conn) -> int:
    """Insert the Tangerang Selatan units that are missing; operators' edits are kept."""
    added = 0
    for seed in UNITS:
        unit = Unit(
            unit_id=seed.unit_id,
            name=seed.name,
            bidang=seed.bidang,
            district=seed.district,
            served_per_month=seed.served_per_month,
            services=seed.services,
            weights=None,
            active=True,
        )
        added += await insert_unit(conn, unit)
    return added
