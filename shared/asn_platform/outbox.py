"""Transactional outbox: store an event in the same transaction as the state change, then relay it.

Never dual-write. A service changes its state and enqueues the event on the same connection in
one transaction; either both commit or neither does. The relay publishes committed rows to Kafka
and marks them sent::

    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("UPDATE enrollments SET status = 'declined' WHERE id = $1", eid)
        await outbox.enqueue(conn, EnrollmentChanged(...), source="/tangsel/enrollment")

    relay = OutboxRelay(pool, settings, name="enrollment")
    await relay.start()          # at service start-up (one per service instance)
    ...
    await relay.stop(flush=True)  # on SIGTERM, after the consumers stopped: publish what is left

API:

- ``enqueue(conn, event, *, source, id=None, time=None) -> UUID``: insert one event; must run
  inside the caller's transaction (raises ``RuntimeError`` otherwise). Enqueue *after* the
  statement that changes (and locks) the entity, so two transactions touching the same entity
  enqueue in commit order. The insert trigger NOTIFYs the relays when the transaction commits.
- ``enqueue_many(conn, events, *, source) -> list[UUID]``: the same for many events, one statement.
- ``OutboxRelay(pool, settings, *, name, batch_size=1000)``: ``start()``, ``stop(flush=True)``,
  ``flush(timeout_s)`` (wait until nothing is pending), ``pending()``, ``stats``.

How the relay works. It claims up to ``batch_size`` unsent rows in one transaction
(``FOR UPDATE SKIP LOCKED``), sends them all with an ``AIOKafkaProducer`` (acks=all; idempotence
from ``settings.kafka_idempotence``: on for real Kafka, off for Tansu), awaits every ack, sets
``sent_at`` and commits. If the broker is away the transaction rolls back, the row keeps its
place, the producer is rebuilt and the round is retried with exponential backoff (0.1 s doubling
to 5 s). It sleeps on LISTEN/NOTIFY, with a slow poll (``poll_interval_s``) as a safety net.

Several relays (one per service instance) can run at once. Rows are spread over 16 lanes by
``crc32(key) % 16``; a relay works a lane only while it holds that lane's transaction-scoped
advisory lock, and takes at most half of the lanes per round, so instances share the work while
events with one key are still published by one relay at a time, in id order. A relay that dies
after sending but before committing leaves its rows unsent: they are sent again (at-least-once;
the consumers' inbox drops the duplicates).

Why a raw ``AIOKafkaProducer`` and not FastStream: ``broker.publish`` awaits each message
(about 2,500/s here) and ``publish_batch`` sends one batch to a single partition, which breaks
keyed ordering across partitions. Sending every record of a claim with ``producer.send`` and
awaiting the futures together keeps the key -> partition mapping and measured well above the
platform's needs (see benchmarks/backbone.py).

Sent rows are kept for ``retention_s`` (default 10 minutes) for inspection, then deleted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from aiokafka import AIOKafkaProducer
from asyncpg.pool import PoolConnectionProxy

from asn_platform.contracts.base import Event
from asn_platform.envelope import DEFAULT_MAX_MESSAGE_BYTES, H_ID, KafkaRecord, encode
from asn_platform.settings import PlatformSettings

log = logging.getLogger(__name__)

# What services hold inside a transaction: a plain connection or a pool's proxy of one.
DbConnection = asyncpg.Connection | PoolConnectionProxy

OUTBOX_LANES = 16
NOTIFY_CHANNEL = "asn_outbox"
_LANE_LOCK_CLASS = 0x4F42  # advisory lock namespace "OB" (per database)

_INSERT = (
    "INSERT INTO outbox (event_id, lane, topic, event_type, key, value, headers)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)"
)
_INSERT_MANY = (
    "INSERT INTO outbox (event_id, lane, topic, event_type, key, value, headers)"
    " SELECT * FROM unnest($1::uuid[], $2::smallint[], $3::text[], $4::text[], $5::bytea[],"
    " $6::bytea[], $7::jsonb[])"
)
# Lanes with pending rows (16 index probes), in random order; lock up to $2 of them for this
# transaction, then claim the oldest rows of the locked lanes.
_CLAIM = f"""
WITH pending AS (
    SELECT l FROM generate_series(0, {OUTBOX_LANES - 1}) AS l
    WHERE EXISTS (SELECT 1 FROM outbox o WHERE o.lane = l AND o.sent_at IS NULL)
    ORDER BY random()
), locked AS MATERIALIZED (
    SELECT l FROM pending WHERE pg_try_advisory_xact_lock({_LANE_LOCK_CLASS}, l) LIMIT $2
)
SELECT o.id, o.topic, o.key, o.value, o.headers
FROM outbox o
WHERE o.sent_at IS NULL AND o.lane IN (SELECT l FROM locked)
ORDER BY o.id
LIMIT $1
FOR UPDATE OF o SKIP LOCKED
"""
_PENDING_LANES = f"""
SELECT count(*) FROM generate_series(0, {OUTBOX_LANES - 1}) AS l
WHERE EXISTS (SELECT 1 FROM outbox o WHERE o.lane = l AND o.sent_at IS NULL)
"""
_MARK_SENT = "UPDATE outbox SET sent_at = clock_timestamp() WHERE id = ANY($1::bigint[])"
_MARK_FAILED = (
    "UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1::bigint[])"
)
_CLEANUP = (
    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NOT NULL"
    " AND sent_at < clock_timestamp() - make_interval(secs => $1) LIMIT 10000)"
)


def lane_of(key: bytes) -> int:
    """The outbox lane of a Kafka key (stable across processes and versions)."""
    return zlib.crc32(key) % OUTBOX_LANES


def _row(record: KafkaRecord) -> tuple[UUID, int, str, str, bytes, bytes, str]:
    headers = [(k, v.decode()) for k, v in record.headers]
    event_id = UUID(record.header(H_ID))
    event_type = record.header("ce_type") or ""
    return (
        event_id,
        lane_of(record.key),
        record.topic,
        event_type,
        record.key,
        record.value,
        json.dumps(headers, separators=(",", ":")),
    )


def _require_transaction(conn: DbConnection) -> None:
    if not conn.is_in_transaction():
        raise RuntimeError(
            "outbox.enqueue must run inside the caller's transaction "
            "(async with conn.transaction(): ...), together with the state change"
        )


async def enqueue(
    conn: DbConnection,
    event: Event,
    *,
    source: str,
    id: UUID | None = None,
    time: datetime | None = None,
    max_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
) -> UUID:
    """Store ``event`` for publication when the caller's transaction commits; its CloudEvents id."""
    _require_transaction(conn)
    row = _row(encode(event, source=source, id=id, time=time, max_bytes=max_bytes))
    await conn.execute(_INSERT, *row)
    return row[0]


