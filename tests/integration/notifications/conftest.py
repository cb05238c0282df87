"""One notifications service (real lifespan, Kafka, PostgreSQL) for the package, sending to a
real SMTP server and a WhatsApp Cloud API stand-in; a publisher for its input topics; a clock
the tests set. Tests isolate themselves with their own NIPs, programmes and sessions."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest

from asn_devkit.testing import DatabaseFactory, running_service, service_pool
from asn_notifications.bootstrap import Notifications, definition
from asn_notifications.kafka.consumers import group_id
from asn_platform.envelope import KafkaRecord
from tests.integration.notifications.parts import (
    TOKEN,
    TUESDAY_10,
    Clock,
    Mailbox,
    SmtpServer,
    WhatsAppStandIn,
)
from tests.integration.recommendations.helpers import Publisher, eventually

GROUP_OF_TOPIC = {
    "asn.enrollment.asn-profile-changed.v1": group_id("profiles"),
    "asn.enrollment.programme-catalogue-changed.v1": group_id("programmes"),
    "asn.enrollment.session-changed.v1": group_id("sessions"),
    "asn.enrollment.enrollment-changed.v1": group_id("enrollments"),
    "asn.enrollment.training-completed.v1": group_id("completions"),
    "asn.recommendations.nudge-requested.v1": group_id("nudges"),
}


@dataclass
class Notif:
    wiring: Notifications
    client: httpx.AsyncClient
    db: asyncpg.Pool
    publisher: Publisher
    mailbox: Mailbox
    smtp: SmtpServer
    whatsapp: WhatsAppStandIn
    clock: Clock

    async def publish(self, *events: Any) -> list[KafkaRecord]:
        """Publish and wait until the service has applied every one (or skipped a duplicate)."""
        records = await self.publisher.send(*events)
        await self.applied(records)
        return records

    async def applied(self, records: Iterable[KafkaRecord], timeout_s: float = 30) -> None:
        wanted = [(GROUP_OF_TOPIC[r.topic], UUID(r.header("ce_id"))) for r in records]

        async def done() -> bool:
            for group, event_id in wanted:
                found = await self.db.fetchval(
                    "SELECT 1 FROM inbox WHERE consumer_group = $1 AND event_id = $2",
                    group,
                    event_id,
                )
                if not found:
                    return False
            return True

        await eventually(done, timeout_s, f"the service to apply {len(wanted)} event(s)")

    async def contact(self, nip: str, **fields: Any) -> None:
        response = await self.client.put(f"/api/v1/contacts/{nip}", json=fields)
        assert response.status_code == 200, response.text

    async def rows(self, nip: str) -> list[asyncpg.Record]:
        return list(
            await self.db.fetch(
                "SELECT * FROM deliveries WHERE recipient_nip = $1 ORDER BY id", nip
            )
        )

    async def mail(
        self, address: str, kind: str, count: int = 1, timeout_s: float = 30
    ) -> list[Any]:
        async def arrived() -> list[Any] | None:
            found = self.mailbox.to(address, kind)
            return found if len(found) >= count else None

        return await eventually(arrived, timeout_s, f"{count} {kind} mail(s) to {address}")

    async def settled(self, nip: str, timeout_s: float = 30) -> list[asyncpg.Record]:
        """Wait until no message to ``nip`` is still due now; the rows."""

        async def done() -> list[asyncpg.Record] | None:
            rows = await self.rows(nip)
            busy = [
                r
                for r in rows
                if r["status"] in ("pending", "sending") and r["not_before"] <= self.clock()
            ]
            return rows if rows and not busy else None

        return await eventually(done, timeout_s, f"messages to {nip} to settle")


@pytest.fixture(scope="package")
async def notif(
    kafka_topics: str, pg_server_url: str, db_factory: DatabaseFactory
) -> AsyncIterator[Notif]:
    prefix = f"asn_test_nt_{db_factory.run_id}_"
    db_factory.created.append(f"{prefix}notifications")
    mailbox = Mailbox()
    smtp = SmtpServer(mailbox)
    smtp.start()
    whatsapp = WhatsAppStandIn()
    whatsapp.start()
    publisher = Publisher(kafka_topics)
    await publisher.start()
    clock = Clock(TUESDAY_10)
    built: list[Notifications] = []
    try:
        async with running_service(
            definition(clock=clock, built=built),
            bootstrap=kafka_topics,
            server_url=pg_server_url,
            db_prefix=prefix,
            smtp_port=smtp.port,
            whatsapp_url=whatsapp.url,
            whatsapp_token=TOKEN,
            sender_interval_s=0.05,
            retry_initial_delay_s=0.1,
            retry_max_delay_s=0.4,
            retry_max_attempts=60,
            reminder_interval_s=0,
            verify_base_url="http://verify.test",
        ) as (ctx, client):
            async with service_pool(ctx, max_size=4) as pool:
                yield Notif(built[0], client, pool, publisher, mailbox, smtp, whatsapp, clock)
    finally:
        await publisher.stop()
        whatsapp.stop()
        smtp.stop()


@pytest.fixture(autouse=True)
def _working_hours(notif: Notif) -> None:
    notif.clock.set(TUESDAY_10)
