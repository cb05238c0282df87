"""Kafka wiring: one idempotent consumer (own group id) per input topic, and the RPC responder.

Every consumer runs in batch mode: a batch of events is applied in one transaction (the read
model update, then the reactions), which is what makes the survey stream cheap to follow.
The projections are the same functions the replay command uses.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from asn_platform import logmask, topics
from asn_platform.envelope import Envelope
from asn_platform.inbox import IdempotentConsumer, subscribe_idempotent
from asn_platform.rpc import register_responder
from asn_platform.service import ServiceContext
from asn_recommendations.domain.catalogue import DEFAULT_CATALOGUE
from asn_recommendations.engine import Engine
from asn_recommendations.followup import FollowUps
from asn_recommendations.rules_file import load_configured_rules
from asn_recommendations.settings import Settings
from asn_recommendations.store import readmodels as rm
from asn_recommendations.store.conn import Conn
from asn_recommendations.store.readmodels import Fact
from asn_recommendations.views import person_view

log = logging.getLogger(__name__)

ENGINE = "engine"  # ServiceContext.extras keys
CONSUMERS = "consumers"
FOLLOW_UPS = "follow_ups"
RPC_GROUP = "recommendations.rpc"
MASKED_LOGGERS = (
    "asn_recommendations.engine",
    "asn_recommendations.consumers",
    "asn_recommendations.followup",
)  # the shared runtime masks uvicorn's and the backbone's loggers

Projection = Callable[[Conn, Sequence[Fact[Any]]], Awaitable[None]]
Reaction = Callable[[Engine], Callable[[Conn, Sequence[Fact[Any]]], Awaitable[None]]]


@dataclass(frozen=True, slots=True)
class Feed:
    """An input topic: the read model it feeds and the reaction it may trigger."""

    name: str
    topic: str
    project: Projection
    react: Reaction | None
    description: str

    @property
    def group_id(self) -> str:
        return f"recommendations.{self.name}"


FEEDS: tuple[Feed, ...] = (
    Feed(
        "gaps",
        topics.SERVICE_GAP_DETECTED,
        rm.apply_gaps,
        lambda e: e.on_gaps,
        "Unit gaps; an opened gap is decided (schedule, skip, flag to management).",
    ),
    Feed(
        "surveys",
        topics.SURVEY_SUBMITTED,
        rm.apply_surveys,
        None,
        "Answer counters per unit, element and period (for impact).",
    ),
    Feed(
        "profiles",
        topics.ASN_PROFILE_CHANGED,
        rm.apply_profiles,
        lambda e: e.on_profiles,
        "The roster (latest profile per NIP).",
    ),
    Feed(
        "enrollments",
        topics.ENROLLMENT_CHANGED,
        rm.apply_enrollments,
        lambda e: e.on_enrollments,
        "Enrollment status, declines and no-shows; nudges and their conversion.",
    ),
    Feed(
        "completions",
        topics.TRAINING_COMPLETED,
        rm.apply_completions,
        lambda e: e.on_completions,
        "Training history and JP balance; a fresh recommendation for the person.",
    ),
    Feed(
        "bookings",
        topics.PROGRAMME_SCHEDULED,
        rm.apply_bookings,
        lambda e: e.on_programmes_scheduled,
        "Session bookings from every scheduled programme (no double booking); the cohort's "
        "recommendations.",
    ),
)


def live_handler(
    feed: Feed, engine: Engine
) -> Callable[[asyncpg.Connection, list[Envelope[Any]]], Awaitable[None]]:
    react = feed.react(engine) if feed.react else None

    async def handle(conn: asyncpg.Connection, envelopes: list[Envelope[Any]]) -> None:
        facts = [Fact(env.data, env.id) for env in envelopes]
        await feed.project(conn, facts)
        if react is not None:
            await react(conn, facts)

    handle.__name__ = f"apply_{feed.name}"
    return handle


async def on_start(ctx: ServiceContext[Settings]) -> None:
    """Load the rules (a bad file stops the start), then register consumers and the responder."""
    # Handler errors are logged by the backbone with their message, which may quote a NIP.
    logmask.install(MASKED_LOGGERS)
    rules = load_configured_rules(ctx.settings)
    log.info(
        "rules version %s loaded from %s (%d rules)", rules.version, rules.source, len(rules.rules)
    )
    engine = Engine(rules, DEFAULT_CATALOGUE, ctx.settings, ctx.source)
    ctx.extras[ENGINE] = engine
    consumers: dict[str, IdempotentConsumer] = {}
    for feed in FEEDS:
        consumers[feed.name] = subscribe_idempotent(
            ctx.broker,
            topic=feed.topic,
            group_id=feed.group_id,
            pool=ctx.pool,
            batch=True,
            batch_handler=live_handler(feed, engine),
            max_records=ctx.settings.consumer_batch_size,
            settings=ctx.settings,
            title=f"{feed.group_id}:{feed.topic}",
            description=feed.description,
        )
    ctx.extras[CONSUMERS] = consumers
    followups = FollowUps(ctx.pool, engine, ctx.settings.follow_up_interval_s)
    followups.start()
    ctx.extras[FOLLOW_UPS] = followups
    ctx.on_stop(followups.stop)
    register_responder(
        ctx.broker,
        topics.RPC_RECOMMENDATIONS_REQUEST,
        RPC_GROUP,
        make_responder(ctx, engine),
        settings=ctx.settings,
    )


def make_responder(
    ctx: ServiceContext[Settings], engine: Engine
) -> Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]:
    """{"nip": ..., "lang": "id"|"en"} -> the person's recommendations, or {"error": ...}."""

    async def answer(payload: dict[str, Any]) -> dict[str, Any]:
        nip = payload.get("nip")
        lang = payload.get("lang") if payload.get("lang") in ("id", "en") else "id"
        if not isinstance(nip, str) or len(nip) != 18 or not nip.isascii() or not nip.isdigit():
            return {
                "error": "invalid_nip",
                "message": "NIP harus 18 digit angka.",
                "message_en": "A NIP is 18 digits.",
            }
        async with ctx.pool.acquire() as conn:
            view = await person_view(conn, engine, nip, str(lang))
        if view is None:
            return {
                "nip": nip,
                "error": "unknown_nip",
                "message": "NIP tidak dikenal oleh layanan rekomendasi.",
                "message_en": "NIP not known to the recommendations service.",
            }
        return view

    return answer
