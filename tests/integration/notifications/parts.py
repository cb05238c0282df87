"""Real parts for the notifications tests: an SMTP server (aiosmtpd) on a free port that keeps
what it receives, a WhatsApp Cloud API stand-in that checks each request's shape and answers
like the real API (errors included), a clock the tests move, and input events as enrollment
and recommendations publish them."""

from __future__ import annotations

import email
import email.policy
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from asn_devkit.embedded.processes import free_port
from asn_platform.contracts import EnrollmentChanged, TrainingCompleted
from asn_platform.contracts.enrollment import (
    CatalogueChange,
    ProgrammeCatalogueChanged,
    SessionChange,
    SessionChanged,
    SessionSpeaker,
)
from asn_platform.contracts.recommendations import NudgeRequested, NudgeTone
from asn_platform.timezone import JAKARTA
from asn_platform.vocabulary import EnrollmentStatus

_ids = itertools.count(1)


def uid(prefix: str) -> str:
    return f"{prefix}-{int(time.time() * 1000) % 10**8}-{next(_ids)}"


# -- a clock the tests move -----------------------------------------------------------------
class Clock:
    """Runs at the wall clock's pace from a moment the test sets (backoff still elapses)."""

    def __init__(self, start: datetime) -> None:
        self.set(start)

    def set(self, moment: datetime) -> None:
        self._base = moment
        self._t0 = time.monotonic()

    def __call__(self) -> datetime:
        return self._base + timedelta(seconds=time.monotonic() - self._t0)


TUESDAY_10 = datetime(2026, 10, 6, 10, 0, tzinfo=JAKARTA)  # a working day, working hours


# -- SMTP ------------------------------------------------------------------------------------
@dataclass
class Mailbox:
    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, raw: bytes) -> None:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        with self.lock:
            self.messages.append(msg)  # type: ignore[arg-type]

    def to(self, address: str, kind: str | None = None) -> list[EmailMessage]:
        with self.lock:
            return [
                m
                for m in self.messages
                if address in str(m["To"]) and (kind is None or m["X-ASN-Message-Kind"] == kind)
            ]


class _Catch:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.box.add(envelope.original_content or envelope.content)
        return "250 OK"


