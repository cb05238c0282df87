"""Wiring of the enrollment service: settings, units of work, the RPC client, the routes and
the programme-scheduled consumer, built once per app (ServiceDefinition.bootstrap)."""

from __future__ import annotations

from dataclasses import dataclass

from asn_enrollment import api
from asn_enrollment.kafka import programme_scheduled
from asn_enrollment.seed import seed
from asn_enrollment.settings import Settings
from asn_platform.rpc import RpcClient
from asn_platform.service import ServiceContext, ServiceDefinition, ServiceParts
from asn_platform.uow import UnitsOfWork


@dataclass
class Wiring:
    """What the routes and consumers share. ``units`` is usable once the pool exists (after the
    migrations, at start-up), so it is read through the context rather than copied."""

    ctx: ServiceContext[Settings]
    rpc: RpcClient
    schedule_metrics: programme_scheduled.ScheduleMetrics

    @property
    def settings(self) -> Settings:
        return self.ctx.settings

    @property
    def units(self) -> UnitsOfWork:
        return self.ctx.units


def build(ctx: ServiceContext[Settings]) -> ServiceParts:
    wiring = Wiring(
        ctx=ctx,
        rpc=RpcClient(ctx.broker, ctx.settings, ctx.name),
        schedule_metrics=programme_scheduled.ScheduleMetrics(ctx.registry),
    )

    async def on_start() -> None:
        await seed(ctx)
        consumer = programme_scheduled.ProgrammeScheduledConsumer(
            wiring.units, wiring.schedule_metrics
        )
        programme_scheduled.subscribe(ctx.broker, ctx.settings, wiring.units, consumer)
        await wiring.rpc.start()
        ctx.on_stop(wiring.rpc.stop)

    return ServiceParts(routers=api.routers(wiring), on_start=on_start)


DEFINITION: ServiceDefinition[Settings] = ServiceDefinition(
    name="enrollment",
    title="Layanan Pendaftaran Pelatihan ASN / ASN training enrollment",
    description="Daftar ASN, katalog program, sesi, siklus pendaftaran dan buku JP (20 JP per tahun).",
    settings_model=Settings,
    migration_packages=["asn_platform", "asn_enrollment"],
    bootstrap=build,
)
