"""The units table. Weights are stored as exact fractions ("1/9") in JSON, never as decimals."""

from __future__ import annotations

import json
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import asyncpg

from asn_platform.outbox import DbConnection
from asn_platform.vocabulary import Bidang, ElementCode
from asn_surveys.domain.ikm import Weights, validate_weights
from asn_surveys.domain.units import Unit

UNIT_COLUMNS = "unit_id, name, bidang, district, served_per_month, services, weights, active"


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


def _values(unit: Unit) -> tuple[Any, ...]:
    return (
        unit.unit_id,
        unit.name,
        unit.bidang.value,
        unit.district,
        unit.served_per_month,
        list(unit.services),
        _store_weights(unit.weights),
        unit.active,
    )


async def get_unit(conn: DbConnection, unit_id: str, *, for_update: bool = False) -> Unit | None:
    lock = " FOR UPDATE" if for_update else ""
    row = await conn.fetchrow(f"SELECT {UNIT_COLUMNS} FROM units WHERE unit_id = $1{lock}", unit_id)
    return unit_from_row(row) if row else None


async def list_units(conn: DbConnection, *, include_inactive: bool = True) -> list[Unit]:
    rows = await conn.fetch(
        f"SELECT {UNIT_COLUMNS} FROM units WHERE active OR $1 ORDER BY unit_id", include_inactive
    )
    return [unit_from_row(r) for r in rows]


async def insert_unit(conn: DbConnection, unit: Unit) -> bool:
    """Insert if missing; False when the unit id is taken (nothing changes)."""
    status = await conn.execute(
        f"INSERT INTO units ({UNIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)"
        " ON CONFLICT (unit_id) DO NOTHING",
        *_values(unit),
    )
    return bool(status == "INSERT 0 1")


async def update_unit(conn: DbConnection, unit: Unit) -> None:
    await conn.execute(
        "UPDATE units SET name = $2, bidang = $3, district = $4, served_per_month = $5,"
        " services = $6, weights = $7::jsonb, active = $8, updated_at = now()"
        " WHERE unit_id = $1",
        *_values(unit),
    )
