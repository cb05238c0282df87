"""The console's pages. Each page asks the services with the user's token; panels the user's
role cannot see are not shown (and the services would refuse them anyway)."""

from __future__ import annotations

import csv
import io
import logging
import re
import time
from collections import Counter
from datetime import date, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jwt
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from asn_console import formatting as fmt
from asn_console.auth import (
    LOGIN_COOKIE,
    LOGIN_TTL_S,
    SESSION_COOKIE,
    Session,
    base_url,
    is_secure,
    safe_next,
)
from asn_console.clients import ServiceError, UserApi
from asn_console.i18n import LANG_COOKIE, ROLE, STATUS, lang_of, pick, word
from asn_platform.auth.principal import Principal
from asn_platform.auth.tokens import InvalidToken, ProviderUnavailable
from asn_platform.timezone import JAKARTA

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")

# Mutu bands of Permenpan RB 14/2017 on the converted (25-100) scale, with their colours.
MUTU_COLOURS = {"A": "#1a7f37", "B": "#0b63c5", "C": "#b35c00", "D": "#c62828"}
MUTU_LABELS = {
    "A": ("Sangat Baik", "Very good"),
    "B": ("Baik", "Good"),
    "C": ("Kurang Baik", "Fair"),
    "D": ("Tidak Baik", "Poor"),
}
JP_MINIMUM = 20
NIP = re.compile(r"^[0-9]{18}$")
UNIT_ID = re.compile(r"^[a-z0-9-]{1,64}$")
PERIOD = re.compile(r"^[0-9]{4}-(M[0-9]{1,2}|Q[1-4]|S[12]|Y)$")


class LoginRequired(Exception):
    pass


class Refused(Exception):
    def __init__(self, status: int = 403, message: tuple[str, str] | None = None) -> None:
        self.status = status
        self.message = message or (
            "Anda tidak berhak membuka halaman ini.",
            "You are not allowed to open this page.",
        )


# --- helpers ----------------------------------------------------------------------------------
def _session(request: Request) -> Session | None:
    sid = request.app.state.signer.unsign(request.cookies.get(SESSION_COOKIE))
    return request.app.state.store.get(sid)


def _need(request: Request, *roles: str) -> Session:
    session = _session(request)
    if session is None:
        raise LoginRequired
    if roles and not session.principal.has("admin", *roles):
        raise Refused
    return session


def _api(request: Request, session: Session) -> UserApi:
    return request.app.state.services.for_token(session.access_token, lang_of(request))


def _nav(principal: Principal | None) -> list[tuple[str, str, str]]:
    if principal is None:
        return []
    items: list[tuple[str, str, str]] = []
    if principal.has("admin", "auditor"):
        items.append(("/dashboard", "Dasbor kota", "City dashboard"))
        items.append(("/units", "Unit layanan", "Service units"))
    if principal.has("unit-operator"):
        for unit in sorted(principal.units):
            items.append((f"/units/{unit}", f"Unit {unit}", f"Unit {unit}"))
    if principal.has("admin", "auditor", "organizer"):
        items.append(("/sessions", "Program & sesi", "Programmes & sessions"))
    if principal.has("admin", "auditor", "organizer", "unit-operator"):
        items.append(("/people", "Pegawai", "People"))
        items.append(("/recommendations", "Rekomendasi", "Recommendations"))
    if principal.has("asn"):
        items.append(("/me", "Beranda saya", "My page"))
    return items


