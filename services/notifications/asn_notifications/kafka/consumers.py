"""One idempotent consumer (own group, prefixed ``notifications.``) per input topic. Each
event's decisions (read model, planned messages) commit with its inbox row; after the commit
the sender is woken so session notices leave at once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from asn_notifications.handlers import events
from asn_platform import topics
from asn_platform.envelope import Envelope
from asn_platform.inbox import subscribe_idempotent

if TYPE_CHECKING:
    from asn_notifications.bootstrap import Notifications

Apply = Callable[["Notifications", Any, Envelope[Any]], Awaitable[Any]]


async def _profile(w: Notifications, conn: Any, env: Envelope[Any]) -> None:
    await events.apply_profile(w.ctx.units.bind(conn), env.data)


async def _programme(w: Notifications, conn: Any, env: Envelope[Any]) -> None:
    await events.apply_programme(w.ctx.units.bind(conn), env.data)


async def _session(w: Notifications, conn: Any, env: Envelope[Any]) -> None:
    await events.apply_session_change(w.ctx.units.bind(conn), env.data, w.clock())


async def _enrollment(w: Notifications, conn: Any, env: Envelope[Any]) -> None:
    await events.apply_enrollment_change(w.ctx.units.bind(conn), env.data, w.clock())


async def _completion(w: Notifications, conn: Any, env: Envelope[Any]) -> None:
    await events.apply_completion(w.ctx.units.bind(conn), env.data, w.clock())


async def _nudge(w: Notifications, conn: Any, env: Envelope[Any]) -> None:
    await events.apply_nudge(w.ctx.units.bind(conn), env.data, w.clock(), w.policy)


FEEDS: tuple[tuple[str, str, Apply, str], ...] = (
    ("profiles", topics.ASN_PROFILE_CHANGED, _profile, "Names, positions, supervisors."),
    ("programmes", topics.PROGRAMME_CATALOGUE_CHANGED, _programme, "Titles, benefits, JP."),
    ("sessions", topics.SESSION_CHANGED, _session, "Sessions; reschedule/cancel notices."),
    ("enrollments", topics.ENROLLMENT_CHANGED, _enrollment, "Invitations, confirmations."),
    ("completions", topics.TRAINING_COMPLETED, _completion, "Certificates, completion notices."),
    ("nudges", topics.NUDGE_REQUESTED, _nudge, "Nudges and the supervisor's message."),
)


def group_id(feed: str) -> str:
    return f"notifications.{feed}"


def subscribe(w: Notifications) -> None:
    """Register the consumers (before the broker starts)."""

    def woken(_: list[Envelope[Any]]) -> None:
        if w.sender is not None:
            w.sender.wake()

    for name, topic, apply, description in FEEDS:

        async def handle(conn: Any, env: Envelope[Any], apply: Apply = apply) -> None:
            await apply(w, conn, env)

        handle.__name__ = f"apply_{name}"
        subscribe_idempotent(
            w.ctx.broker,
            topic=topic,
            group_id=group_id(name),
            pool=w.ctx.pool,
            handler=handle,
            settings=w.ctx.settings,
            on_commit=woken,
            title=f"{group_id(name)}:{topic}",
            description=description,
        )
