"""The public survey form: no login, Indonesian first (?lang=en for English), phone-sized,
plain HTML that works without JavaScript, reached by a link or the unit's QR code.

A hidden one-time reference (client_ref) is put in each rendered form, so a double tap or a
browser resend of the same form counts once.
"""

from __future__ import annotations

import io
import secrets
from typing import Any
from urllib.parse import parse_qsl, quote

import segno
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from asn_platform.auth import public
from asn_platform.contracts import IntakeChannel
from asn_platform.http_errors import ApiError
from asn_surveys.domain.ikm import ELEMENT_CODES
from asn_surveys.domain.response import MAX_AGE, MIN_AGE, SurveyResponseIn
from asn_surveys.intake import IntakeRefused
from asn_surveys.questionnaire import bidang_label, profile_choices, questions
from asn_surveys.runtime import RETRY_AFTER_UNAVAILABLE_S, IntakeUnavailable, Runtime
from asn_surveys.units import Unit, UnitPath, get_unit, list_units

TAG = "formulir publik / public form"
FORM_FIELDS = ("service", "sex", "age", "education", "occupation", "comment", "client_ref")

TEXT: dict[str, dict[str, str]] = {
    "id": {
        "title": "Survei Kepuasan Masyarakat",
        "intro": "Penilaian Anda membantu kami memperbaiki layanan. Tanpa nama, sekitar 2 menit.",
        "service": "Layanan yang Anda terima",
        "choose": "-- pilih --",
        "about_you": "Tentang Anda",
        "about_you_note": "Tidak perlu nama. Data ini hanya untuk statistik.",
        "sex": "Jenis kelamin",
        "age": "Usia (tahun)",
        "education": "Pendidikan terakhir",
        "occupation": "Pekerjaan",
        "questions": "Penilaian layanan",
        "comment": "Saran atau masukan (tidak wajib)",
        "comment_note": "Jangan tulis nama, NIK atau nomor telepon. Tidak dipublikasikan.",
        "submit": "Kirim penilaian",
        "errors": "Mohon periksa kembali isian yang ditandai.",
        "required": "Mohon dipilih",
        "age_problem": f"Usia harus angka {MIN_AGE}-{MAX_AGE}",
        "thanks": "Terima kasih!",
        "thanks_body": "Penilaian Anda sudah kami terima dan akan dipakai untuk memperbaiki "
        "layanan.",
        "again": "Isi survei lagi",
        "other_lang": "English",
        "units": "Pilih unit layanan yang Anda nilai",
        "rate_limited": "Terlalu banyak kiriman dari perangkat/jaringan ini. Penilaian Anda "
        "belum tersimpan; silakan kirim lagi setelah {s} detik.",
        "unavailable": "Layanan sedang terganggu. Penilaian Anda belum tersimpan; silakan "
        "kirim lagi setelah {s} detik.",
        "not_found": "Unit layanan tidak ditemukan.",
        "inactive": "Unit layanan ini sedang tidak menerima survei.",
    },
    "en": {
        "title": "Public Satisfaction Survey",
        "intro": "Your rating helps us improve the service. Anonymous, about 2 minutes.",
        "service": "Service you received",
        "choose": "-- choose --",
        "about_you": "About you",
        "about_you_note": "No name needed. Used for statistics only.",
        "sex": "Sex",
        "age": "Age (years)",
        "education": "Highest education",
        "occupation": "Occupation",
        "questions": "Your rating",
        "comment": "Suggestions or feedback (optional)",
        "comment_note": "Do not write names, ID or phone numbers. Never published.",
        "submit": "Send rating",
        "errors": "Please check the marked fields.",
        "required": "Please choose one",
        "age_problem": f"Age must be a number {MIN_AGE}-{MAX_AGE}",
        "thanks": "Thank you!",
        "thanks_body": "We have received your rating and will use it to improve the service.",
        "again": "Fill in the survey again",
        "other_lang": "Bahasa Indonesia",
        "units": "Choose the service unit you are rating",
        "rate_limited": "Too many submissions from this device/network. Your rating was not "
        "stored yet; please send it again after {s} seconds.",
        "unavailable": "The service is temporarily unavailable. Your rating was not stored "
        "yet; please send it again after {s} seconds.",
        "not_found": "Service unit not found.",
        "inactive": "This service unit is not accepting surveys at the moment.",
    },
}


def page_lang(request: Request) -> str:
    """Indonesian unless ?lang=en. Deliberately not Accept-Language: many citizens' phones are
    set to English while they expect the government's form in Indonesian; English is one tap
    away on every page."""
    return "en" if request.query_params.get("lang") == "en" else "id"


def _base_url(runtime: Runtime, request: Request) -> str:
    return (runtime.settings.public_base_url or str(request.base_url)).rstrip("/")


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