class SmtpServer:
    """aiosmtpd on a fixed port (so it can be stopped and started again on it)."""

    def __init__(self, box: Mailbox, port: int | None = None) -> None:
        self.box = box
        self.port = port or free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(_Catch(self.box), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


# -- WhatsApp Cloud API stand-in -------------------------------------------------------------
TOKEN = "test-whatsapp-token"
INVALID_SUFFIX = "0000"  # numbers ending so are "not on WhatsApp"
THROTTLED_SUFFIX = "4290"  # numbers ending so are rate limited once


def _error(
    code: int, message: str, kind: str = "OAuthException", details: str = ""
) -> dict[str, Any]:
    return {
        "error": {
            "message": message,
            "type": kind,
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": details},
            "error_subcode": 2494010,
            "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam",
        }
    }


def check_shape(body: Any) -> str | None:
    """What is wrong with a template message request, per the Cloud API; None when fine."""
    if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
        return "messaging_product must be whatsapp"
    if body.get("type") != "template" or not str(body.get("to", "")).isdigit():
        return "type must be template and to a number in digits"
    template = body.get("template") or {}
    if not template.get("name") or not (template.get("language") or {}).get("code"):
        return "template needs name and language.code"
    for component in template.get("components", []):
        if component.get("type") != "body":
            return "only body components are expected"
        for p in component.get("parameters", []):
            if p.get("type") != "text" or not isinstance(p.get("text"), str):
                return "parameters are {type: text, text: ...}"
    return None


@dataclass
class WhatsAppStandIn:
    requests: list[dict[str, Any]] = field(default_factory=list)
    throttled: set[str] = field(default_factory=set)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_port}/v21.0/1234567890/messages"

    def answer(self, auth: str, body: Any) -> tuple[int, dict[str, Any]]:
        if auth != f"Bearer {TOKEN}":
            return 401, _error(190, "Invalid OAuth access token.")
        problem = check_shape(body)
        if problem:
            return 400, _error(100, f"(#100) Invalid parameter: {problem}")
        to = body["to"]
        if to.endswith(INVALID_SUFFIX):
            return 400, _error(
                131026, "Message undeliverable", details="Recipient is not a WhatsApp user."
            )
        if to.endswith(THROTTLED_SUFFIX) and to not in self.throttled:
            self.throttled.add(to)
            return 429, _error(130429, "Rate limit hit", details="Cloud API message throughput")
        self.requests.append(body)
        return 200, {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": f"wamid.HBgL{len(self.requests):06d}"}],
        }

    def start(self) -> None:
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length))
                except ValueError:
                    body = None
                status, answer = stand_in.answer(self.headers.get("Authorization", ""), body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def to(self, number: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["to"] == number.lstrip("+")]


# -- input events ----------------------------------------------------------------------------
def programme(code: str, changed_at: datetime = TUESDAY_10) -> ProgrammeCatalogueChanged:
    return ProgrammeCatalogueChanged(
        code=code,
        title=f"Pelatihan Pelayanan Prima {code[-4:]}",
        kind="teknis",  # type: ignore[arg-type]
        competencies=["manajerial.pelayanan_publik", "manajerial.komunikasi"],
        jp=24,
        benefit_id="Melayani warga dengan lebih ramah sehingga keluhan berkurang.",
        benefit_en="Serve citizens more kindly, so complaints fall.",
        default_capacity=30,
        days=3,
        active=True,
        change=CatalogueChange.CREATED,
        changed_at=changed_at,
    )


def session(
    session_id: str,
    code: str,
    *,
    sequence: int = 0,
    change: SessionChange = SessionChange.OPENED,
    starts_at: datetime | None = None,
    reason: str | None = None,
) -> SessionChanged:
    start = starts_at or datetime(2026, 10, 20, 8, 0, tzinfo=JAKARTA)
    return SessionChanged(
        session_id=session_id,
        programme_code=code,
        change=change,
        sequence=sequence,
        starts_at=start,
        ends_at=start + timedelta(days=2, hours=8),
        place="Aula BKPSDM, Jl. Maruga Raya No. 1, Serua, Ciputat",
        online_url=None,
        capacity=30,
        speakers=[SessionSpeaker(name="Dr. Rina Kusuma, M.Si.", topic="Standar pelayanan")],
        reason=reason,
        changed_at=TUESDAY_10 + timedelta(minutes=sequence),
    )


def enrollment(
    enrollment_id: str,
    nip: str,
    code: str,
    session_id: str,
    status: EnrollmentStatus,
    previous: EnrollmentStatus | None = None,
    minutes: int = 0,
) -> EnrollmentChanged:
    return EnrollmentChanged(
        enrollment_id=enrollment_id,
        nip=nip,
        programme_code=code,
        session_id=session_id,
        status=status,
        previous_status=previous,
        changed_at=TUESDAY_10 + timedelta(minutes=minutes),
    )


def nudge(
    nip: str, code: str, attempt: int, *, supervisor_nip: str | None = None
) -> NudgeRequested:
    return NudgeRequested(
        nip=nip,
        programme_code=code,
        attempt=attempt,
        include_supervisor=supervisor_nip is not None,
        supervisor_nip=supervisor_nip,
        message_id="Pelatihan ini membantu Anda melayani warga dengan lebih ramah.",
        message_en="This training helps you serve citizens more kindly.",
        tone=NudgeTone.FIRM if supervisor_nip else NudgeTone.GENTLE,
        requested_at=TUESDAY_10,
    )


def completed(enrollment_id: str, nip: str, code: str, session_id: str) -> TrainingCompleted:
    return TrainingCompleted(
        enrollment_id=enrollment_id,
        nip=nip,
        unit_id="disdukcapil",
        programme_code=code,
        programme_kind="teknis",  # type: ignore[arg-type]
        competencies=["manajerial.pelayanan_publik"],
        jp_credited=24,
        completed_at=datetime(2026, 10, 22, 16, 0, tzinfo=JAKARTA),
        session_id=session_id,
    )


def attachments(msg: EmailMessage, content_type: str) -> list[bytes]:
    return [
        part.get_content() if isinstance(part.get_content(), bytes) else part.get_content().encode()
        for part in msg.iter_attachments()
        if part.get_content_type() == content_type
    ]


Check = Callable[[], Any]
