"""The webhooks service's wiring: units of work, the sender, the consumers and the admin API."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from asn_platform.inbox import IdempotentConsumer
from asn_platform.service import ServiceContext, ServiceDefinition, ServiceParts
from asn_platform.uow import UnitsOfWork
from asn_webhooks.api.routes import admin_router
from asn_webhooks.domain.retry import RetryPolicy
from asn_webhooks.handlers.subscriptions import seal_stored_secrets
from asn_webhooks.kafka.consumers import subscribe
from asn_webhooks.sealing import SecretBox, SecretKeysMissing
from asn_webhooks.sender import Metrics, Sender
from asn_webhooks.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class Webhooks:
    ctx: ServiceContext[Settings]
    box: SecretBox
    sender: Sender
    consumers: list[IdempotentConsumer] = field(default_factory=list)

    async def start(self) -> None:
        # Before anything is consumed or sent: no key, no start; clear rows get sealed.
        if not self.box.ready:
            raise SecretKeysMissing
        sealed = await self.ctx.units.run(lambda uow: seal_stored_secrets(uow, self.box))
        if sealed:
            log.info("sealed the signing secrets of %d subscriptions with the first key", sealed)
        self.consumers = subscribe(self.ctx, self.sender.wake)
        await self.sender.start()
        self.ctx.on_stop(self.sender.stop)  # after the broker stopped


def policy_of(settings: Settings) -> RetryPolicy:
    return RetryPolicy(
        max_attempts=settings.webhooks_max_attempts,
        initial_delay_s=settings.webhooks_initial_backoff_s,
        max_delay_s=max(settings.webhooks_max_backoff_s, settings.webhooks_initial_backoff_s),
        pause_after_failures=settings.webhooks_pause_after_failures,
    )


def build(ctx: ServiceContext[Settings]) -> ServiceParts:
    settings = ctx.settings
    retention = settings.webhooks_delivered_retention_days

    # ctx.units exists once the pool does (start-up); routes and sender are built before it.
    def units() -> UnitsOfWork:
        return ctx.units

    box = SecretBox(settings.secret_keys())
    sender = Sender(
        units,
        policy_of(settings),
        box,
        concurrency=settings.webhooks_concurrency,
        request_timeout_s=settings.webhooks_request_timeout_s,
        poll_interval_s=settings.webhooks_poll_interval_s,
        verify_timeout_s=settings.webhooks_verify_timeout_s,
        metrics=Metrics(ctx.registry),
        delivered_retention=timedelta(days=retention) if retention > 0 else None,
    )
    wiring = Webhooks(ctx, box, sender)
    router = admin_router(units, settings, box, sender.verify, sender.wake)
    return ServiceParts(routers=[router], on_start=wiring.start)


DEFINITION: ServiceDefinition[Settings] = ServiceDefinition(
    name="webhooks",
    title="Layanan Webhook ASN / ASN webhooks",
    description=(
        "Peristiwa platform sebagai webhook bertanda tangan (CloudEvents, Standard Webhooks) "
        "untuk instansi tanpa Kafka / platform events as signed webhooks for agencies without "
        "Kafka."
    ),
    settings_model=Settings,
    migration_packages=["asn_platform", "asn_webhooks"],
    bootstrap=build,
)
