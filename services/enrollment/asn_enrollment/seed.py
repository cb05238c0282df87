"""Start-up seeding: the Tangerang Selatan catalogue (asn_platform.tangsel, so that programme
codes agree with the recommendations service's rules) and the synthetic roster.

The only code of the service that reads the seed data. Each programme the seed inserts is
published (ProgrammeCatalogueChanged) in the same unit of work, so the seeded catalogue is
published once, at the first start; later starts find it and publish nothing.
"""

from __future__ import annotations

import logging

from asn_enrollment.domain.catalogue import Programme
from asn_enrollment.handlers.catalogue import seed_programmes
from asn_enrollment.handlers.roster import seed_roster as seed_roster_if_empty
from asn_enrollment.seed_roster import seed_roster
from asn_enrollment.settings import Settings
from asn_platform.service import ServiceContext
from asn_platform.tangsel import CATALOGUE, SeedProgramme
from asn_platform.timezone import now_jakarta
from asn_platform.uow import UnitOfWork

log = logging.getLogger(__name__)


def programme_from_seed(seed: SeedProgramme) -> Programme:
    return Programme(
        code=seed.code,
        title=seed.title,
        kind=seed.kind,
        competencies=seed.competencies,
        target_fields=seed.target_fields,
        jp=seed.jp,
        benefit_id=seed.benefit_id,
        benefit_en=seed.benefit_en,
        default_capacity=seed.capacity,
        days=seed.days,
    )


def seed_catalogue() -> tuple[Programme, ...]:
    """The Tangerang Selatan programme catalogue, validated, in asn_platform.tangsel order."""
    return tuple(programme_from_seed(seed) for seed in CATALOGUE)


def seed_catalogue_by_code() -> dict[str, Programme]:
    return {programme.code: programme for programme in seed_catalogue()}


async def seed(ctx: ServiceContext[Settings]) -> None:
    """Catalogue first (sessions refer to it), then the roster if it is empty; both once."""
    settings = ctx.settings

    async def work(uow: UnitOfWork) -> None:
        if settings.enrollment_seed_catalogue:
            added = await seed_programmes(uow, seed_catalogue())
            if added:
                log.info("catalogue: %d seed programme(s) added", added)
        if settings.enrollment_seed_roster:
            people = await seed_roster_if_empty(uow, seed_roster(), now_jakarta())
            if people:
                log.info("roster was empty: %d synthetic civil servants seeded", people)

    await ctx.units.run(work)
