"""The ASN roster: add, change, deactivate, import from CSV, seed.

Each change that alters a profile publishes one AsnProfileChanged (the whole profile, keyed by
NIP) in the same unit of work; a write that changes nothing publishes nothing, so re-importing
the same file is harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from asn_enrollment.domain.nip import mask_nip
from asn_enrollment.domain.roster import PROFILE_FIELDS, CivilServant
from asn_enrollment.errors import Conflict, asn_not_found
from asn_enrollment.handlers import events
from asn_enrollment.handlers.enrollments import StatusRequest, change_status
from asn_enrollment.store import enrollments as enrollment_store
from asn_enrollment.store import roster as store
from asn_platform.contracts import ProfileChange
from asn_platform.timezone import to_jakarta
from asn_platform.uow import UnitOfWork
from asn_platform.vocabulary import EnrollmentStatus

log = logging.getLogger(__name__)

DEACTIVATED_REASON = "ASN dinonaktifkan (pindah/pensiun) / civil servant deactivated"


async def create_asn(uow: UnitOfWork, servant: CivilServant, at: datetime) -> asyncpg.Record:
    row = await store.insert(uow.conn, servant, at)
    if row is None:
        raise Conflict(
            "asn_exists",
            "NIP sudah terdaftar; ubah dengan PATCH",
            "this NIP is already on the roster; change it with PATCH",
        )
    await uow.publish(events.profile_changed(servant, ProfileChange.CREATED, at))
    log.info("roster: created %s", mask_nip(servant.nip))
    return row


async def update_asn(
    uow: UnitOfWork, nip: str, changes: dict[str, Any], at: datetime
) -> asyncpg.Record:
    """Apply a partial change; the merged profile is validated as a whole (422 names fields)."""
    current = await store.lock(uow.conn, nip)
    if current is None:
        raise asn_not_found()
    merged = {**{k: current[k] for k in PROFILE_FIELDS}, **changes, "nip": nip}
    # ValidationError -> 422 by the runtime; NIPs are judged on the Jakarta date of ``at``.
    servant = CivilServant.model_validate(merged, context={"today": to_jakarta(at).date()})
    await _write(uow, current, servant, at)
    row = await store.get(uow.conn, nip)
    assert row is not None
    return row


async def _write(
    uow: UnitOfWork, current: asyncpg.Record, servant: CivilServant, at: datetime
) -> bool:
    """Write ``servant`` over ``current`` (locked) and publish; False when nothing changed."""
    if store.values_of(servant) == store.stored_values(current):
        return False
    await store.write(uow.conn, servant, at)
    change = (
        ProfileChange.DEACTIVATED
        if current["active"] and not servant.active
        else ProfileChange.UPDATED
    )
    await uow.publish(events.profile_changed(servant, change, at))
    log.info("roster: %s %s", change.value, mask_nip(servant.nip))
    return True


@dataclass
class Deactivation:
    profile: asyncpg.Record
    cancelled_enrollments: list[UUID] = field(default_factory=list)


async def deactivate_asn(uow: UnitOfWork, nip: str, at: datetime) -> Deactivation:
    """Deactivate and cancel the seats the person holds (enrolled or waitlisted): each seat's
    cohort and waitlist learn it through EnrollmentChanged, and the head of the waitlist moves
    up. Open invitations can no longer be accepted."""
    released = []
    for e in await enrollment_store.list_for_person(uow.conn, nip):
        if e["status"] in (EnrollmentStatus.ENROLLED, EnrollmentStatus.WAITLISTED):
            request = StatusRequest(EnrollmentStatus.CANCELLED, reason=DEACTIVATED_REASON)
            await change_status(uow, e["id"], request)
            released.append(e["id"])
    profile = await update_asn(uow, nip, {"active": False}, at)
    return Deactivation(profile, released)


@dataclass(frozen=True, slots=True)
class UpsertCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


async def import_roster(
    uow: UnitOfWork, servants: Sequence[CivilServant], at: datetime
) -> UpsertCounts:
    """Insert new profiles and update changed ones (e.g. a CSV import); one event per change.

    Rows are locked in NIP order so that two imports of overlapping files cannot deadlock.
    """
    by_nip = {s.nip: s for s in servants}
    existing = await store.lock_many(uow.conn, list(by_nip))
    new = [s for nip, s in sorted(by_nip.items()) if nip not in existing]
    created = await store.insert_many(uow.conn, new, at)
    for servant in new:
        if servant.nip in created:
            await uow.publish(events.profile_changed(servant, ProfileChange.CREATED, at))
            continue
        # Inserted by a concurrent transaction since our read: update it instead.
        raced = await store.lock(uow.conn, servant.nip)
        assert raced is not None
        existing[servant.nip] = raced
    updated = unchanged = 0
    for nip, current in sorted(existing.items()):
        if await _write(uow, current, by_nip[nip], at):
            updated += 1
        else:
            unchanged += 1
    return UpsertCounts(len(created), updated, unchanged)


async def seed_roster(uow: UnitOfWork, roster: Iterable[CivilServant], at: datetime) -> int:
    """Insert the seed roster when the roster is empty; returns how many were inserted.

    Under a transaction-scoped advisory lock, so concurrent starts seed (and publish) once.
    """
    if not await store.lock_for_seeding(uow.conn):
        return 0
    counts = await import_roster(uow, list(roster), at)
    return counts.created
