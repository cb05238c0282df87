"""Admin API of webhook subscriptions (role admin): register (endpoint verified), list, show,
pause, resume, delete, rotate the secret, list and re-deliver dead letters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from uuid import UUID

from fastapi import APIRouter, Response

from asn_platform.auth import Role, allow
from asn_platform.errors import ApiError
from asn_platform.inputs import Limit, Offset
from asn_platform.uow import UnitOfWork, UnitsOfWork
from asn_webhooks.api.models import (
    DeadLetterOut,
    RedeliveredOut,
    RedeliverIn,
    RegisteredOut,
    RotatedOut,
    RotateIn,
    SubscriptionIn,
    SubscriptionOut,
)
from asn_webhooks.domain.subscriptions import InvalidSubscription
from asn_webhooks.handlers import deliveries, subscriptions
from asn_webhooks.handlers.subscriptions import NotFound, Registration, Verifier
from asn_webhooks.sealing import SecretBox
from asn_webhooks.settings import Settings

T = TypeVar("T")
PREFIX = "/api/v1/webhooks"


def field_invalid(field: str, problem: str) -> ApiError:
    return ApiError(
        422,
        "validation_failed",
        "Data tidak valid",
        "Invalid data",
        {"fields": [{"field": field, "problem": problem}]},
    )


def not_found() -> ApiError:
    return ApiError(
        404, "not_found", "Langganan webhook tidak ditemukan", "webhook subscription not found"
    )


def now_utc() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Deps:
    units: Callable[[], UnitsOfWork]
    settings: Settings
    box: SecretBox
    verify: Verifier
    wake: Callable[[], None]

    async def run(self, work: Callable[[UnitOfWork], Awaitable[T]]) -> T:
        try:
            return await self.units().run(work)
        except NotFound:
            raise not_found() from None

    async def shown(self, sub_id: UUID) -> SubscriptionOut:
        async def read(uow: UnitOfWork) -> SubscriptionOut:
            sub = await subscriptions.get_subscription(uow, sub_id)
            return SubscriptionOut.of(sub, await subscriptions.delivery_counts(uow, sub_id))

        return await self.run(read)


def admin_router(
    units: Callable[[], UnitsOfWork],
    settings: Settings,
    box: SecretBox,
    verify: Verifier,
    wake: Callable[[], None],
) -> APIRouter:
    router = APIRouter(prefix=PREFIX, tags=["webhooks"])
    deps = Deps(units, settings, box, verify, wake)
    _registration_routes(router, deps)
    _state_routes(router, deps)
    _dead_letter_routes(router, deps)
    return router


def _registration_routes(router: APIRouter, deps: Deps) -> None:
    units, settings, verify, run, shown = (
        deps.units,
        deps.settings,
        deps.verify,
        deps.run,
        deps.shown,
    )

    @router.post("/subscriptions", status_code=201, response_model=RegisteredOut)
    @allow(Role.ADMIN)
    async def register(body: SubscriptionIn) -> RegisteredOut:
        """Daftarkan endpoint / register an endpoint. A signed verification event
        (type asn.webhooks.endpoint-verification.v1) is sent first: the endpoint must answer
        2xx in time. The secret is shown only in this answer."""
        request = Registration(
            agency=body.agency,
            url=body.url,
            event_types=list(body.event_types),
            allow_personal_data=body.allow_personal_data,
        )
        try:
            sub, secret = await subscriptions.register_subscription(
                units(),
                verify,
                deps.box,
                request,
                allow_http_loopback=settings.webhooks_allow_http_loopback,
                now=now_utc(),
            )
        except InvalidSubscription as err:
            raise field_invalid(err.field, err.problem) from None
        return RegisteredOut(**SubscriptionOut.of(sub).model_dump(), secret=secret)

    @router.get("/subscriptions", response_model=list[SubscriptionOut])
    @allow(Role.ADMIN)
    async def list_subscriptions(limit: Limit = 100, offset: Offset = 0) -> list[SubscriptionOut]:
        subs = await run(lambda uow: subscriptions.list_subscriptions(uow, limit, offset))
        return [SubscriptionOut.of(s) for s in subs]

    @router.get("/subscriptions/{subscription_id}", response_model=SubscriptionOut)
    @allow(Role.ADMIN)
    async def show(subscription_id: UUID) -> SubscriptionOut:
        return await shown(subscription_id)


def _state_routes(router: APIRouter, deps: Deps) -> None:
    settings, box, run, shown, wake = deps.settings, deps.box, deps.run, deps.shown, deps.wake

    @router.post("/subscriptions/{subscription_id}/pause", response_model=SubscriptionOut)
    @allow(Role.ADMIN)
    async def pause(subscription_id: UUID) -> SubscriptionOut:
        """Nothing is sent while paused; events keep queueing for it."""
        await run(lambda uow: subscriptions.pause_subscription(uow, subscription_id, "admin"))
        return await shown(subscription_id)

    @router.post("/subscriptions/{subscription_id}/resume", response_model=SubscriptionOut)
    @allow(Role.ADMIN)
    async def resume(subscription_id: UUID) -> SubscriptionOut:
        """Active again: what waited is sent at once, in order per key."""
        await run(lambda uow: subscriptions.resume_subscription(uow, subscription_id, now_utc()))
        wake()
        return await shown(subscription_id)

    @router.delete("/subscriptions/{subscription_id}", status_code=204, response_class=Response)
    @allow(Role.ADMIN)
    async def delete(subscription_id: UUID) -> Response:
        await run(lambda uow: subscriptions.delete_subscription(uow, subscription_id))
        return Response(status_code=204)

    @router.post("/subscriptions/{subscription_id}/rotate-secret", response_model=RotatedOut)
    @allow(Role.ADMIN)
    async def rotate(subscription_id: UUID, body: RotateIn | None = None) -> RotatedOut:
        """A new secret; during the overlap every request carries both signatures."""
        seconds = body.overlap_s if body and body.overlap_s is not None else None
        overlap = timedelta(
            seconds=settings.webhooks_secret_overlap_s if seconds is None else seconds
        )
        sub, secret = await run(
            lambda uow: subscriptions.rotate_secret(uow, box, subscription_id, overlap, now_utc())
        )
        return RotatedOut(**SubscriptionOut.of(sub).model_dump(), secret=secret)


def _dead_letter_routes(router: APIRouter, deps: Deps) -> None:
    run, wake = deps.run, deps.wake

    @router.get("/subscriptions/{subscription_id}/dead-letters", response_model=list[DeadLetterOut])
    @allow(Role.ADMIN)
    async def dead_letters(
        subscription_id: UUID, limit: Limit = 100, offset: Offset = 0
    ) -> list[DeadLetterOut]:
        rows = await run(
            lambda uow: deliveries.list_dead_letters(uow, subscription_id, limit, offset)
        )
        return [DeadLetterOut.of(d) for d in rows]

    @router.post(
        "/subscriptions/{subscription_id}/dead-letters/redeliver", response_model=RedeliveredOut
    )
    @allow(Role.ADMIN)
    async def redeliver(subscription_id: UUID, body: RedeliverIn | None = None) -> RedeliveredOut:
        """Send dead letters again with fresh attempts (all, or the given ids)."""
        ids = body.checked_ids() if body else None
        n = await run(
            lambda uow: deliveries.redeliver_dead_letters(uow, subscription_id, ids, now_utc())
        )
        wake()
        return RedeliveredOut(redelivered=n)
