"""Operators' commands on service units: create one, change one (served_per_month, services,
weights, ...). Each change is audited in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from asn_platform import audit
from asn_platform.uow import UnitOfWork
from asn_surveys.domain.ikm import Weights, validate_weights
from asn_surveys.domain.units import Unit, UnitExists, UnitNotFound
from asn_surveys.store import units as store


def checked_weights(raw: Mapping[str, Any] | None) -> Weights | None:
    """Exact weights from what an operator sent (None: the default 1/9 each); WeightsError."""
    return None if raw is None else validate_weights(raw)


async def create_unit(uow: UnitOfWork, unit: Unit, summary: dict[str, Any]) -> Unit:
    """Add a unit; UnitExists when its id is taken (nothing changes)."""
    if not await store.insert_unit(uow.conn, unit):
        raise UnitExists(unit.unit_id)
    await audit.record(uow.conn, summary=summary)
    return unit


async def change_unit(
    uow: UnitOfWork, unit_id: str, changes: Mapping[str, Any], summary: dict[str, Any]
) -> Unit:
    """Apply the fields given (validated, none null unless nullable); `weights` is checked here,
    after the unit was found (UnitNotFound first, then WeightsError)."""
    current = await store.get_unit(uow.conn, unit_id, for_update=True)
    if current is None:
        raise UnitNotFound(unit_id)
    values = dict(changes)
    if "weights" in values:
        values["weights"] = checked_weights(values["weights"])
    changed = current.changed(values)
    await store.update_unit(uow.conn, changed)
    await audit.record(uow.conn, summary=summary)
    return changed
