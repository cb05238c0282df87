"""Entry point of the surveys service: `asn-surveys` or `python -m asn_surveys`."""

from __future__ import annotations

import logging

from fastapi import APIRouter

from asn_platform.service import ServiceContext, ServiceDefinition, run_service
from asn_surveys.api import build_api
from asn_surveys.kafka_intake import subscribe
from asn_surveys.public import build_public
from asn_surveys.retention import start_retention_job
from asn_surveys.runtime import Runtime
from asn_surveys.settings import Settings
from asn_surveys.units import seed_units

log = logging.getLogger(__name__)


def routers(ctx: ServiceContext[Settings]) -> list[APIRouter]:
    runtime = Runtime.of(ctx)
    return [build_api(runtime), build_public(runtime)]


async def on_start(ctx: ServiceContext[Settings]) -> None:
    runtime = Runtime.of(ctx)
    if ctx.settings.seed_units:
        async with ctx.pool.acquire() as conn, conn.transaction():
            added = await seed_units(conn)
        if added:
            log.info("seeded %d Tangerang Selatan service units", added)
    subscribe(runtime)
    start_retention_job(ctx)


DEFINITION: ServiceDefinition[Settings] = ServiceDefinition(
    name="surveys",
    title="Layanan Survei Kepuasan Masyarakat (SKM) / Public satisfaction surveys",
    description=(
        "Survei SKM per Permenpan RB 14/2017: unit layanan, kuesioner, masukan warga (formulir "
        "publik, API, Kafka), IKM per unit/unsur/periode dan deteksi kesenjangan layanan."
    ),
    settings_model=Settings,
    migration_packages=["asn_platform", "asn_surveys"],
    routers=routers,
    on_start=on_start,
)


def main() -> None:
    run_service(DEFINITION)


if __name__ == "__main__":
    main()
