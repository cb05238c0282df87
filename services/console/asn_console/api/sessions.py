"""Programmes and sessions (admins, organisers; auditors read), and enrollment transitions
(organisers mark attendance and completion; civil servants answer invitations)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from asn_console.api.common import Web, lang_of
from asn_console.auth import Session, safe_next
from asn_console.domain.access import allowed_transitions
from asn_console.domain.errors import Refused
from asn_console.views import sessions as views
from asn_console.views import with_problem
from asn_platform.timezone import JAKARTA


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    _sessions(router, web)
    _changes(router, web)
    _transitions(router, web)
    return router


def _sessions(router: APIRouter, web: Web) -> None:

    @router.get("/sessions")
    async def sessions_page(request: Request) -> Response:
        session = web.need(request, "auditor", "organizer")
        context = await views.sessions_view(
            web.api(request, session), lang_of(request), datetime.now(JAKARTA).date(),
            session.principal.has("admin", "organizer"),
        )  # fmt: skip
        return web.render(request, "sessions.html", context)

    @router.post("/sessions")
    async def open_session(request: Request) -> Response:
        """Open a session of a programme; times typed in WIB (datetime-local inputs)."""
        session = web.need(request, "organizer")
        form = await web.form(request, session)
        target = await views.open_session(web.api(request, session), form, lang_of(request))
        return RedirectResponse(target, 303)

    @router.post("/sessions/{session_id}/invite")
    async def invite(request: Request, session_id: str) -> Response:
        session = web.need(request, "organizer")
        form = await web.form(request, session)
        api = web.api(request, session)
        return RedirectResponse(await views.invite(api, session_id, form, lang_of(request)), 303)

    @router.get("/sessions/{session_id}")
    async def session_page(request: Request, session_id: str) -> Response:
        session = web.need(request, "auditor", "organizer")
        context = await views.session_view(
            web.api(request, session), session_id, datetime.now().astimezone(),
            session.principal.has("admin", "organizer"),
        )  # fmt: skip
        return web.render(request, "session.html", context)


def _changes(router: APIRouter, web: Web) -> None:
    """An organiser reschedules or cancels a session; enrollment tells the cohort."""

    @router.post("/sessions/{session_id}/reschedule")
    async def reschedule(request: Request, session_id: str) -> Response:
        session = web.need(request, "organizer")
        form = await web.form(request, session)
        api = web.api(request, session)
        target = await views.reschedule_session(api, session_id, form, lang_of(request))
        return RedirectResponse(target, 303)

    @router.post("/sessions/{session_id}/cancel")
    async def cancel(request: Request, session_id: str) -> Response:
        session = web.need(request, "organizer")
        form = await web.form(request, session)
        api = web.api(request, session)
        target = await views.cancel_session(api, session_id, form, lang_of(request))
        return RedirectResponse(target, 303)


def _transitions(router: APIRouter, web: Web) -> None:
    async def card(
        request: Request, session: Session, enrollment_id: str, problem: str | None
    ) -> Response:
        context = await views.invitation_card(
            web.api(request, session), enrollment_id, session.principal.nip, problem
        )
        return web.render(request, "_invitation.html", context)

    @router.post("/enrollments/{enrollment_id}/transition")
    async def transition(request: Request, enrollment_id: str) -> Response:
        session = web.need(request, "organizer", "asn")
        form = await web.form(request, session)
        to = form.get("to", "")
        if to not in allowed_transitions(session.principal):
            raise Refused
        lang = lang_of(request)
        hx = bool(request.headers.get("hx-request"))
        body, problem = views.transition_body(to, form, lang)
        if problem is not None:  # nothing was sent (a decline without its reason)
            if hx:
                return await card(request, session, enrollment_id, problem)
            return RedirectResponse(with_problem("/me", problem), 303)
        problem = await views.transition(web.api(request, session), enrollment_id, body, lang)
        if hx and form.get("view") == "invitation":
            return await card(request, session, enrollment_id, problem)
        back = safe_next(form.get("back")) if form.get("back") else web.back(request, "/")
        return RedirectResponse(with_problem(back, problem) if problem else back, 303)
