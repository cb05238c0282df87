"""The public survey form: no login, Indonesian first (?lang=en for English), phone-sized,
plain HTML that works without JavaScript, reached by a link or the unit's QR code.

A hidden one-time reference (client_ref) is put in each rendered form, so a double tap or a
browser resend of the same form counts once.
"""

from __future__ import annotations

import io
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote

import segno
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from asn_platform.auth import public
from asn_platform.contracts import IntakeChannel
from asn_platform.timezone import now_jakarta
from asn_surveys.api.common import UnitPath, read_body, unit_not_found
from asn_surveys.api.public_text import TEXT
from asn_surveys.domain.ikm import ELEMENT_CODES
from asn_surveys.domain.intake import IntakeRefused
from asn_surveys.domain.questionnaire import bidang_label, profile_choices, questions
from asn_surveys.domain.response import MAX_AGE, MIN_AGE, SurveyResponseIn
from asn_surveys.domain.units import Unit
from asn_surveys.handlers import queries
from asn_surveys.handlers.intake import (
    RETRY_AFTER_UNAVAILABLE_S,
    IntakeUnavailable,
    submit_response,
)

if TYPE_CHECKING:
    from asn_surveys.bootstrap import Surveys

TAG = "formulir publik / public form"
CHANNEL = IntakeChannel.WEB
FORM_FIELDS = ("service", "sex", "age", "education", "occupation", "comment", "client_ref")


def page_lang(request: Request) -> str:
    """Indonesian unless ?lang=en. Deliberately not Accept-Language: many citizens' phones are
    set to English while they expect the government's form in Indonesian; English is one tap
    away on every page."""
    return "en" if request.query_params.get("lang") == "en" else "id"


def form_url(base: str, unit_id: str, lang: str = "id") -> str:
    url = f"{base}/s/{quote(unit_id)}"
    return url + "?lang=en" if lang == "en" else url


def _form_errors(err: ValidationError, lang: str) -> dict[str, str]:
    """Field name on the form -> a short message in the page's language."""
    t = TEXT[lang]
    out: dict[str, str] = {}
    for e in err.errors(include_url=False):
        loc = [str(p) for p in e["loc"]]
        name = loc[-1] if loc[:1] in (["answers"], ["respondent"]) else loc[0]
        if name == "age" and e["type"] != "missing":
            out[name] = t["age_problem"]
        elif e["type"] in ("missing", "enum", "string_too_short") or name in ELEMENT_CODES:
            out[name] = t["required"]
        else:
            message = str(e["msg"]).removeprefix("Value error, ")
            out.setdefault(name, message)
    return out


def _form_payload(unit_id: str, fields: dict[str, str]) -> dict[str, Any]:
    """The intake payload from form fields; absent radios stay absent (so: 'missing')."""
    payload: dict[str, Any] = {
        "unit_id": unit_id,
        "answers": {c.value: fields[c.value] for c in ELEMENT_CODES if fields.get(c.value)},
        "respondent": {
            k: fields[k] for k in ("sex", "age", "education", "occupation") if fields.get(k)
        },
    }
    for key in ("service", "comment", "client_ref"):
        if fields.get(key):
            payload[key] = fields[key]
    return payload