def render(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    session = _session(request)
    lang = lang_of(request)

    def t(text_id: str, text_en: str) -> str:
        return text_en if lang == "en" else text_id

    path = request.url.path
    query = {k: v for k, v in request.query_params.items() if k != "lang"}
    here = path + ("?" + "&".join(f"{k}={quote(v)}" for k, v in query.items()) if query else "")
    sep = "&" if query else "?"
    response = templates.TemplateResponse(
        request,
        template,
        {
            "t": t,
            "lang": lang,
            "other_lang_url": f"{here}{sep}lang={'id' if lang == 'en' else 'en'}",
            "num": lambda v, d=2: fmt.number(v, d, lang),
            "pct": lambda v, d=1: fmt.percent(v, d, lang),
            "wib": lambda v: fmt.wib(v, lang),
            "day": lambda v: fmt.day(v, lang),
            "status_label": lambda s: pick(STATUS.get(s), lang, s),
            "word": lambda w: word(w, lang),
            "mutu_label": lambda m: pick(MUTU_LABELS.get(m), lang, m or "-"),
            "session": session,
            "user": session.principal if session else None,
            "roles": [pick(ROLE.get(r), lang, r) for r in sorted(session.principal.roles)]
            if session
            else [],
            "csrf": session.csrf if session else "",
            "nav": _nav(session.principal if session else None),
            "path": path,
            **context,
        },
        status_code=status,
    )
    if request.query_params.get("lang") in ("id", "en"):
        response.set_cookie(
            LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", httponly=True,
            secure=is_secure(request, request.app.state.settings),
        )  # fmt: skip
    return response


async def _form(request: Request, session: Session) -> dict[str, str]:
    """The posted form, after its CSRF token was checked (403 without the right one)."""
    from urllib.parse import parse_qs

    raw = (await request.body()).decode(errors="replace")
    form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
    sent = form.get("csrf") or request.headers.get("x-csrf-token", "")
    import hmac

    if not sent or not hmac.compare_digest(sent, session.csrf):
        raise Refused(403, ("Formulir kedaluwarsa; muat ulang halaman.", "Form expired; reload."))
    return form


def _chart(kind: str, **data: Any) -> dict[str, Any]:
    return {"kind": kind, **data}


def _mutu_of(score: float | None) -> str | None:
    if score is None:
        return None
    if score >= 88.31:
        return "A"
    if score >= 76.61:
        return "B"
    if score >= 65.0:
        return "C"
    return "D"


def _previous_periods(key: str, count: int) -> list[str]:
    """The `count` periods ending with `key` (quarters, months, semesters or years)."""
    year_s, _, part = key.partition("-")
    year = int(year_s)
    kinds = {"Q": 4, "M": 12, "S": 2}
    letter = part[:1]
    if letter not in kinds:
        return [f"{year - i}-Y" for i in reversed(range(count))]
    per_year = kinds[letter]
    index = year * per_year + int(part[1:]) - 1
    out = []
    for i in reversed(range(count)):
        y, p = divmod(index - i, per_year)
        out.append(f"{y}-{letter}{p + 1}")
    return out


def processing_table(ikm: dict[str, Any]) -> dict[str, Any]:
    """The regulation's processing table per element: sum of answer values, NRR = sum /
    answers, weighted NRR = NRR x weight, IKM = sum of weighted NRR; converted x 25."""
    rows = []
    total_weighted = Fraction(0)
    for e in ikm.get("elements", []):
        counts = {int(k): int(v) for k, v in (e.get("answer_counts") or {}).items()}
        total = sum(k * v for k, v in counts.items())
        answers = int(e.get("answers") or 0)
        weight = Fraction(str(e.get("weight") or "1/9"))
        nrr = Fraction(total, answers) if answers else None
        weighted = nrr * weight if nrr is not None else None
        if weighted is not None:
            total_weighted += weighted
        rows.append(
            {
                "code": e["code"],
                "name": e["name"],
                "counts": [counts.get(k, 0) for k in (1, 2, 3, 4)],
                "answers": answers,
                "sum": total,
                "nrr": float(nrr) if nrr is not None else None,
                "weight": str(weight),
                "weighted": float(weighted) if weighted is not None else None,
                "converted": e.get("converted"),
                "mutu": e.get("mutu"),
            }
        )
    return {"rows": rows, "ikm": float(total_weighted), "converted": float(total_weighted * 25)}


def _names(people: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    return {p["nip"]: p for p in (people or {}).get("items", [])}


def _back(request: Request, fallback: str) -> str:
    ref = request.headers.get("referer", "")
    base = str(request.base_url)
    if ref.startswith(base):
        return safe_next("/" + ref[len(base) :])
    return fallback


# --- the pages --------------------------------------------------------------------------------
def install_pages(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> Response:
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": "/auth/login"})
        nxt = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/auth/login?next={quote(nxt)}", 303)

    @app.exception_handler(Refused)
    async def _refused(request: Request, exc: Refused) -> Response:
        lang = lang_of(request)
        return render(
            request,
            "message.html",
            {"title": pick(("Ditolak", "Refused"), lang), "message": pick(exc.message, lang)},
            exc.status,
        )

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> Response:
        lang = lang_of(request)
        if exc.status == 401:
            session = _session(request)
            if session is not None:
                request.app.state.store.drop(session.sid)
            return RedirectResponse("/auth/login", 303)
        status = exc.status if exc.status in (403, 404, 409, 422) else 502
        return render(
            request,
            "message.html",
            {
                "title": pick(("Permintaan tidak dapat diproses", "Request failed"), lang),
                "message": f"{exc.service}: {exc.message(lang)}",
            },
            status,
        )

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready")
    async def ready() -> JSONResponse:
        ok = app.state.oidc.configured
        return JSONResponse(
            {"status": "ready" if ok else "not_ready", "checks": {"oidc_issuer": ok}},
            status_code=200 if ok else 503,
        )

    # --- login --------------------------------------------------------------------------------
    @app.get("/")
    async def home(request: Request) -> Response:
        session = _session(request)
        if session is None:
            return render(request, "welcome.html", {})
        p = session.principal
        if p.has("admin", "auditor"):
            return RedirectResponse("/dashboard", 303)
        if p.has("unit-operator") and p.units:
            return RedirectResponse(f"/units/{sorted(p.units)[0]}", 303)
        if p.has("organizer"):
            return RedirectResponse("/sessions", 303)
        if p.has("asn"):
            return RedirectResponse("/me", 303)
        return render(request, "welcome.html", {})

    @app.get("/auth/login")
    async def login(request: Request, next: str | None = None) -> Response:
        settings = app.state.settings
        if not app.state.oidc.configured:
            raise Refused(503, ("Penyedia identitas belum diatur.", "No identity provider set."))
        redirect_uri = f"{base_url(request, settings)}/auth/callback"
        state, pending = app.state.store.begin(redirect_uri, safe_next(next))
        try:
            url = await app.state.oidc.authorize_url(state, pending)
        except Exception as err:
            log.warning("identity provider unreachable: %s", err)
            raise Refused(
                503, ("Penyedia identitas tidak dapat dihubungi.", "Identity provider unreachable.")
            ) from err
        response = RedirectResponse(url, 303)
        response.set_cookie(
            LOGIN_COOKIE, app.state.signer.sign(state), max_age=LOGIN_TTL_S, httponly=True,
            samesite="lax", secure=is_secure(request, settings), path="/auth",
        )  # fmt: skip
        return response

    @app.get("/auth/callback")
    async def callback(
        request: Request, code: str | None = None, state: str | None = None,
        error: str | None = None,
    ) -> Response:  # fmt: skip
        bound = app.state.signer.unsign(request.cookies.get(LOGIN_COOKIE))
        if error or not code or not state or bound != state:
            raise Refused(400, ("Masuk gagal; coba lagi.", "Sign-in failed; try again."))
        pending = app.state.store.take_pending(state)
        if pending is None:
            raise Refused(400, ("Masuk kedaluwarsa; coba lagi.", "Sign-in expired; try again."))
        try:
            tokens = await app.state.oidc.exchange(code, pending)
            access = str(tokens["access_token"])
            principal = await app.state.oidc.verifier.verify(access)
            id_token = tokens.get("id_token")
            name = ""
            if id_token:
                # Came straight from the token endpoint over our own connection; the nonce
                # ties it to this login.
                claims = jwt.decode(id_token, options={"verify_signature": False})
                if claims.get("nonce") != pending.nonce:
                    raise PermissionError("nonce mismatch")
                name = str(claims.get("name") or "")
            exp = float(jwt.decode(access, options={"verify_signature": False})["exp"])
        except (PermissionError, InvalidToken, KeyError) as err:
            log.warning("sign-in refused: %s", err)
            raise Refused(400, ("Masuk gagal; coba lagi.", "Sign-in failed; try again.")) from err
        except ProviderUnavailable as err:
            raise Refused(503, ("Penyedia identitas tidak tersedia.", "Provider down.")) from err
        session = app.state.store.create(access, principal, exp, id_token, name)
        response = RedirectResponse(pending.next_url, 303)
        response.set_cookie(
            SESSION_COOKIE, app.state.signer.sign(session.sid), httponly=True, samesite="lax",
            secure=is_secure(request, app.state.settings), path="/",
        )  # fmt: skip
        response.delete_cookie(LOGIN_COOKIE, path="/auth")
        return response

    @app.post("/auth/logout")
    async def logout(request: Request) -> Response:
        session = _need(request)
        await _form(request, session)
        app.state.store.drop(session.sid)
        target = "/"
        try:
            found = await app.state.oidc.end_session_url(
                f"{base_url(request, app.state.settings)}/", session.id_token
            )
            target = found or "/"
        except Exception:
            pass
        response = RedirectResponse(target, 303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    # --- city dashboard -----------------------------------------------------------------------
    @app.get("/dashboard")
    async def dashboard(request: Request, period: str | None = None) -> Response:
        session = _need(request, "auditor")
        api = _api(request, session)
        if period and not PERIOD.match(period):
            period = None
        lang = lang_of(request)
        city, gaps, jp_units, programmes, conversion, sessions = await api.gather(
            api.get("surveys", "/api/v1/ikm/city", period=period),
            api.maybe("recommendations", "/api/v1/gaps", {"items": []}),
            api.maybe("enrollment", "/api/v1/jp/units", []),
            api.maybe("recommendations", "/api/v1/programmes", {"items": []}),
            api.maybe("recommendations", "/api/v1/nudges/conversion", None),
            api.maybe("enrollment", "/api/v1/sessions", []),
        )
        keys = _previous_periods(city["period"]["key"], 4)
        trend_raw = await api.gather(
            *(api.maybe("surveys", "/api/v1/ikm/city", None, period=k) for k in keys)
        )
        trend = [
            (t["period"]["label"], t.get("ikm_converted") if t and t.get("n") else None)
            for t in trend_raw
        ]
        units = sorted(city.get("units", []), key=lambda u: -(u.get("ikm_converted") or 0))
        by_element = Counter(g["element"] for g in gaps.get("items", []))
        elements = [e["code"] for e in city.get("elements", [])] or [f"U{i}" for i in range(1, 10)]
        now = datetime.now().astimezone()
        in_flight = [
            s for s in sessions
            if datetime.fromisoformat(s["ends_at"]) >= now
        ]  # fmt: skip
        charts = {
            "ikm-units": _chart(
                "bar",
                categories=[u["unit_name"] for u in units],
                series=[{
                    "name": "IKM",
                    "data": [u.get("ikm_converted") for u in units],
                    "colors": [MUTU_COLOURS.get(u.get("mutu") or "", "#777") for u in units],
                }],
                yMin=25, yMax=100, markLine=76.61, horizontal=True,
            ),
            "ikm-trend": _chart(
                "line",
                categories=[label for label, _ in trend],
                series=[{"name": pick(("IKM kota", "City IKM"), lang),
                         "data": [v for _, v in trend]}],
                yMin=25, yMax=100,
            ),
            "gaps-element": _chart(
                "bar",
                categories=elements,
                series=[{"name": pick(("Kesenjangan terbuka", "Open gaps"), lang),
                         "data": [by_element.get(e, 0) for e in elements],
                         "color": "#c62828"}],
                integer=True,
            ),
            "jp-units": _chart(
                "bar",
                categories=[u["unit_id"] for u in jp_units],
                series=[{"name": pick(("% pegawai >= 20 JP", "% staff >= 20 JP"), lang),
                         "data": [u.get("percent_compliant") for u in jp_units],
                         "color": "#1a7f37"}],
                yMin=0, yMax=100, suffix="%",
            ),
        }  # fmt: skip
        if conversion:
            charts["nudges"] = _chart(
                "pie",
                items=[
                    {"name": pick(("Mendaftar/hadir", "Enrolled/attended"), lang),
                     "value": conversion.get("people_converted", 0), "color": "#1a7f37"},
                    {"name": pick(("Belum", "Not yet"), lang),
                     "value": conversion.get("people_nudged", 0)
                     - conversion.get("people_converted", 0), "color": "#b35c00"},
                ],
            )  # fmt: skip
        return render(
            request,
            "dashboard.html",
            {
                "city": city,
                "units": units,
                "gaps": gaps.get("items", []),
                "jp_units": jp_units,
                "programmes": programmes.get("items", []),
                "sessions_in_flight": in_flight,
                "conversion": conversion,
                "charts": charts,
                "mutu_colours": MUTU_COLOURS,
            },
        )

    # --- units --------------------------------------------------------------------------------
    @app.get("/units")
    async def units_page(request: Request) -> Response:
        session = _need(request, "auditor", "unit-operator")
        p = session.principal
        if not p.has("admin", "auditor"):
            if p.units:
                return RedirectResponse(f"/units/{sorted(p.units)[0]}", 303)
            raise Refused
        api = _api(request, session)
        listed = await api.get("surveys", "/api/v1/units")
        return render(request, "units.html", {"units": listed.get("units", [])})

    def _unit_allowed(p: Principal, unit_id: str) -> None:
        if not UNIT_ID.match(unit_id):
            raise Refused(404, ("Unit tidak dikenal.", "Unknown unit."))
        if p.has("admin", "auditor"):
            return
        if p.has("unit-operator") and unit_id in p.units:
            return
        raise Refused

    @app.get("/units/{unit_id}")
    async def unit_page(request: Request, unit_id: str, period: str | None = None) -> Response:
        session = _need(request, "auditor", "unit-operator")
        _unit_allowed(session.principal, unit_id)
        if period and not PERIOD.match(period):
            period = None
        lang = lang_of(request)
        api = _api(request, session)
        ikm, gaps, programmes, impact, jp = await api.gather(
            api.get("surveys", f"/api/v1/ikm/units/{unit_id}", period=period),
            api.maybe("surveys", "/api/v1/gaps", {"gaps": []}, unit_id=unit_id,
                      open_only="false"),
            api.maybe("recommendations", "/api/v1/programmes", {"items": []}, unit_id=unit_id),
            api.maybe("recommendations", "/api/v1/impact", {"items": []}, unit_id=unit_id),
            api.maybe("enrollment", f"/api/v1/jp/units/{unit_id}", None),
        )  # fmt: skip
        elements = ikm.get("elements", [])
        table = processing_table(ikm)
        resp = ikm.get("respondents", {})
        charts: dict[str, Any] = {
            "elements": _chart(
                "barline",
                categories=[e["code"] for e in elements],
                series=[
                    {"name": pick(("Nilai konversi", "Converted score"), lang),
                     "data": [e.get("converted") for e in elements],
                     "colors": [MUTU_COLOURS.get(e.get("mutu") or "", "#777") for e in elements]},
                    {"name": "NRR", "data": [e.get("nrr") for e in elements], "type": "line",
                     "yAxisIndex": 1},
                ],
                yMin=25, yMax=100, y2Min=1, y2Max=4, markLine=76.61,
            ),
        }  # fmt: skip
        for dim, title in (("sex", "sex"), ("age_band", "age"), ("education", "education"),
                           ("occupation", "occupation")):  # fmt: skip
            values = resp.get(dim) or {}
            if dim == "sex":
                names = {"L": pick(("Laki-laki", "Male"), lang),
                         "P": pick(("Perempuan", "Female"), lang)}  # fmt: skip
                charts[f"resp-{title}"] = _chart(
                    "pie", items=[{"name": names.get(k, k), "value": v} for k, v in values.items()]
                )
            else:
                charts[f"resp-{title}"] = _chart(
                    "bar", categories=list(values), integer=True,
                    series=[{"name": pick(("Responden", "Respondents"), lang),
                             "data": list(values.values()), "color": "#0b63c5"}],
                )  # fmt: skip
        impact_items = impact.get("items", [])
        if impact_items:
            charts["impact"] = _chart(
                "bar",
                categories=[f"{i['element']} {i['programme_code']}" for i in impact_items],
                series=[
                    {"name": pick(("Sebelum", "Before"), lang), "color": "#b35c00",
                     "data": [(i.get("before") or {}).get("score_converted") for i in impact_items]},
                    {"name": pick(("Sesudah", "After"), lang), "color": "#1a7f37",
                     "data": [(i.get("after") or {}).get("score_converted") for i in impact_items]},
                ],
                yMin=25, yMax=100, markLine=76.61,
            )  # fmt: skip
        return render(
            request,
            "unit.html",
            {
                "unit_id": unit_id,
                "ikm": ikm,
                "table": table,
                "gaps": gaps.get("gaps", []),
                "threshold": gaps.get("threshold", 76.61),
                "programmes": programmes.get("items", []),
                "impact": impact_items,
                "jp": jp,
                "charts": charts,
                "period_options": _previous_periods(ikm["period"]["key"], 4)[::-1],
                "mutu_colours": MUTU_COLOURS,
            },
        )

    @app.get("/units/{unit_id}/report.{ext}")
    async def unit_report(
        request: Request, unit_id: str, ext: str, period: str | None = None
    ) -> Response:
        session = _need(request, "auditor", "unit-operator")
        _unit_allowed(session.principal, unit_id)
        if ext not in ("html", "csv"):
            raise Refused(404, ("Format tidak tersedia.", "Format not available."))
        if period and not PERIOD.match(period):
            period = None
        api = _api(request, session)
        params = {"format": ext, **({"period": period} if period else {})}
        if lang_of(request) == "en":
            params["lang"] = "en"
        r = await api.raw("surveys", "GET", f"/api/v1/reports/units/{unit_id}", params=params)
        if r.status_code != 200:
            raise ServiceError("surveys", r.status_code, r.json() if r.content else {})
        headers = {
            k: v for k, v in r.headers.items()
            if k.lower() in ("content-disposition", "content-security-policy")
        }  # fmt: skip
        return Response(r.content, media_type=r.headers.get("content-type"), headers=headers)

    # --- programmes and sessions --------------------------------------------------------------
    @app.get("/sessions")
    async def sessions_page(request: Request) -> Response:
        session = _need(request, "auditor", "organizer")
        api = _api(request, session)
        sessions, programmes = await api.gather(
            api.get("enrollment", "/api/v1/sessions"),
            api.get("enrollment", "/api/v1/programmes"),
        )
        sessions = sorted(sessions, key=lambda s: s["starts_at"])
        return render(
            request,
            "sessions.html",
            {"sessions": sessions, "programmes": programmes,
             "calendar": month_calendar(sessions, lang_of(request)),
             "can_edit": session.principal.has("admin", "organizer")},
        )  # fmt: skip

    @app.post("/sessions")
    async def open_session(request: Request) -> Response:
        """Open a session of a programme; times typed in WIB (datetime-local inputs)."""
        session = _need(request, "organizer")
        form = await _form(request, session)
        lang = lang_of(request)
        code = form.get("programme_code", "")
        try:
            starts = datetime.fromisoformat(form.get("starts_at", "")).replace(tzinfo=JAKARTA)
            ends = datetime.fromisoformat(form.get("ends_at", "")).replace(tzinfo=JAKARTA)
        except ValueError:
            return RedirectResponse(
                "/sessions?problem=" + quote(pick(("Isi waktu mulai dan selesai.",
                                                    "Fill in start and end times."), lang)), 303
            )  # fmt: skip
        body: dict[str, Any] = {"starts_at": starts.isoformat(), "ends_at": ends.isoformat()}
        if form.get("place"):
            body["place"] = form["place"][:300]
        if form.get("capacity"):
            try:
                body["capacity"] = int(form["capacity"])
            except ValueError:
                pass
        api = _api(request, session)
        r = await api.raw(
            "enrollment", "POST", f"/api/v1/programmes/{quote(code)}/sessions", json=body
        )
        if r.status_code not in (200, 201):
            err = ServiceError("enrollment", r.status_code, r.json() if r.content else {})
            if r.status_code == 401:
                raise err
            return RedirectResponse("/sessions?problem=" + quote(err.message(lang)[:300]), 303)
        return RedirectResponse(f"/sessions/{r.json()['id']}", 303)

    @app.post("/sessions/{session_id}/invite")
    async def invite(request: Request, session_id: str) -> Response:
        session = _need(request, "organizer")
        form = await _form(request, session)
        nip = form.get("nip", "").strip()
        back = f"/sessions/{quote(session_id)}"
        if not NIP.match(nip):
            problem = pick(("NIP harus 18 angka.", "A NIP has 18 digits."), lang_of(request))
            return RedirectResponse(f"{back}?problem={quote(problem)}", 303)
        api = _api(request, session)
        r = await api.raw(
            "enrollment", "POST", f"/api/v1/sessions/{quote(session_id)}/enrollments",
            json={"nip": nip, "accept": form.get("accept") == "1"},
        )  # fmt: skip
        if r.status_code not in (200, 201):
            err = ServiceError("enrollment", r.status_code, r.json() if r.content else {})
            if r.status_code == 401:
                raise err
            return RedirectResponse(
                f"{back}?problem={quote(err.message(lang_of(request))[:300])}", 303
            )
        return RedirectResponse(back, 303)

    @app.get("/sessions/{session_id}")
    async def session_page(request: Request, session_id: str) -> Response:
        session = _need(request, "auditor", "organizer")
        api = _api(request, session)
        detail, roster = await api.gather(
            api.get("enrollment", f"/api/v1/sessions/{quote(session_id)}"),
            api.get("enrollment", f"/api/v1/sessions/{quote(session_id)}/enrollments"),
        )
        people = await api.maybe("enrollment", "/api/v1/asn", {"items": []}, limit=1000)
        counts = Counter(e["status"] for e in roster)
        started = datetime.fromisoformat(detail["starts_at"]) <= datetime.now().astimezone()
        return render(
            request,
            "session.html",
            {
                "s": detail,
                "roster": sorted(roster, key=lambda e: e["nip"]),
                "names": _names(people),
                "counts": counts,
                "started": started,
                "can_edit": session.principal.has("admin", "organizer"),
            },
        )

    @app.post("/enrollments/{enrollment_id}/transition")
    async def transition(request: Request, enrollment_id: str) -> Response:
        session = _need(request, "organizer", "asn")
        form = await _form(request, session)
        to = form.get("to", "")
        p = session.principal
        allowed = {"attended", "no_show", "completed"} if p.has("admin", "organizer") else set()
        if p.has("asn", "admin"):
            allowed |= {"enrolled", "declined"}
        if to not in allowed:
            raise Refused
        body: dict[str, Any] = {"to": to}
        lang = lang_of(request)
        if to == "declined":
            reason = (form.get("reason") or "").strip()
            if not reason:
                return await _answer_problem(
                    request, session, enrollment_id,
                    pick(("Tuliskan alasan menolak.", "Please give a reason."), lang),
                )  # fmt: skip
            body["reason"] = reason[:2000]
        if to == "completed":
            try:
                body["score"] = int(form.get("score") or "")
            except ValueError:
                body["score"] = -1
        api = _api(request, session)
        r = await api.raw(
            "enrollment", "POST", f"/api/v1/enrollments/{quote(enrollment_id)}/transitions",
            json=body,
        )  # fmt: skip
        problem = None
        if r.status_code != 200:
            err = ServiceError("enrollment", r.status_code, r.json() if r.content else {})
            if r.status_code == 401:
                raise err
            problem = err.message(lang)
        if request.headers.get("hx-request") and form.get("view") == "invitation":
            return await _invitation_card(request, session, enrollment_id, problem)
        back = safe_next(form.get("back")) if form.get("back") else _back(request, "/")
        if problem:
            sep = "&" if "?" in back else "?"
            back = f"{back}{sep}problem={quote(problem[:300])}"
        return RedirectResponse(back, 303)

    async def _answer_problem(
        request: Request, session: Session, enrollment_id: str, problem: str
    ) -> Response:
        if request.headers.get("hx-request"):
            return await _invitation_card(request, session, enrollment_id, problem)
        return RedirectResponse(f"/me?problem={quote(problem)}", 303)

    async def _invitation_card(
        request: Request, session: Session, enrollment_id: str, problem: str | None
    ) -> Response:
        api = _api(request, session)
        e = await api.get("enrollment", f"/api/v1/enrollments/{quote(enrollment_id)}")
        sessions = {s["id"]: s for s in await api.maybe("enrollment", "/api/v1/sessions", [])}
        nip = session.principal.nip
        history = (
            await api.maybe("enrollment", f"/api/v1/asn/{nip}/enrollments", None) if nip else None
        )  # the history list on /me is refreshed beside the card (htmx out-of-band swap)
        return render(
            request,
            "_invitation.html",
            {"e": e, "s": sessions.get(e["session_id"]), "problem": problem, "history": history},
        )

    # --- people -------------------------------------------------------------------------------
    def _unit_scope(p: Principal, unit_id: str | None) -> str | None:
        if p.has("admin", "auditor", "organizer"):
            return unit_id or None
        if unit_id and unit_id in p.units:
            return unit_id
        return sorted(p.units)[0] if p.units else None

    @app.get("/people")
    async def people_page(
        request: Request, q: str | None = None, unit_id: str | None = None
    ) -> Response:
        session = _need(request, "auditor", "organizer", "unit-operator")
        p = session.principal
        unit = _unit_scope(p, unit_id)
        if p.has("unit-operator") and not p.has("admin", "auditor", "organizer") and not unit:
            raise Refused
        api = _api(request, session)
        found = await api.get("enrollment", "/api/v1/asn", unit_id=unit, limit=1000)
        items = found.get("items", [])
        if q:
            needle = q.strip().lower()
            items = [i for i in items if needle in i["name"].lower() or needle in i["nip"]]
        below = None
        if unit and p.has("admin", "auditor", "unit-operator"):
            below = await api.maybe("enrollment", f"/api/v1/jp/units/{unit}", None)
        units = await api.maybe("surveys", "/api/v1/units", {"units": []})
        return render(
            request,
            "people.html",
            {"people": items[:200], "total": len(items), "q": q or "", "unit_id": unit or "",
             "below": below, "units": units.get("units", []),
             "unit_locked": not p.has("admin", "auditor", "organizer")},
        )  # fmt: skip

    @app.get("/people/below-20.csv")
    async def below_csv(request: Request, unit_id: str) -> Response:
        session = _need(request, "auditor", "unit-operator")
        p = session.principal
        if not UNIT_ID.match(unit_id) or not (p.has("admin", "auditor") or unit_id in p.units):
            raise Refused
        api = _api(request, session)
        found = await api.get("enrollment", f"/api/v1/jp/units/{unit_id}")
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";")  # Indonesian spreadsheets: decimal comma
        writer.writerow(["nip", "nama", "jp", "kekurangan_jp", "tahun"])
        for b in found.get("below", []):
            writer.writerow(
                [
                    b["nip"],
                    b["name"],
                    fmt.number(b["jp"], 0),
                    fmt.number(b["shortfall"], 0),
                    found["year"],
                ]
            )
        return Response(
            "\ufeff" + out.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="dibawah-20-jp-{unit_id}-{found["year"]}.csv"'
            },
        )

    @app.post("/people/{nip}/deactivate")
    async def deactivate(request: Request, nip: str) -> Response:
        """Admins: deactivate a person (moved, retired); enrollment cancels the seats held."""
        session = _need(request)
        if not session.principal.has("admin"):
            raise Refused
        form = await _form(request, session)
        if not NIP.match(nip) or form.get("confirm") != "1":
            raise Refused(400, ("Centang konfirmasi dulu.", "Tick the confirmation first."))
        api = _api(request, session)
        done = await api.call("enrollment", "DELETE", f"/api/v1/asn/{nip}")
        n = len(done.get("cancelled_enrollments", []))
        note = pick((f"Dinonaktifkan; {n} kursi dibatalkan.", f"Deactivated; {n} seats cancelled."),
                    lang_of(request))  # fmt: skip
        return RedirectResponse(f"/people/{nip}?note={quote(note)}", 303)

    @app.get("/people/{nip}")
    async def person_page(request: Request, nip: str) -> Response:
        session = _need(request, "auditor", "organizer", "unit-operator")
        if not NIP.match(nip):
            raise Refused(404, ("NIP tidak valid.", "Invalid NIP."))
        api = _api(request, session)
        person = await api.get("enrollment", f"/api/v1/asn/{nip}")
        enrollments, jp, recs = await api.gather(
            api.maybe("enrollment", f"/api/v1/asn/{nip}/enrollments", []),
            api.maybe("enrollment", f"/api/v1/asn/{nip}/jp", None),
            api.maybe("recommendations", f"/api/v1/asn/{nip}/recommendations", None),
        )
        return render(
            request,
            "person.html",
            {"person": person, "enrollments": enrollments, "jp": jp, "recs": recs,
             "jp_chart": _jp_chart(jp, lang_of(request))},
        )  # fmt: skip

    # --- recommendations ----------------------------------------------------------------------
    @app.get("/recommendations")
    async def recommendations_page(request: Request, unit_id: str | None = None) -> Response:
        session = _need(request, "auditor", "organizer", "unit-operator")
        p = session.principal
        unit = _unit_scope(p, unit_id)
        api = _api(request, session)
        wide = p.has("admin", "auditor", "organizer")
        gaps, flagged, nudges, escalations, conversion = await api.gather(
            api.maybe("recommendations", "/api/v1/gaps", {"items": []}, unit_id=unit, status="all"),
            api.maybe("recommendations", "/api/v1/gaps/flagged", {"items": []}, unit_id=unit)
            if p.has("admin", "auditor", "unit-operator") else _none({"items": []}),
            api.maybe("recommendations", "/api/v1/nudges", {"items": []}) if wide else _none({"items": []}),
            api.maybe("recommendations", "/api/v1/nudges/escalations", {"items": []}) if wide else _none({"items": []}),
            api.maybe("recommendations", "/api/v1/nudges/conversion", None) if wide else _none(None),
        )  # fmt: skip
        return render(
            request,
            "recommendations.html",
            {"gaps": gaps.get("items", []), "flagged": flagged.get("items", []),
             "nudges": nudges.get("items", []), "escalations": escalations.get("items", []),
             "conversion": conversion, "unit_id": unit or ""},
        )  # fmt: skip

    # --- self-service -------------------------------------------------------------------------
    @app.get("/me")
    async def me_page(request: Request, problem: str | None = None) -> Response:
        session = _need(request, "asn")
        nip = session.principal.nip
        if not nip:
            raise Refused(403, ("Token Anda tidak memuat NIP.", "Your token carries no NIP."))
        api = _api(request, session)
        person, enrollments, jp, recs, nudges, sessions = await api.gather(
            api.maybe("enrollment", f"/api/v1/asn/{nip}", None),
            api.maybe("enrollment", f"/api/v1/asn/{nip}/enrollments", []),
            api.maybe("enrollment", f"/api/v1/asn/{nip}/jp", None),
            api.maybe("recommendations", f"/api/v1/asn/{nip}/recommendations", None),
            api.maybe("recommendations", "/api/v1/nudges", {"items": []}, nip=nip),
            api.maybe("enrollment", "/api/v1/sessions", []),
        )
        by_id = {s["id"]: s for s in sessions}
        open_ = [e for e in enrollments if e["status"] == "invited"]
        return render(
            request,
            "me.html",
            {"person": person, "invitations": open_, "enrollments": enrollments,
             "sessions": by_id, "jp": jp, "recs": recs, "nudges": nudges.get("items", []),
             "problem": problem, "jp_chart": _jp_chart(jp, lang_of(request))},
        )  # fmt: skip


def month_calendar(
    sessions: list[dict[str, Any]], lang: str, months: int = 3, today: date | None = None
) -> list[dict[str, Any]]:
    """Month grids (Monday first) from this month on, each day with the sessions running on it
    (WIB dates), for the calendar view; at most `months` months."""
    import calendar as cal

    today = today or datetime.now(JAKARTA).date()
    spans = []
    for s in sessions:
        first = datetime.fromisoformat(s["starts_at"]).astimezone(JAKARTA).date()
        last = datetime.fromisoformat(s["ends_at"]).astimezone(JAKARTA).date()
        spans.append((first, last, s))
    out = []
    year, month = today.year, today.month
    names = fmt.MONTHS_EN if lang == "en" else fmt.MONTHS_ID
    for _ in range(months):
        weeks = []
        for week in cal.Calendar(firstweekday=0).monthdatescalendar(year, month):
            weeks.append([
                {"day": d, "in_month": d.month == month, "today": d == today,
                 "sessions": [s for first, last, s in spans if first <= d <= last]}
                for d in week
            ])  # fmt: skip
        out.append({"label": f"{names[month - 1]} {year}", "weeks": weeks})
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


async def _none(value: Any) -> Any:
    return value


def _jp_chart(jp: dict[str, Any] | None, lang: str) -> dict[str, Any] | None:
    if not jp:
        return None
    done = float(jp.get("jp") or 0)
    minimum = float(jp.get("minimum") or JP_MINIMUM)
    return _chart(
        "gauge",
        value=done,
        max=max(minimum, done),
        target=minimum,
        name=pick(("JP tahun ini", "JP this year"), lang),
    )


_ = (time, timedelta)
