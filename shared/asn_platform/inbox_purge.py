"""The inbox purge on a schedule: every service forgets inbox rows older than a horizon.

The schedule itself (batches, jitter, start and stop) is ``ScheduledPurge`` below; a service
with a table of its own to forget (the notifications' delivery rows) runs one with its own
delete.

``create_app`` starts one ``InboxPurger`` per service (after the outbox relay) and stops it at
shutdown. Every ``ASN_INBOX_PURGE_INTERVAL_S`` (default one hour, with jitter so that instances
do not purge in step) it deletes, in batches of ``ASN_INBOX_PURGE_BATCH`` rows so that no
statement holds locks for long, the rows of every consumer group processed more than
``ASN_INBOX_RETENTION_DAYS`` ago (default 30). ``ASN_INBOX_RETENTION_DAYS=0`` turns it off.

Why 30 days is safe. An inbox row matters only while its event can still be read from its topic:

- a redelivery (a crash between the database commit and the offset commit, a rebalance, a
  consumer rewound on stop) can only bring back an event that is still in the log;
- the recommendations replay (``asn_recommendations.replay``) reads every input topic from
  offset 0 and, by default, applies exactly the events whose id is in the live group's inbox;
  an event still in the log whose row was purged would be left out of the rebuilt state.

An event's row is written when it is applied, which is after the event was appended to the
topic; so a row older than the horizon belongs to an event appended more than the horizon ago.
With the horizon longer than the topics' retention (Kafka's default ``retention.ms`` is 7 days,
and Kafka deletes a segment only after its newest record is past retention, so records linger up
to one segment period more, 7 days by default) such an event is gone from the log: neither a
redelivery nor a replay can see it. 30 days is over twice 7 + 7 days. A deployment that keeps
its topics longer must set ``ASN_INBOX_RETENTION_DAYS`` above that retention plus
``segment.ms``, or 0 (keep every row) for topics kept forever. The embedded Tansu broker keeps
everything in memory only until it restarts, which in practice comes long before 30 days.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import timedelta

import asyncpg

from asn_platform.inbox import purge_inbox
from asn_platform.outbox import DbConnection

log = logging.getLogger(__name__)
# (connection, horizon, at most this many rows) -> rows deleted
PurgeBatch = Callable[[DbConnection, timedelta, int], Awaitable[int]]


class ScheduledPurge:
    """Every ``interval_s`` (with jitter), ``purge`` in batches of ``batch`` rows until a batch
    comes back short; a retention of zero turns it off."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        purge: PurgeBatch,
        *,
        what: str,
        retention: timedelta,
        interval_s: float,
        batch: int = 10_000,
        name: str = "",
    ) -> None:
        self.pool = pool
        self.purge = purge
        self.what = what
        self.retention = retention
        self.interval_s = interval_s
        self.batch = batch
        self.name = name
        self.purged = 0  # rows deleted since start (metrics, tests)
        self.runs = 0
        self._task: asyncio.Task[None] | None = None

    @property
    def enabled(self) -> bool:
        return self.retention > timedelta(0)

    async def start(self) -> None:
        if self.enabled and self._task is None:
            self._task = asyncio.create_task(self._loop(), name=f"{self.what}-purge-{self.name}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def purge_once(self) -> int:
        """Delete every row older than the horizon, ``batch`` rows per statement."""
        total = 0
        while True:
            async with self.pool.acquire() as conn:
                deleted = await self.purge(conn, self.retention, self.batch)
            total += deleted
            if deleted < self.batch:
                break
            await asyncio.sleep(0)  # let requests and consumers in between batches
        self.purged += total
        self.runs += 1
        if total:
            log.info(
                "%s: purged %d %s row(s) older than %s", self.name, total, self.what, self.retention
            )
        return total

    async def _loop(self) -> None:
        # The first run comes after a short, random delay: start-up stays quick, and instances
        # restarted together do not purge at the same moment.
        await asyncio.sleep(self.interval_s * (0.1 + 0.2 * random.random()))
        while True:
            try:
                await self.purge_once()
            except asyncio.CancelledError:
                raise
            except Exception as err:  # database away: try again at the next interval
                log.warning(
                    "%s: %s purge failed (%s: %s)", self.name, self.what, type(err).__name__, err
                )
            await asyncio.sleep(self.interval_s * (0.9 + 0.2 * random.random()))


async def _inbox_batch(conn: DbConnection, retention: timedelta, limit: int) -> int:
    return await purge_inbox(conn, retention, limit=limit)


class InboxPurger(ScheduledPurge):
    """The inbox rows of every consumer group, past ``ASN_INBOX_RETENTION_DAYS``."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        retention: timedelta,
        interval_s: float,
        batch: int = 10_000,
        name: str = "",
    ) -> None:
        super().__init__(
            pool, _inbox_batch, what="inbox", retention=retention, interval_s=interval_s,
            batch=batch, name=name,
        )  # fmt: skip