def _page(
    app: Surveys,
    name: str,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    lang = context.get("lang", "id")
    html = app.templates.get_template(name).render(t=TEXT[lang], **context)
    return HTMLResponse(html, status_code=status, headers=headers)


def _render_form(
    app: Surveys,
    unit: Unit,
    lang: str,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    notice: str | None = None,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    values = dict(values or {})
    # A fresh one-time reference per rendered form; a re-render after an error keeps it.
    values.setdefault("client_ref", f"web-{secrets.token_urlsafe(12)}")
    return _page(
        app,
        "form.html",
        status=status,
        headers=headers,
        lang=lang,
        unit=unit,
        bidang=bidang_label(unit.bidang, lang),
        questions=questions(lang),
        choices=profile_choices(lang),
        values=values,
        errors=errors or {},
        notice=notice,
        min_age=MIN_AGE,
        max_age=MAX_AGE,
        other_lang_url=f"/s/{quote(unit.unit_id)}" + ("" if lang == "en" else "?lang=en"),
    )


async def _find(app: Surveys, unit_id: str, lang: str) -> Unit | HTMLResponse:
    unit = await queries.unit_or_none(app.units, unit_id)
    if unit is None:
        return _page(app, "message.html", 404, lang=lang, heading=TEXT[lang]["not_found"])
    if not unit.active:
        return _page(app, "message.html", 410, lang=lang, heading=TEXT[lang]["inactive"])
    return unit


def _retry_form(
    app: Surveys,
    unit: Unit,
    lang: str,
    values: dict[str, str],
    status: int,
    notice: str,
    retry: str,
) -> HTMLResponse:
    """The form again, as filled in, with a notice to send it later (nothing was stored)."""
    return _render_form(
        app,
        unit,
        lang,
        values=values,
        status=status,
        notice=TEXT[lang][notice].format(s=retry),
        headers={"Retry-After": retry},
    )


async def _accept_form(
    app: Surveys, unit: Unit, lang: str, fields: dict[str, str], values: dict[str, str]
) -> HTMLResponse | None:
    """None once the response is stored; else the form again, saying why not."""
    try:
        response = SurveyResponseIn.model_validate(
            _form_payload(unit.unit_id, fields), context={"now": now_jakarta()}
        )
    except ValidationError as err:
        app.metrics.count(CHANNEL.value, "invalid")
        return _render_form(
            app, unit, lang, values=values, errors=_form_errors(err, lang), status=422
        )
    try:
        accepted = await submit_response(app.intake, response, channel=CHANNEL, policy=app.policy)
    except IntakeUnavailable:
        app.metrics.count(CHANNEL.value, "unavailable")
        return _retry_form(
            app, unit, lang, values, 503, "unavailable", str(RETRY_AFTER_UNAVAILABLE_S)
        )
    except IntakeRefused as err:
        app.metrics.count(CHANNEL.value, "invalid")
        errors = {p["field"]: p["problem"] for p in err.problems}
        if "client_ref" in errors:  # the same form sent with other answers: start afresh
            values.pop("client_ref", None)
        return _render_form(app, unit, lang, values=values, errors=errors, status=err.status)
    app.metrics.accepted(CHANNEL.value, accepted.created, accepted.gaps)
    return None


async def _submitted(app: Surveys, unit_id: str, request: Request) -> Response:
    """A posted form: to the thanks page once stored, else the form again saying why not."""
    body = await read_body(request, app.settings.max_body_bytes)
    fields = dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
    lang = "en" if fields.get("lang") == "en" else "id"
    found = await _find(app, unit_id, lang)
    if isinstance(found, HTMLResponse):
        return found
    values = {k: v for k, v in fields.items() if k in (*FORM_FIELDS, *ELEMENT_CODES)}
    wait = app.guard.rate_wait(request)
    if wait > 0:
        app.metrics.count(CHANNEL.value, "rate_limited")
        return _retry_form(
            app, found, lang, values, 429, "rate_limited", app.guard.retry_after(wait)
        )
    refused = await _accept_form(app, found, lang, fields, values)
    if refused is not None:
        return refused
    suffix = "?lang=en" if lang == "en" else ""
    return RedirectResponse(f"/s/{quote(unit_id)}/terima-kasih{suffix}", status_code=303)


def public_router(app: Surveys) -> APIRouter:
    router = APIRouter(tags=[TAG])

    @router.get("/s", response_class=HTMLResponse, summary="Daftar unit untuk disurvei")
    @public
    async def unit_list(request: Request) -> HTMLResponse:
        lang = page_lang(request)
        units = await queries.all_units(app.units, include_inactive=False)
        suffix = "?lang=en" if lang == "en" else ""
        return _page(app, "units.html", lang=lang, units=units, suffix=suffix)

    @router.get("/s/{unit_id}", response_class=HTMLResponse, summary="Formulir SKM unit")
    @public
    async def form(unit_id: UnitPath, request: Request) -> HTMLResponse:
        lang = page_lang(request)
        found = await _find(app, unit_id, lang)
        if isinstance(found, HTMLResponse):
            return found
        return _render_form(app, found, lang)

    @router.post(
        "/s/{unit_id}",
        response_class=HTMLResponse,
        summary="Kirim formulir SKM (application/x-www-form-urlencoded)",
        responses={303: {"description": "Tersimpan: ke halaman terima kasih"}},
    )
    @public
    async def submit(unit_id: UnitPath, request: Request) -> Response:
        return await _submitted(app, unit_id, request)

    @router.get("/s/{unit_id}/terima-kasih", response_class=HTMLResponse, summary="Terima kasih")
    @public
    async def thanks(unit_id: UnitPath, request: Request) -> HTMLResponse:
        lang = page_lang(request)
        found = await _find(app, unit_id, lang)
        if isinstance(found, HTMLResponse):
            return found
        again = f"/s/{quote(unit_id)}" + ("?lang=en" if lang == "en" else "")
        return _page(app, "thanks.html", lang=lang, unit=found, again_url=again)

    @router.get(
        "/s/{unit_id}/qr.svg",
        summary="Kode QR menuju formulir unit (SVG, siap cetak)",
        response_class=Response,
        responses={200: {"content": {"image/svg+xml": {}}}},
    )
    @public
    async def qr(unit_id: UnitPath, request: Request) -> Response:
        unit = await queries.unit_or_none(app.units, unit_id)
        if unit is None:
            raise unit_not_found(unit_id)
        base = (app.settings.public_base_url or str(request.base_url)).rstrip("/")
        url = form_url(base, unit.unit_id, page_lang(request))
        return Response(
            qr_svg(url),
            media_type="image/svg+xml",
            headers={"X-Form-Url": url, "Cache-Control": "public, max-age=3600"},
        )

    return router


def qr_svg(url: str) -> bytes:
    """QR code (error correction M: survives a smudged print) as a standalone SVG."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=8, border=4, title=url)
    return out.getvalue()
