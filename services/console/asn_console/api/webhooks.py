"""Webhook subscriptions (admins only, as the webhooks API): list and register, one
subscription's page (pause, resume, rotate the secret, dead letters and re-delivery). A page
showing a new secret is the answer to its POST, never a redirect, and is not cached."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from asn_console.api.common import Web, lang_of
from asn_console.views import webhooks as views

SECRET_HEADERS = {"Cache-Control": "no-store"}


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    _pages(router, web)
    _commands(router, web)
    return router


def _pages(router: APIRouter, web: Web) -> None:
    @router.get("/webhooks")
    async def list_page(request: Request) -> Response:
        session = web.need(request, "admin")
        context = await views.list_view(web.api(request, session))
        return web.render(request, "webhooks.html", context)

    @router.post("/webhooks")
    async def register(request: Request) -> Response:
        session = web.need(request, "admin")
        form = await web.form(request, session)
        api = web.api(request, session)
        sub, problem = await views.register(api, form, lang_of(request))
        if sub is None:  # the form again, as typed, with the service's reason
            context = {**await views.list_view(api, problem), "typed": form}
            return web.render(request, "webhooks.html", context, 422)
        return _secret_page(web, request, sub, rotated=False)

    @router.get("/webhooks/{sub_id}")
    async def detail_page(request: Request, sub_id: str) -> Response:
        session = web.need(request, "admin")
        context = await views.detail_view(web.api(request, session), sub_id)
        return web.render(request, "webhook.html", context)


def _commands(router: APIRouter, web: Web) -> None:
    async def state(request: Request, sub_id: str, action: Literal["pause", "resume"]) -> Response:
        session = web.need(request, "admin")
        await web.form(request, session)
        target = await views.set_state(web.api(request, session), sub_id, action, lang_of(request))
        return RedirectResponse(target, 303)

    @router.post("/webhooks/{sub_id}/pause")
    async def pause(request: Request, sub_id: str) -> Response:
        return await state(request, sub_id, "pause")

    @router.post("/webhooks/{sub_id}/resume")
    async def resume(request: Request, sub_id: str) -> Response:
        return await state(request, sub_id, "resume")

    @router.post("/webhooks/{sub_id}/rotate")
    async def rotate(request: Request, sub_id: str) -> Response:
        session = web.need(request, "admin")
        form = await web.form(request, session)
        sub, back = await views.rotate(web.api(request, session), sub_id, form, lang_of(request))
        if sub is None:
            return RedirectResponse(back, 303)
        return _secret_page(web, request, sub, rotated=True)

    @router.post("/webhooks/{sub_id}/redeliver")
    async def redeliver(request: Request, sub_id: str) -> Response:
        session = web.need(request, "admin")
        form = await web.form(request, session)
        api = web.api(request, session)
        return RedirectResponse(await views.redeliver(api, sub_id, form, lang_of(request)), 303)


def _secret_page(web: Web, request: Request, sub: dict[str, object], *, rotated: bool) -> Response:
    response = web.render(request, "webhook_secret.html", {"sub": sub, "rotated": rotated})
    response.headers.update(SECRET_HEADERS)
    return response
