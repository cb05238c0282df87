"""Commands and queries on subscriptions."""

from __future__ import annotations

import secrets as random_source
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

import asyncpg

from asn_platform.uow import UnitOfWork, UnitsOfWork
from asn_webhooks.domain import signing
from asn_webhooks.domain.cloudevent import verification_event
from asn_webhooks.domain.model import Subscription
from asn_webhooks.domain.subscriptions import (
    InvalidSubscription,
    Secrets,
    check_endpoint,
    check_event_types,
)
from asn_webhooks.sealing import SecretBox
from asn_webhooks.store import deliveries as delivery_store
from asn_webhooks.store import subscriptions as store

# Sends a signed body to a URL; returns None when it answered 2xx in time, else the problem.
Verifier = Callable[[str, str, bytes, list[str]], Awaitable[str | None]]


class NotFound(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class Registration:
    agency: str
    url: str
    event_types: list[str]
    allow_personal_data: bool


def new_secret() -> str:
    return signing.secret_from(random_source.token_bytes(signing.SECRET_BYTES))


def subscription_of(row: asyncpg.Record) -> Subscription:
    """The subscription as stored: its secrets stay sealed (only the sender opens them)."""
    return Subscription(
        id=row["id"],
        agency=row["agency"],
        url=row["url"],
        event_types=list(row["event_types"]),
        allow_personal_data=row["allow_personal_data"],
        status=row["status"],
        paused_reason=row["paused_reason"],
        secrets=Secrets(
            row["secret_sealed"], row["previous_secret_sealed"], row["previous_secret_until"]
        ),
        consecutive_failures=row["consecutive_failures"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def register_subscription(
    units: UnitsOfWork,
    verify: Verifier,
    box: SecretBox,
    request: Registration,
    *,
    allow_http_loopback: bool,
    now: datetime,
) -> tuple[Subscription, str]:
    """Check the rules, prove the endpoint answers a signed request, then store it with its
    secret sealed; returns it and the secret in clear (shown once). The endpoint is called
    before the transaction opens (no HTTP call inside a unit of work)."""
    url = check_endpoint(request.url, allow_http_loopback=allow_http_loopback)
    types = check_event_types(request.event_types, allow_personal=request.allow_personal_data)
    sub_id, secret = uuid4(), new_secret()
    event = verification_event(str(uuid4()), str(sub_id), request.agency, now)
    problem = await verify(url, event.id, event.to_json(), [secret])
    if problem is not None:
        raise InvalidSubscription("url", f"endpoint verification failed: {problem}")

    async def save(uow: UnitOfWork) -> Subscription:
        row = await store.insert(
            uow.conn,
            id=sub_id,
            agency=request.agency,
            url=url,
            event_types=types,
            allow_personal_data=request.allow_personal_data,
            secret_sealed=box.seal(secret),
        )
        return subscription_of(row)

    return await units.run(save), secret


async def get_subscription(uow: UnitOfWork, sub_id: UUID) -> Subscription:
    row = await store.get(uow.conn, sub_id)
    if row is None:
        raise NotFound(str(sub_id))
    return subscription_of(row)


async def list_subscriptions(uow: UnitOfWork, limit: int, offset: int) -> list[Subscription]:
    return [subscription_of(r) for r in await store.list_all(uow.conn, limit, offset)]


async def delivery_counts(uow: UnitOfWork, sub_id: UUID) -> dict[str, int]:
    return await delivery_store.counts(uow.conn, sub_id)


async def pause_subscription(uow: UnitOfWork, sub_id: UUID, reason: str) -> Subscription:
    row = await store.set_status(uow.conn, sub_id, "paused", reason)
    if row is None:
        raise NotFound(str(sub_id))
    return subscription_of(row)


async def resume_subscription(uow: UnitOfWork, sub_id: UUID, now: datetime) -> Subscription:
    """Active again with a clean failure count; what waited is due at once."""
    row = await store.set_status(uow.conn, sub_id, "active", None)
    if row is None:
        raise NotFound(str(sub_id))
    await delivery_store.make_due_now(uow.conn, sub_id, now)
    return subscription_of(row)


async def delete_subscription(uow: UnitOfWork, sub_id: UUID) -> None:
    if not await store.delete(uow.conn, sub_id):
        raise NotFound(str(sub_id))


async def rotate_secret(
    uow: UnitOfWork, box: SecretBox, sub_id: UUID, overlap: timedelta, now: datetime
) -> tuple[Subscription, str]:
    """A new secret (returned in clear, stored sealed); the old one keeps signing beside it
    until the overlap ends."""
    row = await store.get(uow.conn, sub_id, lock=True)
    if row is None:
        raise NotFound(str(sub_id))
    current = subscription_of(row).secrets
    new = new_secret()
    rotated = current.rotated(box.seal(new), now, overlap)
    row = await store.set_secrets(
        uow.conn, sub_id, rotated.current, rotated.previous, rotated.previous_until
    )
    assert row is not None
    return subscription_of(row), new


async def seal_stored_secrets(uow: UnitOfWork, box: SecretBox) -> int:
    """At start: seal the secrets still stored in clear (rows from before migration 0002) and
    re-seal with the first key those an older key sealed. Returns the rows changed; raises
    SealedWithUnknownKey when no configured key opens one (the service must not start)."""
    changed = 0
    for row in await store.stored_secrets(uow.conn):
        current = box.current(row["secret_sealed"]) if row["secret_sealed"] else None
        previous = (
            box.current(row["previous_secret_sealed"]) if row["previous_secret_sealed"] else None
        )
        if row["secret"] is not None:
            current = box.seal(row["secret"])
        if row["previous_secret"] is not None:
            previous = box.seal(row["previous_secret"])
        assert current is not None  # the table's CHECK keeps one of the two
        if (current, previous) != (row["secret_sealed"], row["previous_secret_sealed"]):
            await store.set_sealed(uow.conn, row["id"], current, previous)
            changed += 1
    return changed
