"""Programmes and sessions: list and calendar, a session's roster, and the organisers'
commands (open a session, invite, mark attendance and completion); a civil servant's answer
to an invitation goes through `transition` too."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from asn_console.clients import UserApi
from asn_console.domain import formatting as fmt
from asn_console.domain.access import NIP
from asn_console.domain.calendar import month_calendar
from asn_console.domain.text import pick
from asn_console.views import with_note, with_problem
from asn_platform.timezone import JAKARTA

Form = dict[str, str]


def names(people: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    return {p["nip"]: p for p in (people or {}).get("items", [])}


async def sessions_view(api: UserApi, lang: str, today: date, can_edit: bool) -> dict[str, Any]:
    sessions, programmes = await api.gather(
        api.get("enrollment", "/api/v1/sessions"),
        api.get("enrollment", "/api/v1/programmes"),
    )
    sessions = sorted(sessions, key=lambda s: s["starts_at"])
    return {
        "sessions": sessions,
        "programmes": programmes,
        "calendar": month_calendar(sessions, lang, today=today),
        "can_edit": can_edit,
    }


async def session_view(
    api: UserApi, session_id: str, now: datetime, can_edit: bool
) -> dict[str, Any]:
    path = f"/api/v1/sessions/{quote(session_id)}"
    detail, roster = await api.gather(
        api.get("enrollment", path), api.get("enrollment", f"{path}/enrollments")
    )
    people = await api.maybe("enrollment", "/api/v1/asn", {"items": []}, limit=1000)
    return {
        "s": detail,
        "roster": sorted(roster, key=lambda e: e["nip"]),
        "names": names(people),
        "counts": Counter(e["status"] for e in roster),
        "started": datetime.fromisoformat(detail["starts_at"]) <= now,
        "starts_input": fmt.wib_input(detail["starts_at"]),
        "ends_input": fmt.wib_input(detail["ends_at"]),
        "can_edit": can_edit,
    }


def wib_times(form: Form) -> tuple[datetime, datetime] | None:
    """The start and end typed in WIB (datetime-local inputs), or None when missing."""
    try:
        starts = datetime.fromisoformat(form.get("starts_at", "")).replace(tzinfo=JAKARTA)
        ends = datetime.fromisoformat(form.get("ends_at", "")).replace(tzinfo=JAKARTA)
    except ValueError:
        return None
    return starts, ends


def _capacity(form: Form) -> dict[str, int]:
    try:
        return {"capacity": int(form["capacity"])} if form.get("capacity") else {}
    except ValueError:
        return {}


async def open_session(api: UserApi, form: Form, lang: str) -> str:
    """Open a session of a programme; answers where the browser goes next."""
    times = wib_times(form)
    if times is None:
        return with_problem(
            "/sessions",
            pick(("Isi waktu mulai dan selesai.", "Fill in start and end times."), lang),
        )
    body: dict[str, Any] = {"starts_at": times[0].isoformat(), "ends_at": times[1].isoformat()}
    if form.get("place"):
        body["place"] = form["place"][:300]
    body.update(_capacity(form))
    code = quote(form.get("programme_code", ""))
    done = await api.attempt("enrollment", "POST", f"/api/v1/programmes/{code}/sessions", body)
    if done.error:
        return with_problem("/sessions", done.error.message(lang))
    return f"/sessions/{done.body['id']}"


async def invite(api: UserApi, session_id: str, form: Form, lang: str) -> str:
    back = f"/sessions/{quote(session_id)}"
    nip = form.get("nip", "").strip()
    if not NIP.match(nip):
        return with_problem(back, pick(("NIP harus 18 angka.", "A NIP has 18 digits."), lang))
    done = await api.attempt(
        "enrollment", "POST", f"/api/v1/sessions/{quote(session_id)}/enrollments",
        {"nip": nip, "accept": form.get("accept") == "1"},
    )  # fmt: skip
    return with_problem(back, done.error.message(lang)) if done.error else back


def transition_body(to: str, form: Form, lang: str) -> tuple[dict[str, Any], str | None]:
    """The transition's body, or a problem to show (a decline needs a reason)."""
    body: dict[str, Any] = {"to": to}
    if to == "declined":
        reason = (form.get("reason") or "").strip()
        if not reason:
            return body, pick(("Tuliskan alasan menolak.", "Please give a reason."), lang)
        body["reason"] = reason[:2000]
    if to == "completed":
        try:
            body["score"] = int(form.get("score") or "")
        except ValueError:
            body["score"] = -1  # enrollment names the field in its refusal
    return body, None


