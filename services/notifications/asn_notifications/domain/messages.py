"""What is sent, to whom, and under which key (a redelivered event plans nothing twice)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from asn_platform.vocabulary import EnrollmentStatus


class Kind(StrEnum):
    INVITATION = "invitation"
    CONFIRMATION = "confirmation"
    REMINDER = "reminder"
    RESCHEDULED = "rescheduled"
    CANCELLED = "cancelled"
    NUDGE = "nudge"
    ESCALATION = "escalation"
    COMPLETION = "completion"


# Notices about a session the person is in: never held by quiet hours, caps or an opt-out.
SESSION_NOTICES = frozenset(
    {Kind.INVITATION, Kind.CONFIRMATION, Kind.REMINDER, Kind.RESCHEDULED, Kind.CANCELLED}
)
PERSUASION = frozenset({Kind.NUDGE, Kind.ESCALATION})
# Messages that carry an iCalendar file, and its METHOD.
CALENDAR_METHOD: dict[Kind, str] = {
    Kind.INVITATION: "REQUEST",
    Kind.CONFIRMATION: "REQUEST",
    Kind.RESCHEDULED: "REQUEST",
    Kind.CANCELLED: "CANCEL",
}
# People in a session: they hear about its changes.
IN_SESSION = frozenset({EnrollmentStatus.INVITED, EnrollmentStatus.ENROLLED})


class Status(StrEnum):
    PENDING = "pending"  # due at not_before
    SENDING = "sending"  # claimed by a sender until its lease ends
    SENT = "sent"
    FAILED = "failed"  # permanently, with the reason
    SKIPPED = "skipped"  # decided not to send (opt-out, weekly cap), with the reason


UNDELIVERED = (Status.PENDING, Status.SENDING, Status.FAILED)
# How a failure for want of an address begins: a new or changed contact makes those due again.
NO_ADDRESS = "no address:"


@dataclass(frozen=True, slots=True)
class Planned:
    """One message to one person; ``key`` is unique across the delivery table."""

    key: str
    kind: Kind
    recipient_nip: str
    payload: dict[str, Any] = field(default_factory=dict)


def enrollment_notice(status: EnrollmentStatus) -> Kind | None:
    """The message an enrollment's new status causes, if any (a decline causes none here:
    the recommendations service answers it with a nudge)."""
    return {
        EnrollmentStatus.INVITED: Kind.INVITATION,
        EnrollmentStatus.ENROLLED: Kind.CONFIRMATION,
        EnrollmentStatus.CANCELLED: Kind.CANCELLED,
    }.get(status)


def enrollment_key(kind: Kind, enrollment_id: str, session_id: str) -> str:
    return f"{kind.value}/{enrollment_id}/{session_id}"


def session_change_key(kind: Kind, session_id: str, sequence: int, nip: str) -> str:
    return f"{kind.value}/{session_id}/{sequence}/{nip}"


def reminder_key(enrollment_id: str, session_id: str, sequence: int) -> str:
    return f"{Kind.REMINDER.value}/{enrollment_id}/{session_id}/{sequence}"


def nudge_keys(
    nip: str, programme_code: str, attempt: int, supervisor_nip: str | None
) -> tuple[str, str | None]:
    base = f"{programme_code}/{attempt}/{nip}"
    escalation = f"{Kind.ESCALATION.value}/{base}/{supervisor_nip}" if supervisor_nip else None
    return f"{Kind.NUDGE.value}/{base}", escalation


def completion_key(enrollment_id: str) -> str:
    return f"{Kind.COMPLETION.value}/{enrollment_id}"


def persuasion_refusal(*, opted_out: bool, sent_this_week: int, weekly_cap: int) -> str | None:
    """Why a nudge must not be sent, or None: the person said no, or the week's cap is used."""
    if opted_out:
        return "opted_out"
    if sent_this_week >= weekly_cap:
        return "weekly_cap"
    return None
