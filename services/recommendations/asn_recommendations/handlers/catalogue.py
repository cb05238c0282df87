"""Enrollment's catalogue entries: the read model every decision and recommendation reads.

A programme the rules name that is not in it (yet), or was deactivated, is simply not offered:
a gap whose rule has no programme left in the read model is flagged ``no_programme_fits``.
When entries arrive, such gaps are decided again in the same transaction, so a programme
enrollment just created is scheduled for the gaps that were waiting for it. (The follow-up sweep
retries them too: it catches a gap flagged concurrently with the entry's arrival.)"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from asn_platform.contracts.enrollment import ProgrammeCatalogueChanged
from asn_platform.uow import UnitOfWork
from asn_recommendations.domain.ids import derived_id
from asn_recommendations.handlers.deps import Deps
from asn_recommendations.handlers.gaps import decide_gap
from asn_recommendations.store import catalogue as store
from asn_recommendations.store.follow_ups import gaps_without_programme
from asn_recommendations.store.queries import gap_of
from asn_recommendations.store.readmodels import Fact

log = logging.getLogger(__name__)


async def apply_catalogue_changes(
    uow: UnitOfWork, deps: Deps, facts: Sequence[Fact[ProgrammeCatalogueChanged]]
) -> None:
    await store.apply_catalogue(uow.conn, facts)
    log.info("catalogue: %s", ", ".join(f"{f.event.code} {f.event.change.value}" for f in facts))
    if not any(f.event.active for f in facts):
        return
    waiting = await gaps_without_programme(uow.conn)
    if not waiting:
        return
    catalogue = await store.active_programmes(uow.conn)
    cause = max(f.event_id for f in facts)
    for row in waiting:
        gap = gap_of(row)
        outcome = await decide_gap(
            uow, deps, gap, derived_id("catalogue", gap.key, cause), catalogue
        )
        log.info("gap %s decided again after a catalogue change: %s", gap.key, outcome)
