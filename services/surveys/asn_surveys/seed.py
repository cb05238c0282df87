"""Seeding: the Tangerang Selatan service units, inserted once at start (operators' edits kept).

The seed data module is read here only; the service's logic knows units from its database."""

from __future__ import annotations

from asn_platform.outbox import DbConnection
from asn_platform.tangsel import UNITS
from asn_surveys.domain.units import Unit
from asn_surveys.store.units import insert_unit


async def seed_units(conn: DbConnection) -> int:
    """Insert the Tangerang Selatan units that are missing; returns how many were added."""
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
