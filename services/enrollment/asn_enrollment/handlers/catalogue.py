"""The programme catalogue: create and change programmes, seed the missing ones.

Every programme that is created, changed or deactivated publishes its whole current entry
(ProgrammeCatalogueChanged, compacted topic keyed by code) in the same unit of work, so other
services keep a read model of the catalogue from the topic alone. A change that alters nothing
publishes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import asyncpg

from asn_enrollment.domain.catalogue import Programme
from asn_enrollment.errors import Conflict, FieldInvalid, programme_not_found
from asn_enrollment.handlers import events
from asn_enrollment.store import catalogue as store
from asn_platform.contracts.enrollment import CatalogueChange
from asn_platform.uow import UnitOfWork

log = logging.getLogger(__name__)


async def create_programme(
    uow: UnitOfWork, programme: Programme, active: bool = True
) -> asyncpg.Record:
    row = await store.insert_programme(uow.conn, programme, active)
    if row is None:
        raise Conflict(
            "programme_exists",
            f"kode program {programme.code} sudah dipakai",
            f"programme code {programme.code} is already taken",
        )
    await uow.publish(events.catalogue_changed(row, CatalogueChange.CREATED))
    return row


def _entry(row: asyncpg.Record) -> tuple[Any, ...]:
    return (*(row[k] for k in store.PROGRAMME_FIELDS), row["active"])


async def update_programme(uow: UnitOfWork, code: str, changes: dict[str, Any]) -> asyncpg.Record:
    """Apply a partial change; the merged programme is validated as a whole (422 names fields)."""
    current = await store.lock_programme(uow.conn, code)
    if current is None:
        raise programme_not_found(code)
    changes = dict(changes)
    active = changes.pop("active", current["active"])
    if active is None:  # sent as null: the column is a yes or no, never unknown
        raise FieldInvalid("active", "harus true atau false (must be true or false)")
    merged = {**store.programme_from_row(current).model_dump(), **changes, "code": code}
    programme = Programme.model_validate(merged)
    row = await store.write_programme(uow.conn, programme, active)
    if _entry(row) != _entry(current):
        change = (
            CatalogueChange.DEACTIVATED
            if current["active"] and not active
            else CatalogueChange.UPDATED
        )
        await uow.publish(events.catalogue_changed(row, change))
    return row


async def seed_programmes(uow: UnitOfWork, programmes: Iterable[Programme]) -> int:
    """Insert the seed programmes that are missing and publish each one inserted; an operator's
    edits to existing ones stay. Seeding again therefore adds and publishes nothing."""
    inserted = 0
    for programme in programmes:
        row = await store.insert_programme(uow.conn, programme)
        if row is not None:
            await uow.publish(events.catalogue_changed(row, CatalogueChange.CREATED))
            inserted += 1
    return inserted
