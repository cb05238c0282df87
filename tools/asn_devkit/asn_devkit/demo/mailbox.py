"""The demo's messages: the cohort's contacts imported into notifications (CSV, as an operator
would), and what reached the local mailbox (the mail catcher `./dev run` starts).

The addresses are made up from the roster's names under ``example`` (reserved by RFC 2606), so
nothing reaches a real person even when ``ASN_SMTP_HOST`` points at a real relay.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from asn_devkit.demo.client import Api, DemoError, Json

DEMO_MAIL_DOMAIN = "tangsel.example"
CSV_HEADER = "nip,email,mobile,channel,lang,nudge_opt_out"
# What the demo's loop must put in the mailbox: every cohort member's invitation, each
# completion's notice (certificate attached), the decliner's nudge (unless quiet hours hold it).
KINDS = ("invitation", "confirmation", "completion", "nudge")


def demo_email(name: str, nip: str) -> str:
    """ASCII first.last@tangsel.example from the name, the NIP's last four digits to keep two
    people of the same name apart."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = re.findall(r"[a-z0-9]+", ascii_name.split(",")[0])  # titles after a comma dropped
    return f"{'.'.join(words) or 'asn'}.{nip[-4:]}@{DEMO_MAIL_DOMAIN}"


@dataclass
class ContactsImport:
    people: int  # rows in the CSV
    imported: int
    rejected: int
    addresses: dict[str, str]  # NIP -> email


def contacts_csv(roster: Mapping[str, Json]) -> tuple[str, dict[str, str]]:
    addresses = {nip: demo_email(p["name"], nip) for nip, p in sorted(roster.items())}
    rows = [f"{nip},{email},,email,id,false" for nip, email in addresses.items()]
    return "\n".join([CSV_HEADER, *rows]) + "\n", addresses


def import_contacts(api: Api, roster: Mapping[str, Json]) -> ContactsImport:
    """POST /api/v1/contacts/import (text/csv) with every active person's work email.

    Repeating it stores the same values again and sends nothing (a contact only makes messages
    that failed for want of an address due again)."""
    active = {nip: p for nip, p in roster.items() if p.get("active", True)}
    text, addresses = contacts_csv(active)
    result = api.call(
        "notifications",
        "POST",
        "/api/v1/contacts/import",
        content=text.encode(),
        headers={"Content-Type": "text/csv; charset=utf-8"},
    )
    if result["rejected"]:
        raise DemoError(
            "notifications",
            f"contacts import: {result['rejected']} row(s) refused: {result['bad_rows'][:3]}",
        )
    return ContactsImport(len(active), int(result["imported"]), 0, addresses)


# --- what arrived -------------------------------------------------------------------------------


@dataclass
class Mailbox:
    """The mail catcher's messages to the demo's addresses."""

    messages: list[Json]  # number, to, subject, kind, message_id, attachments
    held: list[Json] = field(default_factory=list)  # nudges held by quiet hours, or skipped

    def of_kind(self, kind: str) -> list[Json]:
        return [m for m in self.messages if m["kind"] == kind]

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(m["kind"] for m in self.messages))

    @property
    def duplicates(self) -> list[str]:
        """Message-IDs seen more than once (each message's id is derived from what it is
        about, so the same message sent twice would show here)."""
        seen = Counter(m["message_id"] for m in self.messages)
        return sorted(mid for mid, n in seen.items() if n > 1)

    def with_attachment(self, kind: str, suffix: str) -> int:
        return sum(
            1 for m in self.of_kind(kind) if any(a.endswith(suffix) for a in m["attachments"])
        )


def mail_messages(api: Api, addresses: Iterable[str]) -> list[Json] | None:
    """The catcher's messages to these addresses; None when no catcher answers (a real relay)."""
    wanted = {a.lower() for a in addresses}
    try:
        response = api.request("mail", "GET", "/api/messages")
    except DemoError:
        return None
    if response.status_code != 200:
        return None
    items: list[Json] = response.json()["items"]
    return [m for m in items if _address(m["to"]) in wanted]


def _address(to: str) -> str:
    return to.rpartition("<")[2].rstrip(">").strip().lower()


def held_nudges(api: Api, nip: str, now: datetime) -> list[Json]:
    """The person's nudges that will not arrive now: held for quiet hours (due later, WIB) or
    skipped with a reason (the weekly cap, an opt-out)."""
    rows: list[Json] = api.get("notifications", f"/api/v1/asn/{nip}/messages")["items"]
    return [
        r
        for r in rows
        if r["kind"] == "nudge"
        and (
            r["status"] == "skipped"
            or (r["status"] == "pending" and datetime.fromisoformat(r["not_before"]) > now)
        )
    ]


@dataclass(frozen=True)
class Expected:
    """What the loop sent, per kind: the addresses each must reach."""

    invitation: Sequence[str]
    confirmation: Sequence[str]
    completion: Sequence[str]
    nudge: str  # the decliner's address
    nudge_nip: str

    def missing(self, box: Mailbox, nudge_held: bool) -> list[str]:
        out = []
        for kind in ("invitation", "confirmation", "completion"):
            got = Counter(_address(m["to"]) for m in box.of_kind(kind))
            out += [f"{kind} -> {a}" for a in getattr(self, kind) if not got[a.lower()]]
        if not nudge_held and not any(
            _address(m["to"]) == self.nudge for m in box.of_kind("nudge")
        ):
            out.append(f"nudge -> {self.nudge}")
        return out


def wait_for_mail(api: Api, expected: Expected, addresses: Iterable[str]) -> Mailbox | None:
    """Until every expected message is in the mailbox (the sender works every second or so);
    None when there is no mail catcher to read."""
    wanted = list(addresses)
    if mail_messages(api, wanted) is None:
        return None

    def probe() -> Mailbox | None:
        messages = mail_messages(api, wanted) or []
        held = held_nudges(api, expected.nudge_nip, datetime.now().astimezone())
        box = Mailbox(messages, held)
        return None if expected.missing(box, bool(held)) else box

    def what() -> str:
        box = Mailbox(mail_messages(api, wanted) or [])
        return ", ".join(expected.missing(box, False)[:5])

    try:
        return api.wait_until(
            "notifications",
            api.t("pesan sampai di kotak surat lokal", "messages reaching the local mailbox"),
            probe,
        )
    except DemoError as err:
        err.message += api.t(f" Belum sampai: {what()}.", f" Not arrived: {what()}.")
        raise
