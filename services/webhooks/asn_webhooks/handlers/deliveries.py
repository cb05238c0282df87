"""Deliveries: fan an event out to its subscriptions, claim due attempts, record outcomes,
list and re-deliver dead letters."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from asn_platform.contracts.base import Event
from asn_platform.envelope import Envelope
from asn_platform.uow import UnitOfWork
from asn_webhooks.domain.cloudevent import CloudEvent
from asn_webhooks.domain.model import DeadLetter, Delivery
from asn_webhooks.domain.retry import Next, RetryPolicy
from asn_webhooks.domain.subscriptions import Secrets
from asn_webhooks.handlers.subscriptions import NotFound
from asn_webhooks.sealing import SecretBox
from asn_webhooks.store import deliveries as store
from asn_webhooks.store import subscriptions as subscription_store


def cloudevent_of(env: Envelope[Event]) -> CloudEvent:
    data = env.data.model_dump(mode="json")
    return CloudEvent(
        id=str(env.id),
        source=env.source,
        type=env.type,
        time=env.time,
        subject=env.subject,
        data=data,
    )


async def fan_out_event(uow: UnitOfWork, env: Envelope[Event]) -> int:
    """One pending delivery per subscription that takes this type and was registered before the
    event happened (its CloudEvents time: a consumer catching up on older events sends a new
    subscription no history); in the inbox's transaction, so a redelivered Kafka event creates
    nothing twice. Returns the rows created."""
    subs = await subscription_store.wanting(uow.conn, env.type, env.time)
    if not subs:
        return 0
    key = env.key.decode() if env.key else env.data.partition_key()
    return await store.insert_for(
        uow.conn,
        [r["id"] for r in subs],
        event_id=env.id,
        event_type=env.type,
        event_key=key,
        body=cloudevent_of(env).to_json(),
    )


async def claim_due_deliveries(
    uow: UnitOfWork, box: SecretBox, now: datetime, limit: int, lease: timedelta
) -> list[Delivery]:
    """Lease the due head of each key; the secrets that sign them are opened here, in memory."""
    rows = await store.claim_due(uow.conn, now, limit, lease)
    return [
        Delivery(
            id=r["id"],
            subscription_id=r["subscription_id"],
            event_id=r["event_id"],
            event_type=r["event_type"],
            event_key=r["event_key"],
            body=bytes(r["body"]),
            attempts=r["attempts"],
            url=r["url"],
            secrets=Secrets(
                box.open(r["secret_sealed"]),
                box.open_optional(r["previous_secret_sealed"]),
                r["previous_secret_until"],
            ),
        )
        for r in rows
    ]


async def record_delivered(uow: UnitOfWork, delivery: Delivery, status: int, now: datetime) -> None:
    if await store.mark_delivered(uow.conn, delivery.id, now, status):
        await subscription_store.record_success(uow.conn, delivery.subscription_id)


async def record_failed(
    uow: UnitOfWork,
    delivery: Delivery,
    policy: RetryPolicy,
    *,
    now: datetime,
    jitter: float,
    status: int | None,
    error: str,
) -> tuple[Next, bool]:
    """Schedule the next try or dead-letter it; pause the subscription after repeated failure.
    Returns (what happens to the delivery, whether the subscription was paused now)."""
    attempts = delivery.attempts + 1
    outcome = policy.after_failure(attempts)
    updated = await store.mark_failed(
        uow.conn,
        delivery.id,
        dead=outcome is Next.DEAD,
        next_attempt_at=policy.next_attempt_at(attempts, now, jitter),
        now=now,
        http_status=status,
        error=error,
    )
    if not updated:  # deleted or re-delivered meanwhile
        return outcome, False
    after = await subscription_store.record_failure(uow.conn, delivery.subscription_id)
    if after is None or after["status"] != "active":
        return outcome, False
    if policy.should_pause(after["consecutive_failures"]):
        await subscription_store.set_status(
            uow.conn, delivery.subscription_id, "paused", "repeated_failures"
        )
        return outcome, True
    return outcome, False


async def next_due_at(uow: UnitOfWork) -> datetime | None:
    return await store.next_due_at(uow.conn)


async def list_dead_letters(
    uow: UnitOfWork, sub_id: UUID, limit: int, offset: int
) -> list[DeadLetter]:
    if await subscription_store.get(uow.conn, sub_id) is None:
        raise NotFound(str(sub_id))
    return [
        DeadLetter(**dict(r)) for r in await store.dead_letters(uow.conn, sub_id, limit, offset)
    ]


async def redeliver_dead_letters(
    uow: UnitOfWork, sub_id: UUID, ids: list[int] | None, now: datetime
) -> int:
    if await subscription_store.get(uow.conn, sub_id) is None:
        raise NotFound(str(sub_id))
    return await store.redeliver(uow.conn, sub_id, ids, now)


async def purge_delivered(uow: UnitOfWork, older_than: datetime, limit: int = 5000) -> int:
    return await store.purge_delivered(uow.conn, older_than, limit)
