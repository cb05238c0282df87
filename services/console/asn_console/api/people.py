"""People: roster search, below 20 JP (CSV), a person's page, deactivation (admins)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from asn_console.api.common import Web, lang_of
from asn_console.domain.access import NIP, UNIT_ID, city_wide, unit_scope
from asn_console.domain.errors import Refused
from asn_console.views import people as views


def routes(web: Web) -> APIRouter:
    router = APIRouter()

    @router.get("/people")
    async def people_page(
        request: Request, q: str | None = None, unit_id: str | None = None
    ) -> Response:
        session = web.need(request, "auditor", "organizer", "unit-operator")
        p = session.principal
        unit = unit_scope(p, unit_id)
        if not unit and not city_wide(p):
            raise Refused  # a unit operator whose token names no unit
        context = await views.people_view(web.api(request, session), p, q, unit)
        return web.render(request, "people.html", context)

    @router.get("/people/below-20.csv")
    async def below_csv(request: Request, unit_id: str) -> Response:
        session = web.need(request, "auditor", "unit-operator")
        p = session.principal
        if not UNIT_ID.match(unit_id) or not (p.has("admin", "auditor") or unit_id in p.units):
            raise Refused
        name, text = await views.below_20_csv(web.api(request, session), unit_id)
        return Response(
            text, media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )  # fmt: skip

    @router.post("/people/{nip}/deactivate")
    async def deactivate(request: Request, nip: str) -> Response:
        """Admins: deactivate a person (moved, retired); enrollment cancels the seats held."""
        session = web.need(request)
        if not session.principal.has("admin"):
            raise Refused
        form = await web.form(request, session)
        if not NIP.match(nip) or form.get("confirm") != "1":
            raise Refused(400, ("Centang konfirmasi dulu.", "Tick the confirmation first."))
        note = await views.deactivate(web.api(request, session), nip, lang_of(request))
        return RedirectResponse(f"/people/{nip}?note={quote(note)}", 303)

    @router.get("/people/{nip}")
    async def person_page(request: Request, nip: str) -> Response:
        session = web.need(request, "auditor", "organizer", "unit-operator")
        if not NIP.match(nip):
            raise Refused(404, ("NIP tidak valid.", "Invalid NIP."))
        context = await views.person_view(web.api(request, session), nip, lang_of(request))
        return web.render(request, "person.html", context)

    return router
