"""What every page route shares: the session, the role check, the user's API client, CSRF on
posted forms, and rendering a template with the helpers the templates use."""

from __future__ import annotations

import hmac
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from asn_console.auth import SESSION_COOKIE, Session, is_secure, safe_next
from asn_console.clients import UserApi
from asn_console.domain import formatting as fmt
from asn_console.domain.access import nav
from asn_console.domain.errors import LoginRequired, Refused
from asn_console.domain.processing import mutu_label
from asn_console.domain.text import ROLE, STATUS, pick, word

if TYPE_CHECKING:
    from asn_console.bootstrap import Console

LANG_COOKIE = "asn_console_lang"
templates = Jinja2Templates(directory=Path(__file__).resolve().parents[1] / "templates")


def lang_of(request: Request) -> str:
    """Indonesian unless ?lang=en or the language cookie says English."""
    chosen = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return "en" if chosen == "en" else "id"


def _here(request: Request) -> tuple[str, str]:
    """This page's URL without `lang`, and the separator to add a parameter to it."""
    query = {k: v for k, v in request.query_params.items() if k != "lang"}
    here = request.url.path
    if query:
        here += "?" + "&".join(f"{k}={quote(v)}" for k, v in query.items())
    return here, "&" if query else "?"


def _helpers(lang: str) -> dict[str, Any]:
    """The formatting functions the templates call, in the reader's language."""
    return {
        "t": lambda text_id, text_en: text_en if lang == "en" else text_id,
        "num": lambda v, d=2: fmt.number(v, d, lang),
        "pct": lambda v, d=1: fmt.percent(v, d, lang),
        "wib": lambda v: fmt.wib(v, lang),
        "day": lambda v: fmt.day(v, lang),
        "status_label": lambda s: pick(STATUS.get(s), lang, s),
        "word": lambda w: word(w, lang),
        "mutu_label": lambda m: pick(mutu_label(m), lang, m or "-"),
    }


def _user(session: Session | None, lang: str) -> dict[str, Any]:
    p = session.principal if session else None
    return {
        "session": session,
        "user": p,
        "roles": [pick(ROLE.get(r), lang, r) for r in sorted(p.roles)] if p else [],
        "csrf": session.csrf if session else "",
        "nav": nav(p),
    }


class Web:
    """The console's wiring as the routes use it."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def session(self, request: Request) -> Session | None:
        sid = self.console.signer.unsign(request.cookies.get(SESSION_COOKIE))
        return self.console.sessions.get(sid)

    def need(self, request: Request, *roles: str) -> Session:
        """The signed-in session; LoginRequired without one, Refused outside `roles` (admins
        may open everything)."""
        session = self.session(request)
        if session is None:
            raise LoginRequired
        if roles and not session.principal.has("admin", *roles):
            raise Refused
        return session

    def api(self, request: Request, session: Session) -> UserApi:
        return self.console.services.for_token(session.access_token, lang_of(request))

    async def form(self, request: Request, session: Session) -> dict[str, str]:
        """The posted form, after its CSRF token was checked (403 without the right one)."""
        raw = (await request.body()).decode(errors="replace")
        form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
        sent = form.get("csrf") or request.headers.get("x-csrf-token", "")
        if not sent or not hmac.compare_digest(sent, session.csrf):
            raise Refused(
                403, ("Formulir kedaluwarsa; muat ulang halaman.", "Form expired; reload.")
            )
        return form

    def back(self, request: Request, fallback: str) -> str:
        """The referring page of this console, else `fallback`."""
        ref = request.headers.get("referer", "")
        base = str(request.base_url)
        if ref.startswith(base):
            return safe_next("/" + ref[len(base) :])
        return fallback

    def render(
        self, request: Request, template: str, context: dict[str, Any], status: int = 200
    ) -> HTMLResponse:
        lang = lang_of(request)
        here, sep = _here(request)
        response = templates.TemplateResponse(
            request,
            template,
            {
                **_helpers(lang),
                **_user(self.session(request), lang),
                "lang": lang,
                "other_lang_url": f"{here}{sep}lang={'id' if lang == 'en' else 'en'}",
                "path": request.url.path,
                **context,
            },
            status_code=status,
        )
        if request.query_params.get("lang") in ("id", "en"):
            response.set_cookie(
                LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", httponly=True,
                secure=is_secure(request, self.console.settings),
            )  # fmt: skip
        return response
