"""The notifications service: `asn-notifications` or `python -m asn_notifications`.

Why a service of its own: sending is slow, failure-prone I/O to outside systems (SMTP relays,
WhatsApp gateways), so it lives apart from enrollment and an SMTP outage never slows an
enrollment; contact details (email, mobile) are personal data kept in this one place and never
put in events; enrollment stays the owner of people and sessions and tells the world through
events, which this service reads into its own read models.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from asn_notifications.api.routes import routers
from asn_notifications.channels.whatsapp import WhatsAppGateway
from asn_notifications.delivery.reminders import ReminderJob
from asn_notifications.delivery.sender import Sender
from asn_notifications.domain.schedule import QuietHours
from asn_notifications.handlers import deliveries
from asn_notifications.handlers.events import Policy
from asn_notifications.kafka.consumers import subscribe
from asn_notifications.settings import Settings
from asn_platform import logmask
from asn_platform.inbox_purge import ScheduledPurge
from asn_platform.outbox import DbConnection
from asn_platform.service import ServiceContext, ServiceDefinition, ServiceParts, run_service
from asn_platform.timezone import now_jakarta

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
MASKED_LOGGERS = (
    "asn_notifications.delivery.sender",
    "asn_notifications.delivery.reminders",
    "asn_notifications.channels.smtp",
    "asn_notifications.channels.whatsapp",
    "asn_notifications.kafka.consumers",
    "aiosmtplib",
)


@dataclass
class Notifications:
    """The service's wiring, built once per app: routes and start-up share it."""

    ctx: ServiceContext[Settings]
    clock: Clock
    policy: Policy
    sender: Sender | None = None
    reminders: ReminderJob | None = None
    purge: ScheduledPurge | None = None

    async def _purge_batch(self, conn: DbConnection, retention: timedelta, limit: int) -> int:
        return await deliveries.purge_settled(conn, self.clock(), retention, limit)

    async def start(self) -> None:
        logmask.install_contact_masking(MASKED_LOGGERS)
        s = self.ctx.settings
        subscribe(self)
        whatsapp = WhatsAppGateway(s) if s.whatsapp_url else None
        self.sender = Sender(self.ctx.units, s, self.clock, whatsapp)
        self.reminders = ReminderJob(self.ctx.units, self.clock, s.reminder_interval_s)
        # Settled delivery rows, on the platform's purge schedule (asn_platform.inbox_purge).
        self.purge = ScheduledPurge(
            self.ctx.pool, self._purge_batch, what="delivery",
            retention=timedelta(days=s.notifications_retention_days),
            interval_s=s.delivery_purge_interval_s, name=self.ctx.name,
        )  # fmt: skip
        self.sender.start()
        self.reminders.start()
        await self.purge.start()
        self.ctx.on_stop(self.stop)
        log.info(
            "sending by email via %s:%s (%s)%s", s.smtp_host, s.smtp_port, s.smtp_security,
            " and WhatsApp" if whatsapp else "; WhatsApp off (ASN_WHATSAPP_URL unset)",
        )  # fmt: skip

    async def stop(self) -> None:
        if self.purge is not None:
            await self.purge.stop()
        if self.reminders is not None:
            await self.reminders.stop()
        if self.sender is not None:
            await self.sender.stop()


def build(ctx: ServiceContext[Settings], clock: Clock = now_jakarta) -> Notifications:
    s = ctx.settings
    policy = Policy(
        quiet=QuietHours(
            s.quiet_start_hour, s.quiet_end_hour, frozenset(s.holidays), frozenset(s.quiet_weekdays)
        ),
        weekly_cap=s.nudge_weekly_cap,
    )
    return Notifications(ctx=ctx, clock=clock, policy=policy)


def definition(
    clock: Clock = now_jakarta, built: list[Notifications] | None = None
) -> ServiceDefinition[Settings]:
    """The service; tests pass their own clock and a list that receives the wiring."""

    def bootstrap(ctx: ServiceContext[Settings]) -> ServiceParts:
        wiring = build(ctx, clock)
        if built is not None:
            built.append(wiring)
        return ServiceParts(routers=routers(wiring), on_start=wiring.start)

    return ServiceDefinition(
        name="notifications",
        title="Layanan Notifikasi ASN / ASN notifications",
        description=(
            "Undangan, pengingat, ajakan dan sertifikat yang sampai ke orangnya: email dan "
            "WhatsApp, berkas kalender, jam tenang WIB. / Invitations, reminders, nudges and "
            "certificates that reach people."
        ),
        settings_model=Settings,
        migration_packages=["asn_platform", "asn_notifications"],
        bootstrap=bootstrap,
    )


DEFINITION = definition()


def main() -> None:
    run_service(DEFINITION)
