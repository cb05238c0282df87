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
  enqueue in commit order. The insert trigger wakes sleeping relays (NOTIFY) on commit.
- ``enqueue_many(conn, events, *, source) -> list[UUID]``: the same for many events, one statement.
- ``OutboxRelay(pool, settings, *, name, batch_size=1000, retention_s=0, lanes_per_claim=16)``:
  ``start()``, ``stop(flush=True)``, ``flush(timeout_s)`` (wait until nothing is pending),
  ``pending()``, ``stats``.

How the relay works. It claims up to ``batch_size`` unsent rows in one transaction
(``FOR UPDATE SKIP LOCKED``), sends them all with an ``AIOKafkaProducer`` (acks=all; idempotence
from ``settings.kafka_idempotence``: on for real Kafka, off for Tansu), awaits every ack, marks
them sent and commits. Marking sent deletes the rows by default (``retention_s=0``: cheapest, no
table bloat; the records live on in Kafka); with ``retention_s > 0`` it sets ``sent_at`` and a
periodic cleanup deletes them after that many seconds. If the broker is away the transaction
rolls back, the rows keep their place (``attempts``/``last_error`` record the failure), the
producer is rebuilt and the round is retried with exponential backoff (0.1 s doubling to 5 s).

Waking. An idle relay sleeps on LISTEN/NOTIFY (with a slow ``poll_interval_s`` safety poll).
NOTIFY makes committing transactions queue on a database-wide lock, which we measured capping
concurrent writers far below 1,000 commits/s; so writers NOTIFY only while some relay is asleep
(table ``outbox_relays``, migration 0002). A relay that has just published looks again after
5 ms, doubling while it finds nothing, and registers as asleep once the wait reaches 100 ms.
Under load nobody NOTIFYs and the relay never sleeps; when idle it costs nothing.

