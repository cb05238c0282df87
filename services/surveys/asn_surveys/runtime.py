"""What the surveys adapters share at run time: settings, pool, rate limiter, templates, and the
one function that runs an intake in its own transaction."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from fastapi import Request
from jinja2 import Environment, PackageLoader, select_autoescape
from prometheus_client import Counter

from asn_platform import audit
from asn_platform.auth import Role, principal_of
from asn_platform.contracts import IntakeChannel
from asn_platform.http_errors import ApiError
from asn_platform.inbox import is_unavailable
from asn_platform.periods import Period, periods_of
from asn_platform.service import ServiceContext
from asn_platform.timezone import now_jakarta, to_jakarta
from asn_surveys.db import Conn
from asn_surveys.domain.response import SurveyResponseIn
from asn_surveys.intake import Accepted, GapPolicy, accept
from asn_surveys.ratelimit import RateLimiter
from asn_surveys.settings import Settings

log = logging.getLogger(__name__)

_DEADLOCK_RETRIES = 3
RETRY_AFTER_UNAVAILABLE_S = 5


class IntakeUnavailable(Exception):
    """The database is unreachable: nothing was stored; the client must send again (503)."""


def _format_wib(moment: datetime) -> str:
    return to_jakarta(moment).strftime("%d-%m-%Y %H:%M WIB")


def format_number(value: object, en: bool = False) -> str:
    """Numbers in the report as they were computed (same digits), with the reader's marks:
    Indonesian decimal comma and thousands dot ("80,56", "50.895"), English "80.56"."""
    text = str(value)
    whole, dot, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    digits = whole.lstrip("-")
    if not digits.isdigit():
        return text
    grouped = f"{int(digits):,}".replace(",", "," if en else ".")
    return f"{sign}{grouped}{('.' if en else ',') + frac if dot else ''}"


@dataclass
class Runtime:
    ctx: ServiceContext[Settings]
    limiter: RateLimiter
    templates: Environment
    policy: GapPolicy
    intakes: Counter
    gap_events: Counter

    @classmethod
    def of(cls, ctx: ServiceContext[Settings]) -> Runtime:
        existing = ctx.extras.get("surveys")
        if isinstance(existing, Runtime):
            return existing
        s = ctx.settings
        templates = Environment(
            loader=PackageLoader("asn_surveys", "templates"),
            autoescape=select_autoescape(["html", "xml"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        templates.filters["wib"] = _format_wib
        templates.filters["num"] = format_number
        runtime = cls(
            ctx=ctx,
            limiter=RateLimiter(
                s.rate_limit_per_minute, s.rate_limit_burst, max_clients=s.rate_limit_max_clients
            ),
            templates=templates,
            policy=GapPolicy(s.gap_kind, s.gap_threshold, s.gap_recovery_threshold),
            intakes=Counter(
                "surveys_intake_total",
                "SKM responses by channel and outcome",
                ["channel", "outcome"],
                registry=ctx.registry,
            ),
            gap_events=Counter(
                "surveys_gap_events_total",
                "Service-gap events enqueued, by status",
                ["status"],
                registry=ctx.registry,
            ),
        )
        ctx.extras["surveys"] = runtime
        return runtime

    @property
    def settings(self) -> Settings:
        return self.ctx.settings

    @property
    def pool(self) -> asyncpg.Pool:
        return self.ctx.pool

    async def accept_in_transaction(
        self, conn: Conn, response: SurveyResponseIn, channel: IntakeChannel
    ) -> Accepted:
        accepted = await accept(
            conn,
            response,
            channel=channel,
            policy=self.policy,
            source=self.ctx.source,
            max_event_bytes=self.settings.kafka_max_message_bytes,
        )
        if channel is IntakeChannel.API:
            # who sent it (kiosk client), never what the citizen answered
            await audit.record(
                conn,
                summary={"unit_id": response.unit_id, "duplicate": not accepted.created},
                entity_id=f"response_id={accepted.response_id}",
                status=201 if accepted.created else 200,
            )
        self.intakes.labels(channel.value, "accepted" if accepted.created else "duplicate").inc()
        for gap in accepted.gaps:
            self.gap_events.labels(gap.status.value).inc()
        return accepted

    async def accept(self, response: SurveyResponseIn, channel: IntakeChannel) -> Accepted:
        """One intake in its own transaction. Deadlocks cannot happen by design (rows are locked
        in key order) but are retried anyway: a valid response must never be lost."""
        for attempt in range(_DEADLOCK_RETRIES):
            try:
                async with self.pool.acquire() as conn, conn.transaction():
                    return await self.accept_in_transaction(conn, response, channel)
            except Exception as err:
                if is_unavailable(err) or isinstance(err, asyncpg.InterfaceError):
                    self.intakes.labels(channel.value, "unavailable").inc()
                    log.warning("intake refused, database unavailable: %s", err)
                    raise IntakeUnavailable(str(err)) from err
                if not isinstance(err, asyncpg.DeadlockDetectedError):
                    raise
                if attempt == _DEADLOCK_RETRIES - 1:
                    raise
                log.warning("intake deadlock, retrying (attempt %d)", attempt + 1)
                await asyncio.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")

    # --- request helpers ----------------------------------------------------------------------
    def client_ip(self, request: Request) -> str:
        if self.settings.trust_forwarded_for:
            forwarded = request.headers.get("x-forwarded-for", "")
            first = forwarded.split(",")[0].strip()
            if first:
                return first
        return request.client.host if request.client else "unknown"

    def rate_wait(self, request: Request) -> float:
        """0.0 if the client may submit now, else the seconds to wait.

        Registered kiosks and partner systems send many answers from one address (a kiosk
        serves a whole queue), so a request with a kiosk token is not limited.
        """
        if self.is_trusted_client(request):
            return 0.0
        return self.limiter.acquire(self.client_ip(request))

    def is_trusted_client(self, request: Request) -> bool:
        """A registered kiosk or partner system: its access token carries the kiosk role
        (client credentials; the guard verified it before the route ran)."""
        principal = principal_of(request)
        return principal is not None and principal.has(Role.KIOSK)

    async def read_body(self, request: Request) -> bytes:
        limit = self.settings.max_body_bytes
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise _too_large(limit)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                raise _too_large(limit)
        return body


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        "body_too_large",
        f"Data terlalu besar (maks. {limit} byte)",
        f"Request body too large (max {limit} bytes)",
    )


def parse_period(raw: str | None, default_kind: Any = None) -> Period:
    """?period=2026-Q3 (or M11, S2, Y); default: the current period of the gap kind."""
    if not raw:
        now = periods_of(now_jakarta())
        return next((p for p in now if p.kind is default_kind), now[1])
    try:
        return Period.parse(raw.strip())
    except ValueError as err:
        raise ApiError(
            422,
            "validation_failed",
            "Data tidak valid",
            "Invalid data",
            {
                "fields": [
                    {
                        "field": "period",
                        "problem": "periode harus seperti 2026-M11, 2026-Q3, 2026-S2 atau 2026-Y "
                        f"({err})",
                    }
                ]
            },
        ) from None
