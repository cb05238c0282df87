"""Group commit: concurrent units of work that arrive together share one transaction.

An HTTP intake that commits one transaction per request pays BEGIN, COMMIT and a WAL flush for
each; under load most of its time is those round trips. ``GroupCommit.run(work)`` has the same
meaning as ``UnitsOfWork.run(work)`` (the work commits, or raises and changes nothing) but puts
the work of requests arriving together into one transaction::

    intake = GroupCommit(units, name="intake")        # or a getter: lambda: ctx.units
    accepted = await intake.run(lambda uow: accept_response(uow, response, ...))

How it keeps each caller's meaning:

- **Batches form while the database is busy.** A unit of work waiting when a slot is free starts
  at once; while ``max_in_flight`` batches run, new ones queue (waiting at most ``max_wait_s``
  more for company) and the next batch takes up to ``max_batch`` of them. An idle service adds
  no latency.
- **One transaction, each work in its caller's context.** The works of a batch run one after
  another on one connection, each as a task in the context its caller had (so the request,
  the principal and the trace a work reads from context variables are its own: the audit row
  and the outbox rows it writes are its caller's). Deadlocks and serialization failures rerun
  the whole batch (``UnitsOfWork.run``).
- **A refusal touches nobody else.** If any work raises, the batch is rolled back and every work
  of it runs again alone, in its own transaction, exactly as without batching: the refused one
  gets its exception (nothing of it stored), the others their results. Callers see a result
  only after the transaction holding their work committed.
- Works must therefore be safe to run twice from the start (no effects outside the transaction,
  which ``UnitsOfWork.run`` already requires for its deadlock retry).
- A caller that goes away (a cancelled request) does not take its work out of a batch already
  running: it may still commit. Intake is idempotent by ``client_ref`` for exactly this case.

Order inside a batch: by the ``key`` each caller gives (arrival order among equal keys). With
the key naming what a work locks first (surveys: the unit), batches running side by side take
their row locks in one order and do not deadlock each other.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from asn_platform.uow import RETRYABLE, UnitOfWork, UnitsOfWork

log = logging.getLogger(__name__)

T = TypeVar("T")
Work = Callable[[UnitOfWork], Coroutine[Any, Any, T]]


@dataclass(slots=True)
class _Pending(Generic[T]):
    work: Work[T]
    key: str
    context: contextvars.Context
    future: asyncio.Future[T]


@dataclass
class GroupStats:
    batches: int = 0
    works: int = 0
    largest: int = 0
    fallbacks: int = 0  # batches rolled back because one work raised, then run one by one
    histogram: dict[int, int] = field(default_factory=dict)  # batch size -> batches


class _WorkFailed(Exception):
    """A work of the batch raised (not the transaction around it)."""


# Run the batch's works one by one after these (each then meets its own outcome).
_FALLBACK: tuple[type[BaseException], ...] = (_WorkFailed, *RETRYABLE)


class GroupCommit(Generic[T]):
    """Runs concurrent units of work in shared transactions (see the module doc)."""

    def __init__(
        self,
        units: UnitsOfWork | Callable[[], UnitsOfWork],
        *,
        name: str,
        max_batch: int = 64,
        max_wait_s: float = 0.002,
        max_in_flight: int = 2,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        if max_batch < 1 or max_in_flight < 1 or max_wait_s < 0:
            raise ValueError("max_batch and max_in_flight must be >= 1, max_wait_s >= 0")
        self._units = units
        self.name = name
        self.max_batch = max_batch
        self.max_wait_s = max_wait_s
        self.max_in_flight = max_in_flight
        self.stats = GroupStats()
        self.on_batch = on_batch  # called with each batch's size (metrics)
        self._queue: list[_Pending[T]] = []
        self._in_flight = 0
        self._dispatching = False
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def units(self) -> UnitsOfWork:
        """The units of work batches run in (a getter is asked each time: the pool may change)."""
        return self._units if isinstance(self._units, UnitsOfWork) else self._units()

    async def run(self, work: Work[T], *, key: str = "") -> T:
        """Run ``work`` in a transaction shared with concurrent callers; its result once that
        transaction committed. Works of a batch run in ``key`` order."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(work, key, contextvars.copy_context(), future))
        self._dispatch()
        return await future

    # -- dispatching -----------------------------------------------------------------------
    def _dispatch(self) -> None:
        if self._dispatching or not self._queue or self._in_flight >= self.max_in_flight:
            return
        if self._in_flight == 0 or len(self._queue) >= self.max_batch or self.max_wait_s == 0:
            self._start_batch()
            return
        # Busy: give concurrent requests a moment to join this batch.
        self._dispatching = True
        asyncio.get_running_loop().call_later(self.max_wait_s, self._waited)

    def _waited(self) -> None:
        self._dispatching = False
        if self._queue and self._in_flight < self.max_in_flight:
            self._start_batch()

    def _start_batch(self) -> None:
        batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
        self._in_flight += 1
        task = asyncio.create_task(self._run_batch(batch), name=f"group-commit-{self.name}")
        self._tasks.add(task)
        task.add_done_callback(self._batch_done)

    def _batch_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._in_flight -= 1
        self._dispatch()

    # -- running ---------------------------------------------------------------------------
    async def _run_batch(self, batch: list[_Pending[T]]) -> None:
        live = [p for p in batch if not p.future.done()]  # a caller may have given up
        if not live:
            return
        live.sort(key=lambda p: p.key)  # stable: arrival order among equal keys
        self._count(len(live))
        if len(live) == 1:
            await self._alone(live[0])
            return
        try:
            results = await self.units.run(lambda uow: self._together(uow, live))
        except _FALLBACK:  # a work raised, or deadlocks outlasted the retries
            self.stats.fallbacks += 1
            for pending in live:
                await self._alone(pending)
            return
        except Exception as err:  # the transaction itself (acquire, BEGIN, COMMIT): all get it
            for pending in live:
                _settle(pending, error=err)
            return
        for pending, result in zip(live, results, strict=True):
            _settle(pending, result=result)

    async def _together(self, uow: UnitOfWork, batch: list[_Pending[T]]) -> list[T]:
        results: list[T] = []
        for pending in batch:
            try:
                # Each work its own unit of work (its own list of published events), one conn.
                results.append(await _in_context(pending, self.units.bind(uow.conn)))
            except RETRYABLE:
                raise  # the whole batch runs again (UnitsOfWork.run)
            except Exception as err:
                raise _WorkFailed() from err
        return results

    async def _alone(self, pending: _Pending[T]) -> None:
        try:
            result = await self.units.run(lambda uow: _in_context(pending, uow))
        except Exception as err:
            _settle(pending, error=err)
            return
        _settle(pending, result=result)

    def _count(self, size: int) -> None:
        self.stats.batches += 1
        self.stats.works += size
        self.stats.largest = max(self.stats.largest, size)
        self.stats.histogram[size] = self.stats.histogram.get(size, 0) + 1
        if self.on_batch is not None:
            self.on_batch(size)

    async def close(self) -> None:
        """Wait for the batches under way (at shutdown)."""
        while self._tasks:
            with contextlib.suppress(Exception):
                await asyncio.gather(*self._tasks, return_exceptions=True)


async def _in_context(pending: _Pending[T], uow: UnitOfWork) -> T:
    # A task copies the caller's context: its contextvars (request, principal, trace) apply.
    return await asyncio.create_task(pending.work(uow), context=pending.context)


def _settle(
    pending: _Pending[T], *, result: Any = None, error: BaseException | None = None
) -> None:
    if pending.future.done():
        return
    if error is not None:
        pending.future.set_exception(error)
    else:
        pending.future.set_result(result)