def build_public(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=[TAG])
    templates = runtime.templates

    def page(
        name: str, status: int = 200, headers: dict[str, str] | None = None, **context: Any
    ) -> HTMLResponse:
        lang = context.get("lang", "id")
        html = templates.get_template(name).render(t=TEXT[lang], **context)
        return HTMLResponse(html, status_code=status, headers=headers)

    def render_form(
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
        return page(
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

    async def find(unit_id: str, lang: str) -> Unit | HTMLResponse:
        async with runtime.pool.acquire() as conn:
            unit = await get_unit(conn, unit_id)
        if unit is None:
            return page("message.html", 404, lang=lang, heading=TEXT[lang]["not_found"])
        if not unit.active:
            return page("message.html", 410, lang=lang, heading=TEXT[lang]["inactive"])
        return unit

    @router.get("/s", response_class=HTMLResponse, summary="Daftar unit untuk disurvei")
    @public
    async def unit_list(request: Request) -> HTMLResponse:
        lang = page_lang(request)
        async with runtime.pool.acquire() as conn:
            units = await list_units(conn, include_inactive=False)
        return page("units.html", lang=lang, units=units, suffix="?lang=en" if lang == "en" else "")

    @router.get("/s/{unit_id}", response_class=HTMLResponse, summary="Formulir SKM unit")
    @public
    async def form(unit_id: UnitPath, request: Request) -> HTMLResponse:
        lang = page_lang(request)
        found = await find(unit_id, lang)
        if isinstance(found, HTMLResponse):
            return found
        return render_form(found, lang)

    @router.post(
        "/s/{unit_id}",
        response_class=HTMLResponse,
        summary="Kirim formulir SKM (application/x-www-form-urlencoded)",
        responses={303: {"description": "Tersimpan: ke halaman terima kasih"}},
    )
    @public
    async def submit(unit_id: UnitPath, request: Request) -> Response:
        body = await runtime.read_body(request)
        fields = dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
        lang = "en" if fields.get("lang") == "en" else "id"
        found = await find(unit_id, lang)
        if isinstance(found, HTMLResponse):
            return found
        values = {k: v for k, v in fields.items() if k in (*FORM_FIELDS, *ELEMENT_CODES)}
        wait = runtime.rate_wait(request)
        if wait > 0:
            runtime.intakes.labels("web", "rate_limited").inc()
            retry = runtime.limiter.retry_after_header(wait)
            return render_form(
                found,
                lang,
                values=values,
                status=429,
                notice=TEXT[lang]["rate_limited"].format(s=retry),
                headers={"Retry-After": retry},
            )
        try:
            response = SurveyResponseIn.model_validate(_form_payload(unit_id, fields))
        except ValidationError as err:
            runtime.intakes.labels("web", "invalid").inc()
            return render_form(
                found, lang, values=values, errors=_form_errors(err, lang), status=422
            )
        try:
            await runtime.accept(response, IntakeChannel.WEB)
        except IntakeUnavailable:
            retry = str(RETRY_AFTER_UNAVAILABLE_S)
            return render_form(
                found,
                lang,
                values=values,
                status=503,
                notice=TEXT[lang]["unavailable"].format(s=retry),
                headers={"Retry-After": retry},
            )
        except IntakeRefused as err:
            runtime.intakes.labels("web", "invalid").inc()
            errors = {p["field"]: p["problem"] for p in err.problems}
            if "client_ref" in errors:  # the same form sent with other answers: start afresh
                values.pop("client_ref", None)
            return render_form(found, lang, values=values, errors=errors, status=err.status)
        suffix = "?lang=en" if lang == "en" else ""
        return RedirectResponse(f"/s/{quote(unit_id)}/terima-kasih{suffix}", status_code=303)

    @router.get("/s/{unit_id}/terima-kasih", response_class=HTMLResponse, summary="Terima kasih")
    @public
    async def thanks(unit_id: UnitPath, request: Request) -> HTMLResponse:
        lang = page_lang(request)
        found = await find(unit_id, lang)
        if isinstance(found, HTMLResponse):
            return found
        again = f"/s/{quote(unit_id)}" + ("?lang=en" if lang == "en" else "")
        return page("thanks.html", lang=lang, unit=found, again_url=again)

    @router.get(
        "/s/{unit_id}/qr.svg",
        summary="Kode QR menuju formulir unit (SVG, siap cetak)",
        response_class=Response,
        responses={200: {"content": {"image/svg+xml": {}}}},
    )
    @public
    async def qr(unit_id: UnitPath, request: Request) -> Response:
        async with runtime.pool.acquire() as conn:
            unit = await get_unit(conn, unit_id)
        if unit is None:
            raise ApiError(
                404,
                "unit_not_found",
                f"Unit layanan {unit_id!r} tidak ditemukan",
                f"Service unit {unit_id!r} not found",
            )
        lang = page_lang(request)
        url = form_url(_base_url(runtime, request), unit.unit_id, lang)
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
