"""Unit of work: one database transaction and the events it publishes, committed together.

Every change a service makes (an HTTP command, an event it consumes) runs as one unit of work::

    units = UnitsOfWork(pool, source="/tangsel/enrollment", max_event_bytes=settings.kafka_max_message_bytes)

    async def accept(uow: UnitOfWork) -> Enrollment:
        row = await store.lock_enrollment(uow.conn, enrollment_id)
        ...
        await uow.publish(EnrollmentChanged(...))     # into the outbox, same transaction
        return enrollment

    enrollment = await units.run(accept)              # HTTP: a new transaction, retried on deadlock

    async def on_gap(conn, env):                       # the inbox opened the transaction already
        await apply_gap(units.bind(conn), env.data)

Why a retry here and nowhere else: PostgreSQL may abort a transaction that did nothing wrong
(deadlock victim, serialization failure under REPEATABLE READ/SERIALIZABLE). Running the whole
unit again is the only correct answer, so ``run`` does it, at most ``retries`` times with a short
jittered pause. ``work`` must therefore touch nothing outside the transaction (no HTTP calls, no
Kafka sends: publish through ``uow.publish``, which lands in the outbox and leaves with the
commit). A transaction the inbox opened is retried by the inbox (``bind`` does not retry).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Literal, TypeVar, cast
from uuid import UUID

import asyncpg

from asn_platform import outbox
from asn_platform.contracts.base import Event
from asn_platform.envelope import DEFAULT_MAX_MESSAGE_BYTES
from asn_platform.outbox import DbConnection

log = logging.getLogger(__name__)

T = TypeVar("T")
Isolation = Literal["read_committed", "repeatable_read", "serializable"]

# Errors after which running the same unit again is correct (SQLSTATE 40P01, 40001).
RETRYABLE: tuple[type[BaseException], ...] = (
    asyncpg.DeadlockDetectedError,
    asyncpg.SerializationError,
)
DEFAULT_RETRIES = 3


class UnitOfWork:
    """One open transaction: ``conn`` for the store, ``publish`` for the events it causes."""

    __slots__ = ("_max_bytes", "_source", "conn", "published")

    def __init__(self, conn: DbConnection, *, source: str, max_event_bytes: int) -> None:
        if not conn.is_in_transaction():
            raise RuntimeError("a unit of work needs an open transaction")
        self.conn = cast(asyncpg.Connection, conn)
        self._source = source
        self._max_bytes = max_event_bytes
        self.published: list[UUID] = []

    async def publish(
        self, event: Event, *, id: UUID | None = None, time: datetime | None = None
    ) -> UUID:
        """Queue ``event`` in the outbox; it is sent once this transaction commits."""
        event_id = await outbox.enqueue(
            self.conn, event, source=self._source, id=id, time=time, max_bytes=self._max_bytes
        )
        self.published.append(event_id)
        return event_id

    async def publish_many(self, events: Sequence[Event]) -> list[UUID]:
        """The same for many events in one statement; their ids in input order."""
        ids = await outbox.enqueue_many(
            self.conn, events, source=self._source, max_bytes=self._max_bytes
        )
        self.published.extend(ids)
        return ids


class UnitsOfWork:
    """Makes units of work for one service: its pool, its event source, its message size limit."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        source: str,
        max_event_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        retries: int = DEFAULT_RETRIES,
    ) -> None:
        if retries < 1:
            raise ValueError("retries must be at least 1")
        self.pool = pool
        self.source = source
        self.max_event_bytes = max_event_bytes
        self.retries = retries

    def bind(self, conn: DbConnection) -> UnitOfWork:
        """A unit of work on a transaction someone else opened (the inbox, a batch)."""
        return UnitOfWork(conn, source=self.source, max_event_bytes=self.max_event_bytes)

    async def run(
        self,
        work: Callable[[UnitOfWork], Awaitable[T]],
        *,
        isolation: Isolation = "read_committed",
    ) -> T:
        """Run ``work`` in a new transaction and commit; again from the start if PostgreSQL
        aborted it as a deadlock victim or for a serialization failure."""
        for attempt in range(1, self.retries + 1):
            try:
                async with self.pool.acquire() as conn, conn.transaction(isolation=isolation):
                    return await work(self.bind(conn))
            except RETRYABLE as err:
                if attempt == self.retries:
                    raise
                log.warning("transaction aborted (%s), running it again", type(err).__name__)
                await asyncio.sleep(0.01 * attempt * (1 + random.random()))
        raise AssertionError("unreachable")

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[asyncpg.Connection]:
        """A connection for queries that change nothing (no transaction, nothing to publish)."""
        async with self.pool.acquire() as conn:
            yield cast(asyncpg.Connection, conn)