async def enqueue_many(
    conn: DbConnection,
    events: Sequence[Event],
    *,
    source: str,
    max_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
) -> list[UUID]:
    """Store many events in one statement (same rules as ``enqueue``); ids in input order."""
    _require_transaction(conn)
    if not events:
        return []
    rows = [_row(encode(e, source=source, max_bytes=max_bytes)) for e in events]
    columns = list(zip(*rows, strict=True))
    await conn.execute(_INSERT_MANY, *[list(c) for c in columns])
    return [r[0] for r in rows]


@dataclass
class RelayStats:
    published: int = 0
    rounds: int = 0
    failures: int = 0
    last_error: str | None = None
    last_published_at: float | None = None


class OutboxRelay:
    """Publishes committed outbox rows to Kafka; run one per service instance (see module doc)."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        settings: PlatformSettings,
        *,
        name: str,
        batch_size: int = 1000,
        poll_interval_s: float = 2.0,
        retention_s: float = 600.0,
        cleanup_interval_s: float = 30.0,
        request_timeout_ms: int = 5000,
        linger_ms: int = 2,
        max_backoff_s: float = 5.0,
    ) -> None:
        self.pool = pool
        self.settings = settings
        self.name = name
        self.batch_size = batch_size
        self.lanes_per_claim = max(1, OUTBOX_LANES // 2)
        self.poll_interval_s = poll_interval_s
        self.retention_s = retention_s
        self.cleanup_interval_s = cleanup_interval_s
        self.request_timeout_ms = request_timeout_ms
        self.linger_ms = linger_ms
        self.max_backoff_s = max_backoff_s
        self.stats = RelayStats()
        self._producer: AIOKafkaProducer | None = None
        self._listener: Any = None  # pool connection holding LISTEN
        self._wake = asyncio.Event()
        self._stopping = False
        self._flush_on_stop = True
        self._task: asyncio.Task[None] | None = None
        self._next_cleanup = 0.0

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        if self._task is not None:
            return
        self._stopping = False
        await self._listen()
        self._task = asyncio.create_task(self._run(), name=f"outbox-relay-{self.name}")

    async def stop(self, flush: bool = True, timeout_s: float = 15.0) -> None:
        """Stop relaying; with ``flush`` first publish every row this relay can claim."""
        if self._task is None:
            return
        self._stopping = True
        self._flush_on_stop = flush
        self._wake.set()
        task, self._task = self._task, None
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout_s)
        except TimeoutError:
            log.warning("outbox relay %s: stop timed out after %.0fs", self.name, timeout_s)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        finally:
            await self._close_producer()
            await self._unlisten()

    async def flush(self, timeout_s: float = 30.0) -> None:
        """Wait until no row is pending (sent by this or another relay); TimeoutError if not."""
        deadline = time.monotonic() + timeout_s
        while True:
            self._wake.set()
            if await self.pending() == 0:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"outbox still has unsent rows after {timeout_s:.0f}s")
            await asyncio.sleep(0.02)

    async def pending(self) -> int:
        async with self.pool.acquire() as conn:
            return int(await conn.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL"))

    # -- LISTEN/NOTIFY ---------------------------------------------------------------------
    def _notified(self, *_: object) -> None:
        self._wake.set()

    async def _listen(self) -> None:
        try:
            conn = await self.pool.acquire()
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as err:
            log.warning("outbox relay %s: cannot LISTEN yet (%s); polling", self.name, err)
            return
        try:
            await conn.add_listener(NOTIFY_CHANNEL, self._notified)
        except Exception:
            await self.pool.release(conn)
            raise
        self._listener = conn

    async def _unlisten(self) -> None:
        conn, self._listener = self._listener, None
        if conn is None:
            return
        with contextlib.suppress(Exception):
            if not conn.is_closed():
                await conn.remove_listener(NOTIFY_CHANNEL, self._notified)
        with contextlib.suppress(Exception):
            await self.pool.release(conn)

    async def _ensure_listening(self) -> None:
        if self._listener is not None and self._listener.is_closed():
            await self._unlisten()
        if self._listener is None:
            await self._listen()

    # -- producer --------------------------------------------------------------------------
    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = AIOKafkaProducer(
                bootstrap_servers=self.settings.kafka_bootstrap_servers,
                client_id=f"{self.name}-outbox-relay",
                acks="all",
                enable_idempotence=self.settings.kafka_idempotence,
                linger_ms=self.linger_ms,
                max_batch_size=256 * 1024,
                max_request_size=self.settings.kafka_max_message_bytes,
                request_timeout_ms=self.request_timeout_ms,
                retry_backoff_ms=100,
            )
            try:
                await producer.start()
            except BaseException:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(producer.stop(), 2.0)
                raise
            self._producer = producer
        return self._producer

    async def _close_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(producer.stop(), 5.0)

    # -- the loop --------------------------------------------------------------------------
    async def _run(self) -> None:
        delay = 0.0
        while not self._stopping:
            self._wake.clear()
            try:
                await self._ensure_listening()
                sent, contended = await self._round()
                delay = 0.0
            except asyncio.CancelledError:
                raise
            except Exception as err:
                delay = min(self.max_backoff_s, max(0.1, delay * 2))
                self._failed(err, delay)
                await self._sleep(delay * (0.8 + 0.4 * random.random()))
                continue
            if sent:
                continue  # there may be more
            await self._maybe_cleanup()
            if contended:
                await self._sleep(0.02)  # another relay holds the pending lanes
            else:
                await self._sleep(self.poll_interval_s)
        if self._flush_on_stop:
            await self._drain()

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    async def _drain(self) -> None:
        for _ in range(10_000):
            try:
                sent, contended = await self._round()
            except Exception as err:
                log.warning("outbox relay %s: could not flush on stop: %s", self.name, err)
                return
            if not sent and not contended:
                return
            if not sent:
                await asyncio.sleep(0.02)

    def _failed(self, err: BaseException, delay: float) -> None:
        self.stats.failures += 1
        self.stats.last_error = f"{type(err).__name__}: {err}"
        level = logging.WARNING if self.stats.failures % 20 != 1 else logging.ERROR
        log.log(
            level,
            "outbox relay %s: round failed (%s); retrying in %.1fs",
            self.name,
            self.stats.last_error,
            delay,
        )

    async def _round(self) -> tuple[int, bool]:
        """One claim -> publish -> mark sent transaction. Returns (sent, lanes held elsewhere)."""
        self.stats.rounds += 1
        failed_ids: list[int] = []
        error: BaseException | None = None
        async with self.pool.acquire() as conn:
            try:
                async with conn.transaction():
                    rows = await conn.fetch(_CLAIM, self.batch_size, self.lanes_per_claim)
                    if not rows:
                        pending = await conn.fetchval(_PENDING_LANES)
                        return 0, bool(pending)
                    ids = [r["id"] for r in rows]
                    try:
                        await self._publish(rows)
                    except Exception as err:
                        failed_ids, error = ids, err
                        raise
                    await conn.execute(_MARK_SENT, ids)
            except Exception:
                if error is None:
                    raise
                with contextlib.suppress(Exception):
                    await conn.execute(_MARK_FAILED, failed_ids, f"{type(error).__name__}: {error}")
                await self._close_producer()
                raise error from None
        self.stats.published += len(rows)
        self.stats.last_published_at = time.time()
        return len(rows), False

    async def _publish(self, rows: Sequence[asyncpg.Record]) -> None:
        producer = await self._ensure_producer()
        futures = []
        for r in rows:
            headers = [(k, v.encode()) for k, v in json.loads(r["headers"])]
            futures.append(
                await producer.send(r["topic"], value=r["value"], key=r["key"], headers=headers)
            )
        results = await asyncio.gather(*futures, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def _maybe_cleanup(self) -> None:
        now = time.monotonic()
        if now < self._next_cleanup:
            return
        self._next_cleanup = now + self.cleanup_interval_s
        try:
            async with self.pool.acquire() as conn:
                await conn.execute(_CLEANUP, float(self.retention_s))
        except Exception as err:
            log.warning("outbox relay %s: cleanup failed: %s", self.name, err)
