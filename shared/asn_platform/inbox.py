"""Idempotent consumers: each event's effects are applied exactly once per consumer group.

Delivery is at-least-once; effects are effectively-once. For every event the handler runs inside
one PostgreSQL transaction that also inserts ``(consumer_group, event_id)`` into the ``inbox``
table; an event whose row already exists is skipped. Kafka offsets are committed only after that
transaction commits (``AckPolicy.MANUAL``; never FastStream's default ACK_FIRST, which is
at-most-once). A crash between the database commit and the offset commit redelivers the event,
and the inbox skips it.

Register handlers before ``broker.start()``; ``broker.stop()`` (or ``consumer.stop()``) stops
fetching, lets the in-flight handler finish and commit, then commits the offsets::

    async def on_gap(conn: asyncpg.Connection, env: Envelope[ServiceGapDetected]) -> None:
        await conn.execute("INSERT INTO unit_gaps ...", env.data.unit_id, ...)
        await outbox.enqueue(conn, ProgrammeScheduled(...), source="/tangsel/recommendations")

    broker = make_broker(settings, client_id="recommendations")
    subscribe_idempotent(broker, topic=topics.SERVICE_GAP_DETECTED, group_id="recommendations",
                         pool=pool, handler=on_gap, settings=settings)
    await broker.start()

API:

- ``subscribe_idempotent(broker, *, topic, group_id, pool, handler=None, batch=False,
  settings=None, batch_handler=None, max_records=500, retry=RetryPolicy(), expected=None,
  on_commit=None) -> IdempotentConsumer``. ``handler(conn, envelope)`` is called per new event;
  in batch mode (``batch=True``) up to ``max_records`` events are applied in one transaction
  (``handler`` once per event, or ``batch_handler(conn, envelopes)`` once per batch).
  ``expected`` names the contract when the topic is not a registry topic (tests, renamed topics).
  ``on_commit(envelopes)`` is called after each commit (metrics, benchmarks).
- ``IdempotentConsumer``: ``.subscriber`` (the FastStream subscriber), ``.stats``, ``stop()``,
  ``apply_again(record)`` (one dead letter applied as if redelivered: asn_platform.redrive).
  ``consumers_of(broker)`` lists the consumers registered on a broker.
- ``PermanentError``: raise it from a handler for an event that can never be applied (e.g. it
  refers to something that does not exist); it is dead-lettered at once, without retries.
- ``RetryPolicy(max_attempts=4, initial_delay_s=0.05, max_delay_s=2.0)``.
- Tracing (``asn_platform.telemetry``): ``handler`` runs inside a ``process <topic>`` span, child
  of the span that enqueued the event (its ``ce_traceparent``), so what it publishes continues
  the producer's trace. A ``batch_handler`` runs inside one span linked to every event's trace;
  it wraps the work for each event in ``traced(env)`` to continue that event's trace.
- ``run_until_signalled(broker, relays=(), closers=())``: start, wait for SIGTERM/SIGINT, then
  stop in the right order (consumers, then the outbox flush).
- ``purge_inbox(conn, older_than, group_id=None, *, limit=None) -> int``: forget old inbox
  rows. Keep them longer than any redelivery can come (the topic's retention); a replay from the
  start for a read-model rebuild uses a new group id, or purges the group together with the
  read model. Every service runs it on a schedule (``asn_platform.inbox_purge``).

Errors:

- The message does not match its contract (``ContractError``): dead-lettered to ``<topic>.dlq``
  at once with x-dlq-* headers (see ``asn_platform.dlq``); the consumer moves on.
- The handler raises: retried ``max_attempts`` times with exponential backoff; then
  dead-lettered. In batch mode a failing batch is retried, then applied one event at a time so
  only the bad event is dead-lettered.
- The database or the broker is unavailable (connection refused or lost, server shutting down,
  too many connections, a dead letter that cannot be written): retried with backoff up to
  ``unavailable_max_delay_s`` for as long as the consumer runs, never dead-lettered and never
  committed past. On stop the batch is rewound and redelivered later.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import random
import signal
import socket
import weakref
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any

import asyncpg
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from faststream.kafka.message import FAKE_CONSUMER, KafkaAckableMessage
from faststream.middlewares import AckPolicy
from opentelemetry.trace import Span

from asn_platform import telemetry
from asn_platform.contracts.base import Event
from asn_platform.contracts.registry import EventSpec, spec_for
from asn_platform.dlq import DeadLetterPublisher
from asn_platform.envelope import ContractError, Envelope, decode
from asn_platform.kafka import consumer_options
from asn_platform.outbox import DbConnection
from asn_platform.settings import PlatformSettings

log = logging.getLogger(__name__)

# ``conn`` is the asyncpg connection (a pool proxy) inside the inbox transaction.
Handler = Callable[[Any, Envelope[Any]], Awaitable[None]]
BatchHandler = Callable[[Any, list[Envelope[Any]]], Awaitable[None]]
OnCommit = Callable[[list[Envelope[Any]]], None]

_INSERT_ONE = (
    'INSERT INTO inbox (consumer_group, event_id, topic, "partition", "offset")'
    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING event_id"
)
_INSERT_MANY = (
    'INSERT INTO inbox (consumer_group, event_id, topic, "partition", "offset")'
    " SELECT $1, * FROM unnest($2::uuid[], $3::text[], $4::int[], $5::bigint[])"
    " ON CONFLICT DO NOTHING RETURNING event_id"
)


# The idempotent consumers of each broker, so that a service's dead letters can be applied
# again by the consumer that failed them (asn_platform.redrive).
_CONSUMERS: weakref.WeakKeyDictionary[KafkaBroker, list[IdempotentConsumer]] = (
    weakref.WeakKeyDictionary()
)


def consumers_of(broker: KafkaBroker) -> list[IdempotentConsumer]:
    return list(_CONSUMERS.get(broker, ()))


class PermanentError(Exception):
    """Raised by a handler: this event can never be applied; dead-letter it without retrying."""


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 4  # handler failures before the event is dead-lettered
    initial_delay_s: float = 0.05
    max_delay_s: float = 2.0
    multiplier: float = 4.0
    unavailable_max_delay_s: float = 5.0  # database/broker away: retried until stopped

    def delay(self, attempt: int, *, unavailable: bool = False) -> float:
        cap = self.unavailable_max_delay_s if unavailable else self.max_delay_s
        base = min(cap, self.initial_delay_s * self.multiplier ** max(0, attempt - 1))
        return base * (0.8 + 0.4 * random.random())


_UNAVAILABLE: tuple[type[BaseException], ...] = (
    ConnectionError,  # refused, reset, broken pipe
    asyncpg.PostgresConnectionError,  # class 08, incl. ConnectionDoesNotExistError
    asyncpg.exceptions.OperatorInterventionError,  # 57: admin shutdown, cannot connect now
    asyncpg.exceptions.InsufficientResourcesError,  # 53: too many connections, disk full
    asyncpg.exceptions.ReadOnlySQLTransactionError,  # a fail-over in progress
)
_NETWORK_ERRNOS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.EPIPE,
        errno.ETIMEDOUT,
        errno.EHOSTUNREACH,
        errno.EHOSTDOWN,
        errno.ENETUNREACH,
        errno.ENETDOWN,
    }
)


def is_unavailable(err: BaseException) -> bool:
    """Does the error mean the database (or network) is away rather than the event is bad?

    Errors raised before the handler runs (acquiring a connection, BEGIN, the inbox insert)
    always count as unavailability; this decides for errors raised inside the handler.
    """
    if isinstance(err, _UNAVAILABLE):
        return True
    return isinstance(err, OSError) and (
        err.errno in _NETWORK_ERRNOS or isinstance(err, socket.gaierror)
    )


class _Infrastructure(Exception):
    """Wraps an error raised before the handler ran (acquire, BEGIN, inbox insert, COMMIT)."""


class Outcome(Enum):
    DONE = "done"  # applied (or skipped as a duplicate, or dead-lettered)
    FAILED = "failed"  # handler retries exhausted; not dead-lettered (batch fallback decides)
    ABORTED = "aborted"  # stopping, or no way forward now: rewind, do not commit


@dataclass
class ConsumerStats:
    applied: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    retries: int = 0
    transactions: int = 0
    unavailable: int = 0
    commit_failures: int = 0


@dataclass(slots=True)
class _Item:
    record: Any
    envelope: Envelope[Any]


class IdempotentConsumer:
    """One idempotent handler on one topic for one consumer group (see module doc)."""

    def __init__(
        self,
        *,
        topic: str,
        group_id: str,
        pool: asyncpg.Pool,
        settings: PlatformSettings,
        handler: Handler | None,
        batch_handler: BatchHandler | None,
        batch: bool,
        retry: RetryPolicy,
        expected: EventSpec | type[Event] | None,
        on_commit: OnCommit | None,
    ) -> None:
        if handler is None and batch_handler is None:
            raise ValueError("give a handler (or, with batch=True, a batch_handler)")
        if batch_handler is not None and not batch:
            raise ValueError("batch_handler needs batch=True")
        self.topic = topic
        self.group_id = group_id
        self.pool = pool
        self.settings = settings
        self.handler = handler
        self.batch_handler = batch_handler
        self.batch = batch
        self.retry = retry
        self.expected: EventSpec | type[Event] = expected or spec_for(topic)
        self.on_commit = on_commit
        self.stats = ConsumerStats()
        self.dead_letters = DeadLetterPublisher(settings, client_id=f"{group_id}-dlq")
        self.subscriber: Any = None
        self._stopped = False

    # -- lifecycle -------------------------------------------------------------------------
    def running(self) -> bool:
        return not self._stopped and bool(getattr(self.subscriber, "running", False))

    async def stop(self) -> None:
        """Stop this consumer alone (``broker.stop()`` does the same for every subscriber)."""
        await self.subscriber.stop()

    def _attach(self, subscriber: Any) -> None:
        self.subscriber = subscriber
        original_stop = subscriber.stop

        async def stop() -> None:
            self._stopped = True
            try:
                await original_stop()
            finally:
                await self.dead_letters.close()

        async_start = subscriber.start

        async def start() -> None:
            self._stopped = False
            await async_start()

        subscriber.stop = stop
        subscriber.start = start

    # -- FastStream glue -------------------------------------------------------------------
    def parse(self, raw: Any) -> KafkaAckableMessage:
        """Build FastStream's message without decoding headers or body (a poison message must
        reach our handler, not fail in the parser and be skipped)."""
        consumer = (
            getattr(raw, "consumer", None)
            or getattr(self.subscriber, "consumer", None)
            or FAKE_CONSUMER  # TestKafkaBroker: nothing to commit
        )
        if isinstance(raw, tuple):
            first, last = raw[0], raw[-1]
            mid = f"{first.topic}-{first.offset}-{last.offset}"
            body: Any = [r.value for r in raw]
        else:
            mid = f"{raw.topic}-{raw.partition}-{raw.offset}"
            body = raw.value or b""
        return KafkaAckableMessage(
            raw_message=raw,
            body=body,
            headers={},
            correlation_id=mid,
            message_id=mid,
            consumer=consumer,
        )

    async def on_message(self, message: KafkaAckableMessage) -> None:
        raw = message.raw_message
        records: Sequence[Any] = raw if isinstance(raw, tuple) else (raw,)
        if not records:
            return
        outcome = await self._process(records)
        if outcome is Outcome.DONE:
            try:
                await message.ack()  # commits the consumer's positions: all of them are done
            except Exception as err:
                self.stats.commit_failures += 1
                log.warning(
                    "%s/%s: offset commit failed (%s); the events will be redelivered and "
                    "skipped by the inbox",
                    self.topic,
                    self.group_id,
                    err,
                )
        else:
            await message.nack()  # rewind: nothing after the first unfinished record commits

    # -- processing ------------------------------------------------------------------------
    def _decode(self, rec: Any) -> Envelope[Any]:
        return decode(
            rec.topic,
            rec.headers,
            rec.value,
            key=rec.key,
            expected=self.expected,
            partition=rec.partition,
            offset=rec.offset,
        )

    async def _process(self, records: Sequence[Any]) -> Outcome:
        items: list[_Item] = []
        for rec in records:
            try:
                env = self._decode(rec)
            except ContractError as err:
                if not await self._dead_letter(rec, err, attempts=0):
                    return Outcome.ABORTED
                continue
            items.append(_Item(rec, env))
        if not items:
            return Outcome.DONE
        if len(items) == 1:
            return await self._apply_with_retries(items, dead_letter=True)
        outcome = await self._apply_with_retries(items, dead_letter=False)
        if outcome is not Outcome.FAILED:
            return outcome
        log.warning(
            "%s/%s: a batch of %d failed; applying its events one at a time",
            self.topic,
            self.group_id,
            len(items),
        )
        for item in items:
            outcome = await self._apply_with_retries([item], dead_letter=True)
            if outcome is not Outcome.DONE:
                return outcome
        return Outcome.DONE

    async def _apply_with_retries(self, items: list[_Item], *, dead_letter: bool) -> Outcome:
        attempt = 0
        unavailable = 0
        while True:
            if not self.running():
                return Outcome.ABORTED
            try:
                await self._apply(items)
                return Outcome.DONE
            except asyncio.CancelledError:
                raise
            except Exception as caught:
                err = caught.__cause__ if isinstance(caught, _Infrastructure) else caught
                assert err is not None
                if isinstance(caught, _Infrastructure) or is_unavailable(err):
                    unavailable += 1
                    self.stats.unavailable += 1
                    delay = self.retry.delay(unavailable, unavailable=True)
                    log.log(
                        logging.ERROR if unavailable % 10 == 1 else logging.WARNING,
                        "%s/%s: database unavailable (%s: %s); retrying in %.1fs",
                        self.topic,
                        self.group_id,
                        type(err).__name__,
                        err,
                        delay,
                    )
                    await self._pause(delay)
                    continue
                attempt += 1
                permanent = isinstance(err, PermanentError | ContractError)
                if permanent or attempt >= self.retry.max_attempts:
                    if not dead_letter:
                        return Outcome.FAILED
                    ok = await self._dead_letter(items[0].record, err, attempts=attempt)
                    return Outcome.DONE if ok else Outcome.ABORTED
                self.stats.retries += 1
                delay = self.retry.delay(attempt)
                log.warning(
                    "%s/%s: handler failed (%s: %s), attempt %d of %d; retrying in %.2fs",
                    self.topic,
                    self.group_id,
                    type(err).__name__,
                    err,
                    attempt,
                    self.retry.max_attempts,
                    delay,
                )
                await self._pause(delay)

    async def _pause(self, seconds: float) -> None:
        # Sleep in short steps so that a stop is not held up by a long backoff.
        end = asyncio.get_running_loop().time() + seconds
        while self.running():
            left = end - asyncio.get_running_loop().time()
            if left <= 0:
                return
            await asyncio.sleep(min(left, 0.1))

    async def apply_again(self, record: Any) -> bool | BaseException:
        """Apply one record again as if it were redelivered (a dead letter's original, for a
        re-drive). True: applied; False: the inbox skipped it (applied before); an error: it
        failed again after the usual retries and was dead-lettered again with that error.
        Raises when the database is away (nothing changed then)."""
        try:
            env = self._decode(record)
        except ContractError as invalid:
            await self._dead_letter_now(record, invalid, attempts=0)
            return invalid
        attempt = 0
        while True:
            try:
                return bool(await self._apply([_Item(record, env)]))
            except asyncio.CancelledError:
                raise
            except Exception as caught:
                failed = caught.__cause__ if isinstance(caught, _Infrastructure) else caught
                assert failed is not None
                if isinstance(caught, _Infrastructure) or is_unavailable(failed):
                    raise failed from None
                attempt += 1
                permanent = isinstance(failed, PermanentError | ContractError)
                if permanent or attempt >= self.retry.max_attempts:
                    await self._dead_letter_now(record, failed, attempts=attempt)
                    return failed
                await asyncio.sleep(self.retry.delay(attempt))

    async def _dead_letter_now(self, record: Any, error: BaseException, *, attempts: int) -> None:
        await self.dead_letters.publish(record, group=self.group_id, error=error, attempts=attempts)
        self.stats.dead_lettered += 1

    async def _apply(self, items: list[_Item]) -> int:
        """Apply in one transaction; the number of events new to the inbox."""
        group = self.group_id
        try:
            conn = await self.pool.acquire()
        except Exception as err:
            raise _Infrastructure() from err
        try:
            fresh = await self._transaction(conn, items, group)
        finally:
            with contextlib.suppress(Exception):
                await self.pool.release(conn)
        self.stats.transactions += 1
        self.stats.applied += len(fresh)
        self.stats.duplicates += len(items) - len(fresh)
        if fresh and self.on_commit is not None:
            try:
                self.on_commit(fresh)
            except Exception:
                log.exception("%s/%s: on_commit callback failed", self.topic, group)
        return len(fresh)

    async def _transaction(
        self, conn: DbConnection, items: list[_Item], group: str
    ) -> list[Envelope[Any]]:
        tx = conn.transaction()
        try:
            await tx.start()
        except Exception as err:
            raise _Infrastructure() from err
        try:
            try:
                if len(items) == 1:
                    item = items[0]
                    env = item.envelope
                    new = await conn.fetchval(
                        _INSERT_ONE, group, env.id, env.topic, env.partition, env.offset
                    )
                    fresh = [env] if new is not None else []
                else:
                    unique: dict[Any, Envelope[Any]] = {}
                    for item in items:
                        unique.setdefault(item.envelope.id, item.envelope)
                    envs = list(unique.values())
                    rows = await conn.fetch(
                        _INSERT_MANY,
                        group,
                        [e.id for e in envs],
                        [e.topic for e in envs],
                        [e.partition for e in envs],
                        [e.offset for e in envs],
                    )
                    new_ids = {r[0] for r in rows}
                    fresh = [e for e in envs if e.id in new_ids]
            except Exception as err:
                raise _Infrastructure() from err
            if fresh:
                await self._handle(conn, fresh)
        except BaseException:
            with contextlib.suppress(Exception):
                await tx.rollback()
            raise
        try:
            await tx.commit()
        except Exception as err:
            if is_unavailable(err):
                raise _Infrastructure() from err
            raise  # e.g. a deferred constraint: the handler's effects are at fault
        return fresh

    async def _handle(self, conn: DbConnection, fresh: list[Envelope[Any]]) -> None:
        """The handler, in the trace each event carries: a span per event (child of the span
        that enqueued it), or one span linked to all of them for a batch handler; whatever the
        handler publishes joins that trace."""
        if self.batch_handler is not None:
            carried = [(e.traceparent, e.tracestate) for e in fresh]
            with telemetry.process_span(self.topic, self.group_id, carried):
                await self.batch_handler(conn, fresh)
            return
        assert self.handler is not None
        for env in fresh:
            with telemetry.process_span(
                self.topic, self.group_id, [(env.traceparent, env.tracestate)], event_id=str(env.id)
            ):
                await self.handler(conn, env)

    async def _dead_letter(self, record: Any, error: BaseException, *, attempts: int) -> bool:
        """Write the dead letter; True once the broker acked it, False if stopping first."""
        tries = 0
        while True:
            try:
                await self.dead_letters.publish(
                    record, group=self.group_id, error=error, attempts=attempts
                )
            except asyncio.CancelledError:
                raise
            except Exception as err:
                tries += 1
                delay = self.retry.delay(tries, unavailable=True)
                log.error(
                    "%s/%s: cannot write dead letter for offset %s/%s (%s); retrying in %.1fs",
                    self.topic,
                    self.group_id,
                    record.partition,
                    record.offset,
                    err,
                    delay,
                )
                if not self.running():
                    return False
                await self._pause(delay)
                if not self.running():
                    return False
                continue
            self.stats.dead_lettered += 1
            log.error(
                "%s/%s: dead-lettered partition %s offset %s after %d attempt(s): %s: %s",
                self.topic,
                self.group_id,
                record.partition,
                record.offset,
                attempts,
                type(error).__name__,
                error,
            )
            return True


def subscribe_idempotent(
    broker: KafkaBroker,
    *,
    topic: str,
    group_id: str,
    pool: asyncpg.Pool,
    handler: Handler | None = None,
    batch: bool = False,
    settings: PlatformSettings | None = None,
    batch_handler: BatchHandler | None = None,
    max_records: int = 500,
    batch_timeout_ms: int | None = None,
    retry: RetryPolicy | None = None,
    expected: EventSpec | type[Event] | None = None,
    on_commit: OnCommit | None = None,
    title: str | None = None,
    description: str | None = None,
) -> IdempotentConsumer:
    """Register an idempotent handler on ``broker`` (before ``broker.start()``)."""
    settings = settings or PlatformSettings()
    consumer = IdempotentConsumer(
        topic=topic,
        group_id=group_id,
        pool=pool,
        settings=settings,
        handler=handler,
        batch_handler=batch_handler,
        batch=batch,
        retry=retry or RetryPolicy(),
        expected=expected,
        on_commit=on_commit,
    )
    options: dict[str, Any] = {
        **consumer_options(settings),
        "group_id": group_id,
        "ack_policy": AckPolicy.MANUAL,
        "parser": consumer.parse,
        "decoder": _no_decode,
        "title": title,
        "description": description,
    }
    if batch:
        options["batch"] = True
        options["max_records"] = max_records
        options["batch_timeout_ms"] = batch_timeout_ms or 5
    subscriber = broker.subscriber(topic, **options)
    consumer._attach(subscriber)
    _CONSUMERS.setdefault(broker, []).append(consumer)

    async def on_message(message: KafkaMessage) -> None:
        await consumer.on_message(message)  # type: ignore[arg-type]

    on_message.__name__ = f"idempotent_{group_id}_{topic}".replace(".", "_").replace("-", "_")
    subscriber(on_message)
    return consumer


@contextmanager
def traced(env: Envelope[Any], *, group_id: str = "") -> Iterator[Span]:
    """Continue the trace one event carries, for the part of a batch handler that handles it:
    what is published inside joins that event's trace (a batch handler's own span is only
    linked to its events' traces, since a span has one parent)::

        async def on_gaps(conn, envs):
            for env in envs:
                with traced(env, group_id="recommendations"):
                    await apply_gap(units.bind(conn), env.data)
    """
    with telemetry.process_span(
        env.topic, group_id, [(env.traceparent, env.tracestate)], event_id=str(env.id)
    ) as span:
        yield span


async def purge_inbox(
    conn: DbConnection,
    older_than: timedelta,
    group_id: str | None = None,
    *,
    limit: int | None = None,
) -> int:
    """Delete inbox rows processed more than ``older_than`` ago (of one group, or all); at most
    ``limit`` rows when given (the scheduled purge deletes in batches: asn_platform.inbox_purge)."""
    status = await conn.execute(
        "DELETE FROM inbox WHERE ctid IN (SELECT ctid FROM inbox"
        " WHERE processed_at < now() - $1::interval"
        " AND ($2::text IS NULL OR consumer_group = $2) LIMIT $3)",
        older_than,
        group_id,
        limit,
    )
    return int(status.split()[-1])


async def _no_decode(message: Any) -> None:
    return None


async def run_until_signalled(
    broker: KafkaBroker,
    *,
    relays: Iterable[Any] = (),
    closers: Iterable[Callable[[], Awaitable[Any]]] = (),
    signals: Sequence[signal.Signals] = (signal.SIGTERM, signal.SIGINT),
    started: asyncio.Event | None = None,
) -> None:
    """Start the broker and the relays, wait for SIGTERM/SIGINT, then shut down gracefully.

    Order: ``broker.stop()`` (stop fetching, finish in-flight handlers, commit their offsets),
    then each relay's ``stop(flush=True)`` (publish what those handlers enqueued), then the
    ``closers`` (e.g. ``pool.close``).
    """
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    relays = list(relays)
    try:
        await broker.start()
        for relay in relays:
            await relay.start()
        if started is not None:
            started.set()
        await stop.wait()
        log.info("signal received: shutting down")
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)
        await broker.stop()
        for relay in relays:
            await relay.stop(flush=True)
        for close in closers:
            await close()