async def transition(
    api: UserApi, enrollment_id: str, body: dict[str, Any], lang: str
) -> str | None:
    """Move an enrollment (attended, no_show, completed, enrolled, declined); the problem
    enrollment names when it refuses, else None."""
    done = await api.attempt(
        "enrollment", "POST", f"/api/v1/enrollments/{quote(enrollment_id)}/transitions", body
    )
    return done.error.message(lang) if done.error else None


async def invitation_card(
    api: UserApi, enrollment_id: str, nip: str | None, problem: str | None
) -> dict[str, Any]:
    """One invitation on /me, after an answer (htmx swaps it in)."""
    e = await api.get("enrollment", f"/api/v1/enrollments/{quote(enrollment_id)}")
    sessions = {s["id"]: s for s in await api.maybe("enrollment", "/api/v1/sessions", [])}
    # the history list on /me is refreshed beside the card (htmx out-of-band swap)
    history = await api.maybe("enrollment", f"/api/v1/asn/{nip}/enrollments", None) if nip else None
    return {"e": e, "s": sessions.get(e["session_id"]), "problem": problem, "history": history}


def _reason(form: Form, lang: str) -> tuple[str, str | None]:
    reason = (form.get("reason") or "").strip()[:2000]
    if not reason:
        return reason, pick(
            ("Tuliskan alasannya; peserta akan diberi tahu.",
             "Give the reason; the people invited are told."), lang,
        )  # fmt: skip
    return reason, None


async def reschedule_session(api: UserApi, session_id: str, form: Form, lang: str) -> str:
    """New times (WIB), optionally a new place or link, and why; enrollment tells the cohort
    (session-changed 'rescheduled')."""
    back = f"/sessions/{quote(session_id)}"
    times = wib_times(form)
    reason, problem = _reason(form, lang)
    if times is None:
        problem = pick(("Isi waktu mulai dan selesai.", "Fill in start and end times."), lang)
    if problem or times is None:
        return with_problem(back, problem or "")
    body: dict[str, Any] = {
        "starts_at": times[0].isoformat(), "ends_at": times[1].isoformat(), "reason": reason,
    }  # fmt: skip
    for key in ("place", "online_url"):
        if form.get(key, "").strip():
            body[key] = form[key].strip()
    done = await api.attempt(
        "enrollment", "POST", f"/api/v1/sessions/{quote(session_id)}/reschedule", body
    )
    if done.error:
        return with_problem(back, done.error.message(lang))
    return with_note(back, pick(("Sesi dijadwalkan ulang; peserta diberi tahu.",
                                 "Session rescheduled; the people invited are told."), lang))  # fmt: skip


async def cancel_session(api: UserApi, session_id: str, form: Form, lang: str) -> str:
    """Cancel the session and its open seats; enrollment tells the cohort ('cancelled')."""
    back = f"/sessions/{quote(session_id)}"
    reason, problem = _reason(form, lang)
    if problem or form.get("confirm") != "1":
        return with_problem(back, problem or pick(("Centang konfirmasi dulu.",
                                                   "Tick the confirmation first."), lang))  # fmt: skip
    done = await api.attempt(
        "enrollment", "POST", f"/api/v1/sessions/{quote(session_id)}/cancel", {"reason": reason}
    )
    if done.error:
        return with_problem(back, done.error.message(lang))
    n = len(done.body.get("cancelled_enrollments", []))
    return with_note(back, pick((f"Sesi dibatalkan; {n} undangan/kursi dibatalkan.",
                                 f"Session cancelled; {n} invitations/seats cancelled."), lang))  # fmt: skip
