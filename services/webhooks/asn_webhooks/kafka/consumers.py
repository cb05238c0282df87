"""One idempotent consumer group for every relayed topic: each event becomes one delivery row
per subscription that takes its type, in the inbox's transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import asyncpg

from asn_platform.access import GRANTABLE_TOPICS
from asn_platform.envelope import Envelope
from asn_platform.inbox import IdempotentConsumer, subscribe_idempotent
from asn_platform.service import ServiceContext
from asn_webhooks.handlers.deliveries import fan_out_event
from asn_webhooks.settings import Settings

# The published topics a subscription may be granted (asn_platform.access decides which).
RELAYED_TOPICS: tuple[str, ...] = tuple(sorted(GRANTABLE_TOPICS))


def subscribe(ctx: ServiceContext[Settings], wake: Callable[[], None]) -> list[IdempotentConsumer]:
    async def on_event(conn: asyncpg.Connection, env: Envelope[Any]) -> None:
        await fan_out_event(ctx.units.bind(conn), env)

    def committed(envelopes: list[Envelope[Any]]) -> None:
        wake()  # new rows are committed: the sender looks at once

    return [
        subscribe_idempotent(
            ctx.broker,
            topic=topic,
            group_id=ctx.settings.webhooks_group,
            pool=ctx.pool,
            handler=on_event,
            batch=True,
            max_records=500,
            settings=ctx.settings,
            on_commit=committed,
            title=f"{ctx.settings.webhooks_group}:{topic}",
            description="Relayed to the webhook subscriptions that take this event type",
        )
        for topic in RELAYED_TOPICS
    ]