Several relays (one per service instance) can run at once. Rows are spread over 16 lanes by
``crc32(key) % 16``; a relay works a lane only while it holds that lane's transaction-scoped
advisory lock (``lanes_per_claim``, default all free lanes with pending rows, bounds how many
one round takes), so events with one key are published by one relay at a time, in id order,
while instances take turns or split the lanes between them. A relay that dies
after sending but before committing leaves its rows unsent: they are sent again (at-least-once;
the consumers' inbox drops the duplicates).

Why a raw ``AIOKafkaProducer`` and not FastStream: ``broker.publish`` awaits each message
(about 2,500/s here) and ``publish_batch`` sends one batch to a single partition, which breaks
keyed ordering across partitions. Sending every record of a claim with ``producer.send`` and
awaiting the futures together keeps the key -> partition mapping (measured: the relay alone
publishes about 15,000 events/s here; see benchmarks/backbone.py for the whole path).

The relay holds one pool connection for LISTEN and its rounds.
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

from asn_platform import telemetry
from asn_platform.contracts.base import Event
from asn_platform.envelope import DEFAULT_MAX_MESSAGE_BYTES, H_ID, KafkaRecord, encode
from asn_platform.kafka import client_options, started
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
_REGISTER = (
    "INSERT INTO outbox_relays (relay, sleeping, seen_at) VALUES ($1, $2, now())"
    " ON CONFLICT (relay) DO UPDATE SET sleeping = EXCLUDED.sleeping, seen_at = now()"
)
_ANY_PENDING = f"""
SELECT EXISTS (
    SELECT 1 FROM generate_series(0, {OUTBOX_LANES - 1}) AS l
    WHERE EXISTS (SELECT 1 FROM outbox o WHERE o.lane = l AND o.sent_at IS NULL)
)
"""
_MARK_SENT = "UPDATE outbox SET sent_at = clock_timestamp() WHERE id = ANY($1::bigint[])"
_DELETE_SENT = "DELETE FROM outbox WHERE id = ANY($1::bigint[])"
_MARK_FAILED = (
    "UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1::bigint[])"
)
_CLEANUP = (
    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE sent_at IS NOT NULL"
    " AND sent_at < clock_timestamp() - make_interval(secs => $1) LIMIT 5000)"
)
_CLEANUP_RELAYS = "DELETE FROM outbox_relays WHERE seen_at < now() - interval '1 hour'"


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


def _traced_row(
    event: Event,
    *,
    source: str,
    id: UUID | None = None,
    time: datetime | None = None,
    max_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
) -> tuple[UUID, int, str, str, bytes, bytes, str]:
    """The outbox row of an event, encoded inside its enqueue span: the stored headers carry that
    span's trace context to Kafka (the relay publishes them later, outside any request)."""
    kind = type(event)
    with telemetry.enqueue_span(
        getattr(kind, "topic", ""), getattr(kind, "event_type", "")
    ) as span:
        row = _row(encode(event, source=source, id=id, time=time, max_bytes=max_bytes))
        span.set_attribute("messaging.message.id", str(row[0]))
        return row


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
    row = _traced_row(event, source=source, id=id, time=time, max_bytes=max_bytes)
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
    rows = [_traced_row(e, source=source, max_bytes=max_bytes) for e in events]
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


def _gone(conn: Any) -> bool:
    """Closed, or already released back to the pool (asyncpg returns the holder of a
    connection the server terminated; its proxy then raises InterfaceError on every call)."""
    try:
        return bool(conn.is_closed())
    except asyncpg.InterfaceError:
        return True


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
        retention_s: float = 0.0,
        cleanup_interval_s: float = 5.0,
        request_timeout_ms: int = 5000,
        linger_ms: int = 0,
        max_backoff_s: float = 5.0,
        active_poll_s: float = 0.005,
        sleep_after_s: float = 0.1,
        lanes_per_claim: int = OUTBOX_LANES,
    ) -> None:
        self.pool = pool
        self.settings = settings
        self.name = name
        self.batch_size = batch_size
        self.lanes_per_claim = max(1, min(OUTBOX_LANES, lanes_per_claim))
        self.poll_interval_s = poll_interval_s
        self.retention_s = retention_s
        self.cleanup_interval_s = cleanup_interval_s
        self.request_timeout_ms = request_timeout_ms
        self.linger_ms = linger_ms
        self.max_backoff_s = max_backoff_s
        self.active_poll_s = active_poll_s
        self.sleep_after_s = sleep_after_s
        self.stats = RelayStats()
        self.relay_id = f"{name}:{settings.instance_id}:{id(self):x}"
        self._producer: AIOKafkaProducer | None = None
        self._conn: Any = None  # the relay's own pool connection: LISTEN and the rounds
        self._wake = asyncio.Event()
        self._stopping = False
        self._flush_on_stop = True
        self._task: asyncio.Task[None] | None = None
        self._next_cleanup = 0.0
        self._asleep = False
        self._sleep_refresh_at = 0.0
        self._busy = False  # the last round published: skip the "anything pending?" probe

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        if self._task is not None:
            return
        self._stopping = False
        with contextlib.suppress(Exception):
            await self._connection()  # LISTEN before the first round; retried in the loop
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
            with contextlib.suppress(Exception):
                conn = await self._connection()
                await conn.execute("DELETE FROM outbox_relays WHERE relay = $1", self.relay_id)
            await self._drop_connection()

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

    # -- the connection (LISTEN + rounds) ------------------------------------------------------
    # (_gone: a connection the server terminated may already be back in the pool, and then
    # is_closed() itself raises; the relay's loop must not die of asking.)
    def _notified(self, *_: object) -> None:
        self._wake.set()

    async def _connection(self) -> Any:
        if self._conn is not None and _gone(self._conn):
            await self._drop_connection()
        if self._conn is None:
            conn = await self.pool.acquire()
            try:
                await conn.add_listener(NOTIFY_CHANNEL, self._notified)
            except BaseException:
                with contextlib.suppress(Exception):
                    await self.pool.release(conn)
                raise
            self._conn = conn
            self._asleep = False
        return self._conn

    async def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        with contextlib.suppress(Exception):
            if not _gone(conn):
                await conn.remove_listener(NOTIFY_CHANNEL, self._notified)
        with contextlib.suppress(Exception):
            await self.pool.release(conn)

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
                **client_options(self.settings),
            )
            self._producer = await started(producer)
        return self._producer

    async def _close_producer(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(producer.stop(), 5.0)

    # -- the loop --------------------------------------------------------------------------
    async def _run(self) -> None:
        delay = 0.0
        idle = 0
        while not self._stopping:
            self._wake.clear()
            try:
                sent, contended = await self._round()
                delay = 0.0
                if sent:
                    idle = 0
                    if self._asleep:
                        await self._set_sleeping(False)
                    continue  # there may be more
                await self._maybe_cleanup()
                if contended:
                    await self._sleep(0.02)  # another relay holds the pending lanes
                    continue
                idle = min(idle + 1, 30)
                wait = min(self.poll_interval_s, self.active_poll_s * 2 ** (idle - 1))
                if wait >= self.sleep_after_s:
                    if not self._asleep:
                        # From now on writers NOTIFY; look once more for rows that committed
                        # before they could see the flag.
                        await self._set_sleeping(True)
                        continue
                    if time.monotonic() > self._sleep_refresh_at:
                        await self._set_sleeping(True)  # keep the registration fresh
            except asyncio.CancelledError:
                raise
            except Exception as err:
                delay = min(self.max_backoff_s, max(0.1, delay * 2))
                self._failed(err, delay)
                if self._conn is not None and (
                    _gone(self._conn) or not isinstance(err, asyncpg.PostgresError)
                ):
                    await self._drop_connection()
                await self._sleep(delay * (0.8 + 0.4 * random.random()))
                continue
            await self._sleep(wait)
        if self._flush_on_stop:
            await self._drain()

    async def _set_sleeping(self, sleeping: bool) -> None:
        conn = await self._connection()
        await conn.execute(_REGISTER, self.relay_id, sleeping)
        self._asleep = sleeping
        self._sleep_refresh_at = time.monotonic() + 20.0

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
        conn = await self._connection()
        if not self._busy and not await conn.fetchval(_ANY_PENDING):
            return 0, False  # one cheap statement, no transaction, when there is nothing
        self._busy = False
        error: BaseException | None = None
        ids: list[int] = []
        try:
            async with conn.transaction():
                rows = await conn.fetch(_CLAIM, self.batch_size, self.lanes_per_claim)
                if not rows:
                    return 0, True  # rows are pending, but in lanes other relays hold
                ids = [r["id"] for r in rows]
                try:
                    await self._publish(rows)
                except Exception as err:
                    error = err
                    raise
                if self.retention_s > 0:
                    await conn.execute(_MARK_SENT, ids)
                else:
                    await conn.execute(_DELETE_SENT, ids)
        except Exception:
            if error is None:
                raise
            with contextlib.suppress(Exception):
                await conn.execute(_MARK_FAILED, ids, f"{type(error).__name__}: {error}")
            await self._close_producer()
            raise error from None
        self.stats.published += len(rows)
        self.stats.last_published_at = time.time()
        self._busy = True
        return len(rows), False

    async def _publish(self, rows: Sequence[asyncpg.Record]) -> None:
        producer = await self._ensure_producer()
        futures = []
        for r in rows:
            stored = json.loads(r["headers"])
            carried = dict(stored)
            headers = [(k, v.encode()) for k, v in stored]
            with telemetry.send_span(
                r["topic"],
                carried.get(telemetry.H_TRACEPARENT),
                carried.get(telemetry.H_TRACESTATE),
            ):
                futures.append(
                    await producer.send(r["topic"], value=r["value"], key=r["key"], headers=headers)
                )
        # An idempotent producer retries a batch while the broker is away instead of expiring
        # it; bound the wait so an outage is noticed (recorded, producer rebuilt, retried).
        try:
            results = await asyncio.wait_for(
                asyncio.gather(*futures, return_exceptions=True),
                max(5.0, 2 * self.request_timeout_ms / 1000),
            )
        except TimeoutError:
            raise TimeoutError("no acknowledgement from the broker in time") from None
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def _maybe_cleanup(self) -> None:
        now = time.monotonic()
        if now < self._next_cleanup:
            return
        self._next_cleanup = now + self.cleanup_interval_s
        try:
            conn = await self._connection()
            if self.retention_s > 0:
                await conn.execute(_CLEANUP, float(self.retention_s))
            await conn.execute(_CLEANUP_RELAYS)
        except Exception as err:
            log.warning("outbox relay %s: cleanup failed: %s", self.name, err)
