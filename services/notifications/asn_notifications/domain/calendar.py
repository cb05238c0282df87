"""iCalendar (RFC 5545) invitations: one stable UID per session and person, the session's
sequence as SEQUENCE, METHOD:REQUEST for an invitation or change and METHOD:CANCEL."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from icalendar import Calendar, Event, Timezone, vCalAddress, vText

from asn_platform.timezone import JAKARTA, to_jakarta

PRODID = "-//Pemkot Tangerang Selatan//Platform Pengembangan ASN//ID"
UID_DOMAIN = "asn.tangerangselatankota.go.id"


def event_uid(session_id: str, nip: str) -> str:
    """Stable per session and person, without the NIP in clear (it travels in mail)."""
    digest = hashlib.sha256(f"{session_id}\x00{nip}".encode()).hexdigest()[:24]
    return f"{session_id}-{digest}@{UID_DOMAIN}"


@dataclass(frozen=True, slots=True)
class CalendarEntry:
    uid: str
    method: str  # REQUEST | CANCEL
    sequence: int
    summary: str
    description: str
    starts_at: datetime
    ends_at: datetime
    location: str | None
    url: str | None
    organizer_email: str
    organizer_name: str
    attendee_email: str
    attendee_name: str
    stamp: datetime


@cache
def _jakarta_vtimezone() -> Timezone:
    # Computed from the tz database once: icalendar takes ~0.1 s to derive it.
    return Timezone.from_tzid("Asia/Jakarta")


def build_ics(entry: CalendarEntry) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", entry.method)
    event = Event()
    event.add("uid", entry.uid)
    event.add("sequence", entry.sequence)
    event.add("dtstamp", entry.stamp.astimezone(JAKARTA))
    # Times in Asia/Jakarta: icalendar writes TZID=Asia/Jakarta; the VTIMEZONE it refers to
    # is added below.
    event.add("dtstart", to_jakarta(entry.starts_at))
    event.add("dtend", to_jakarta(entry.ends_at))
    event.add("summary", entry.summary)
    event.add("description", entry.description)
    if entry.location:
        event.add("location", entry.location)
    if entry.url:
        event.add("url", entry.url)
    event.add("status", "CANCELLED" if entry.method == "CANCEL" else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{entry.organizer_email}")
    organizer.params["cn"] = vText(entry.organizer_name)
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{entry.attendee_email}")
    attendee.params["cn"] = vText(entry.attendee_name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["rsvp"] = vText("FALSE")
    event.add("attendee", attendee)
    cal.add_component(_jakarta_vtimezone())
    cal.add_component(event)
    return bytes(cal.to_ical())
