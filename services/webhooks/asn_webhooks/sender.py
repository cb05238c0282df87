"""The sender loop: claims due deliveries, POSTs each as a signed CloudEvent, records the outcome.

At-least-once: a row leaves ``pending`` only after the receiver's 2xx was recorded (or after
the last failed attempt, as a dead letter). A crash between the 2xx and the record repeats that
one request; the receiver deduplicates by ``webhook-id`` (the CloudEvents id, the same on every
attempt). A lease (``locked_until``) keeps a row from being sent twice at once, also by a second
instance; a lease left by a crashed sender expires and the row goes again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
from prometheus_client import CollectorRegistry, Counter, Histogram

from asn_platform.uow import UnitsOfWork
from asn_webhooks.domain.cloudevent import CONTENT_TYPE
from asn_webhooks.domain.model import Delivery
from asn_webhooks.domain.retry import Next, RetryPolicy, is_success
from asn_webhooks.domain.signing import webhook_headers
from asn_webhooks.handlers import deliveries as handlers
from asn_webhooks.sealing import SecretBox

log = logging.getLogger(__name__)

USER_AGENT = "asn-webhooks/0.1 (Standard Webhooks 1.0; CloudEvents 1.0)"


class Metrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.attempts = Counter(
            "asn_webhook_attempts_total",
            "Webhook delivery attempts by outcome",
            ["outcome"],  # delivered | failed | dead
            registry=registry,
        )
        self.paused = Counter(
            "asn_webhook_subscriptions_paused_total",
            "Subscriptions paused after repeated failure",
            registry=registry,
        )
        self.latency = Histogram(
            "asn_webhook_request_seconds",
            "Time from sending a webhook request to its answer",
            registry=registry,
        )


def now_utc() -> datetime:
    return datetime.now(UTC)


class Sender:
    def __init__(
        self,
        units: Callable[[], UnitsOfWork],
        policy: RetryPolicy,
        box: SecretBox,
        *,
        concurrency: int,
        request_timeout_s: float,
        poll_interval_s: float,
        verify_timeout_s: float = 5.0,
        metrics: Metrics | None = None,
        delivered_retention: timedelta | None = None,
    ) -> None:
        self._units = units
        self.policy = policy
        self.box = box
        self.concurrency = concurrency
        self.request_timeout_s = request_timeout_s
        self.verify_timeout_s = verify_timeout_s
        self.poll_interval_s = poll_interval_s
        self.metrics = metrics
        self.delivered_retention = delivered_retention
        self.lease = timedelta(seconds=request_timeout_s * 2 + 5)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        self._stopping = False
        self._next_purge = 0.0

    def units(self) -> UnitsOfWork:
        return self._units()

    def wake(self) -> None:
        """New rows or a resumed subscription: look at once instead of at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(self.request_timeout_s),
            follow_redirects=False,  # a redirect is not an acknowledgement
            limits=httpx.Limits(max_connections=self.concurrency),
            headers={"user-agent": USER_AGENT},
        )
        self._task = asyncio.create_task(self._run(), name="webhook-sender")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._client is not None:
            await self._client.aclose()

    # -- one request ------------------------------------------------------------------------
    async def post(
        self, url: str, msg_id: str, body: bytes, secrets: list[str], wait_s: float | None = None
    ) -> tuple[int | None, str]:
        """(HTTP status or None, problem text); signed at send time (a fresh timestamp)."""
        assert self._client is not None, "sender not started"
        headers = webhook_headers(secrets, msg_id, int(time.time()), body)
        headers["content-type"] = CONTENT_TYPE
        try:
            response = await self._client.post(
                url, content=body, headers=headers, timeout=wait_s or self.request_timeout_s
            )
        except httpx.TimeoutException:
            return None, "no answer in time (timeout)"
        except (httpx.HTTPError, httpx.InvalidURL, ValueError) as err:  # ValueError: IDNA
            return None, f"{type(err).__name__}: {err}"[:300]
        if is_success(response.status_code):
            return response.status_code, ""
        return response.status_code, f"HTTP {response.status_code}"

    async def verify(self, url: str, msg_id: str, body: bytes, secrets: list[str]) -> str | None:
        """Registration's check: a signed verification event must get a 2xx in time."""
        status, problem = await self.post(url, msg_id, body, secrets, self.verify_timeout_s)
        if status is not None and is_success(status):
            return None
        return problem or "no answer"

    # -- the loop ---------------------------------------------------------------------------
    # A pipeline, not rounds: a slot freed by one answer is refilled at once, so one slow
    # endpoint (up to the request timeout) does not hold back the other subscriptions.
    async def _run(self) -> None:
        inflight: set[asyncio.Task[None]] = set()
        try:
            while not self._stopping:
                self._wake.clear()  # before looking: a wake-up during the claim is not lost
                free = self.concurrency - len(inflight)
                # Refill when a quarter of the slots is free (one claim query per few answers)
                if free >= max(1, self.concurrency // 4) or not inflight:
                    try:
                        self._start(await self.claim(free), inflight)
                    except Exception:
                        log.exception("webhook sender could not claim deliveries; trying again")
                await self._wait(inflight)
        finally:
            if inflight:  # let the requests in flight finish and be recorded
                await asyncio.gather(*inflight, return_exceptions=True)

    def _start(self, batch: list[Delivery], inflight: set[asyncio.Task[None]]) -> None:
        for delivery in batch:
            task = asyncio.create_task(self._deliver_logged(delivery))
            inflight.add(task)
            task.add_done_callback(inflight.discard)

    async def _wait(self, inflight: set[asyncio.Task[None]]) -> None:
        """Until an answer frees a slot, new work wakes us, the next retry is due, or the poll
        interval passes."""
        timeout = self.poll_interval_s
        if not inflight:
            with contextlib.suppress(Exception):  # the database may be away: just poll again
                at = await self.units().run(handlers.next_due_at)
                if at is not None:
                    timeout = min(timeout, max((at - now_utc()).total_seconds(), 0.005))
        if self._wake.is_set() or self._stopping:
            return
        woken = asyncio.create_task(self._wake.wait())
        try:
            await asyncio.wait([*inflight, woken], timeout=timeout, return_when="FIRST_COMPLETED")
        finally:
            woken.cancel()

    async def claim(self, limit: int) -> list[Delivery]:
        await self._maybe_purge()
        return await self.units().run(
            lambda uow: handlers.claim_due_deliveries(uow, self.box, now_utc(), limit, self.lease)
        )

    async def _deliver_logged(self, delivery: Delivery) -> None:
        try:
            await self._deliver(delivery)
        except Exception:  # its lease expires and it goes again
            log.exception("webhook delivery %s could not be recorded", delivery.id)

    async def _deliver(self, delivery: Delivery) -> None:
        started = time.perf_counter()
        status, problem = await self.post(
            delivery.url, str(delivery.event_id), delivery.body, delivery.secrets.signing(now_utc())
        )
        if self.metrics is not None:
            self.metrics.latency.observe(time.perf_counter() - started)
        if status is not None and is_success(status):
            code = status
            await self.units().run(
                lambda uow: handlers.record_delivered(uow, delivery, code, now_utc())
            )
            if self.metrics is not None:
                self.metrics.attempts.labels("delivered").inc()
            return
        outcome, paused = await self.units().run(
            lambda uow: handlers.record_failed(
                uow,
                delivery,
                self.policy,
                now=now_utc(),
                jitter=random.random(),
                status=status,
                error=problem,
            )
        )
        if self.metrics is not None:
            self.metrics.attempts.labels("dead" if outcome is Next.DEAD else "failed").inc()
            if paused:
                self.metrics.paused.inc()
        if paused:
            log.warning(
                "webhook subscription %s paused after repeated failure", delivery.subscription_id
            )

    async def _maybe_purge(self) -> None:
        if not self.delivered_retention or time.monotonic() < self._next_purge:
            return
        self._next_purge = time.monotonic() + 3600
        horizon = now_utc() - self.delivered_retention
        removed = await self.units().run(lambda uow: handlers.purge_delivered(uow, horizon))
        if removed:
            log.info("forgot %d delivered webhook rows older than %s", removed, horizon)
