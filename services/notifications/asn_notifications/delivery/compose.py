"""From a planned message and the facts read at send time to what a channel sends: an email
(plain text + HTML from the Jinja2 template files, an iCalendar file for session notices, the
certificate PDF for a completion) or the parameters of a WhatsApp template message."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from asn_notifications.channels import PermanentFailure, TemporaryFailure
from asn_notifications.domain.calendar import CalendarEntry, build_ics, event_uid
from asn_notifications.domain.certificate import CertificateView, render_pdf
from asn_notifications.domain.contacts import Channel
from asn_notifications.domain.messages import CALENDAR_METHOD, NO_ADDRESS, SESSION_NOTICES, Kind
from asn_notifications.domain.texts import moment_text, number_text
from asn_notifications.handlers.sending import Facts

TEMPLATES = Environment(
    loader=PackageLoader("asn_notifications", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
ICS_NAMES = {"id": "undangan.ics", "en": "invitation.ics"}
NEEDS_PROGRAMME = frozenset({Kind.NUDGE, Kind.ESCALATION, Kind.COMPLETION})


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str
    vars: dict[str, Any]


def template_names() -> list[str]:
    return sorted(n for n in TEMPLATES.list_templates() if not n.startswith("_"))


def _lang(facts: Facts) -> str:
    return facts.contact.lang if facts.contact else "id"


def _session_vars(session: dict[str, Any], lang: str) -> dict[str, Any]:
    return {
        "starts": moment_text(session["starts_at"], lang),
        "ends": moment_text(session["ends_at"], lang),
        "place": session["place"],
        "online_url": session["online_url"],
        "speakers": session["speakers"],
        "sequence": session["sequence"],
        "cancelled": session["change"] == "cancelled",
        "reason": session["reason"],
    }


def template_vars(facts: Facts, *, verify_base_url: str) -> dict[str, Any]:
    """What every template may use; raises TemporaryFailure while a fact the message needs has
    not arrived yet (events of different topics come in any order)."""
    kind = Kind(facts.delivery["kind"])
    payload = facts.delivery["payload"]
    lang = _lang(facts)
    if kind in SESSION_NOTICES and facts.session is None:
        raise TemporaryFailure("waiting for the session's details (session-changed)")
    if kind in NEEDS_PROGRAMME and facts.programme is None:
        raise TemporaryFailure("waiting for the programme's details (programme-catalogue-changed)")
    programme = facts.programme or {}
    code = payload.get("programme_code") or (facts.session or {}).get("programme_code", "")
    values: dict[str, Any] = {
        "lang": lang,
        "kind": kind.value,
        "name": (facts.recipient or {}).get("name")
        or ("colleague" if lang == "en" else "Bapak/Ibu"),
        "position": (facts.recipient or {}).get("position"),
        "programme": {
            "code": code,
            "title": programme.get("title") or code,
            "benefit": programme.get("benefit_en" if lang == "en" else "benefit_id"),
            "jp": number_text(programme["jp"], lang) if programme.get("jp") else None,
            "competencies": list(programme.get("competencies") or []),
        },
        "session": _session_vars(facts.session, lang) if facts.session else None,
        "reason": payload.get("reason"),
        "tone": payload.get("tone"),
        "attempt": payload.get("attempt"),
        "nudge": payload.get("message_en" if lang == "en" else "message_id"),
        "person_name": (facts.person or {}).get("name") or "",
        "certificate": None,
    }
    number = payload.get("certificate_number")
    if number:
        values["certificate"] = {
            "number": number,
            "jp": number_text(float(payload.get("jp") or 0), lang),
            "verify_url": f"{verify_base_url.rstrip('/')}/verify/{number}",
        }
    return values


def render(kind: Kind, lang: str, values: dict[str, Any]) -> Rendered:
    text_module = TEMPLATES.get_template(f"{kind.value}.{lang}.txt").make_module(values)
    html = TEMPLATES.get_template(f"{kind.value}.{lang}.html").render(values)
    subject = str(getattr(text_module, "subject", "")).strip()
    return Rendered(
        subject=" ".join(subject.split()), text=str(text_module), html=html, vars=values
    )


def message_id(key: str, sender: str) -> str:
    """Stable per message: a mail system that saw it already can tell."""
    domain = parseaddr(sender)[1].partition("@")[2] or "asn.local"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


@dataclass(frozen=True, slots=True)
class EmailParts:
    sender: str
    issuer: str
    verify_base_url: str


def email_message(
    facts: Facts,
    rendered: Rendered,
    parts: EmailParts,
    *,
    now: datetime,
    certificate: CertificateView | None,
) -> EmailMessage:
    contact = facts.contact
    if contact is None or not contact.email:
        raise PermanentFailure(f"{NO_ADDRESS} no email address for this person")
    msg = EmailMessage()
    msg["From"] = parts.sender
    msg["To"] = formataddr((str(rendered.vars["name"]), contact.email))
    msg["Subject"] = rendered.subject
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = message_id(facts.delivery["message_key"], parts.sender)
    msg["Content-Language"] = rendered.vars["lang"]
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-ASN-Message-Kind"] = facts.delivery["kind"]  # for mail filters (and the tests)
    msg.set_content(rendered.text)
    msg.add_alternative(rendered.html, subtype="html")
    kind = Kind(facts.delivery["kind"])
    method = CALENDAR_METHOD.get(kind)
    if method and facts.session is not None:
        ics = calendar_file(facts, rendered, parts, method=method, now=now)
        msg.add_attachment(
            ics,
            maintype="text",
            subtype="calendar",
            filename=ICS_NAMES.get(rendered.vars["lang"], "undangan.ics"),
            params={"method": method, "charset": "utf-8"},
        )
    if certificate is not None:
        msg.add_attachment(
            render_pdf(certificate),
            maintype="application",
            subtype="pdf",
            filename=f"sertifikat-{certificate.number}.pdf",
        )
    return msg


def calendar_file(
    facts: Facts, rendered: Rendered, parts: EmailParts, *, method: str, now: datetime
) -> bytes:
    session = facts.session
    contact = facts.contact
    assert session is not None and contact is not None and contact.email
    if session["change"] == "cancelled":
        method = "CANCEL"
    values = rendered.vars
    speakers = "; ".join(f"{s['name']} ({s['topic']})" for s in session["speakers"])
    description = "\n".join(
        line
        for line in (
            values["programme"]["benefit"] or "",
            f"Narasumber / Speakers: {speakers}" if speakers else "",
            session["online_url"] or "",
        )
        if line
    )
    organizer_name, organizer_email = parseaddr(parts.sender)
    return build_ics(
        CalendarEntry(
            uid=event_uid(session["session_id"], facts.delivery["recipient_nip"]),
            method=method,
            sequence=int(session["sequence"]),
            summary=str(values["programme"]["title"]),
            description=description,
            starts_at=session["starts_at"],
            ends_at=session["ends_at"],
            location=session["place"] or session["online_url"],
            url=session["online_url"],
            organizer_email=organizer_email or "no-reply@asn.local",
            organizer_name=organizer_name or parts.issuer,
            attendee_email=contact.email,
            attendee_name=str(values["name"]),
            stamp=now,
        )
    )


def whatsapp_parameters(kind: Kind, values: dict[str, Any]) -> list[str]:
    """The body parameters of each kind's approved template, in order ({{1}}, {{2}}, ...)."""
    programme = values["programme"]["title"]
    session = values["session"] or {}
    where = session.get("place") or session.get("online_url") or "-"
    if kind in SESSION_NOTICES:
        return [values["name"], programme, session.get("starts", "-"), where]
    if kind is Kind.NUDGE:
        return [values["name"], programme, values["nudge"] or ""]
    if kind is Kind.ESCALATION:
        return [values["name"], values["person_name"], programme, values["nudge"] or ""]
    certificate = values["certificate"] or {}
    return [values["name"], programme, certificate.get("jp", ""), certificate.get("verify_url", "")]


def channel_for(facts: Facts, *, whatsapp_on: bool) -> Channel:
    """The person's preferred channel when it can be used, else the other one."""
    contact = facts.contact
    if contact is None:
        raise PermanentFailure(f"{NO_ADDRESS} no contact details for this person")
    preferred = contact.channel
    if preferred is Channel.WHATSAPP and whatsapp_on and contact.mobile:
        return Channel.WHATSAPP
    if contact.email:
        return Channel.EMAIL
    if whatsapp_on and contact.mobile:
        return Channel.WHATSAPP
    raise PermanentFailure(
        f"{NO_ADDRESS} no usable address for this person (email, or WhatsApp when enabled)"
    )
