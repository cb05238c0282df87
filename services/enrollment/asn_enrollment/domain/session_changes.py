"""What may happen to a session once opened: rescheduled or cancelled, never once it started.

Every change people hold in their invitation (times, place, link, speakers) raises the
session's sequence by one (the iCalendar SEQUENCE of the invitations people hold), so a reader
keeps the latest state by the highest sequence; a change of seats alone is not told.
"""

from __future__ import annotations

from datetime import datetime

from asn_enrollment.domain.catalogue import Session
from asn_enrollment.domain.lifecycle import FINAL_STATES
from asn_platform.vocabulary import EnrollmentStatus


class SessionChangeRefused(ValueError):
    """A change the session's state does not allow (a conflict, not bad input)."""

    code = "session_change_refused"

    def __init__(self, message_id: str, message_en: str) -> None:
        super().__init__(f"{message_id} ({message_en})")
        self.message_id = message_id
        self.message_en = message_en


class SessionCancelled(SessionChangeRefused):
    code = "session_cancelled"

    def __init__(self) -> None:
        super().__init__("sesi ini sudah dibatalkan", "this session is already cancelled")


class SessionStarted(SessionChangeRefused):
    code = "session_started"

    def __init__(self) -> None:
        super().__init__(
            "sesi ini sudah dimulai; jadwal dan pembatalannya tidak dapat diubah lagi",
            "this session has already started; it can no longer be rescheduled or cancelled",
        )


def check_changeable(*, cancelled: bool, starts_at: datetime, now: datetime) -> None:
    """Raise unless a session that starts at ``starts_at`` may still be rescheduled or
    cancelled at ``now``."""
    if cancelled:
        raise SessionCancelled()
    if starts_at <= now:
        raise SessionStarted()


def cancelled_with_session(status: EnrollmentStatus) -> bool:
    """Whether an enrollment ends as cancelled when its session is cancelled: every one that
    is not final yet (an invitation, a waitlist place, a seat)."""
    return status not in FINAL_STATES


def told_to_invitees(before: Session, after: Session) -> bool:
    """Whether a change of details is one the people invited must hear of (and their calendar
    entry be updated for): where, the link or who speaks; not the number of seats."""
    return (before.place, before.online_url, before.speakers) != (
        after.place,
        after.online_url,
        after.speakers,
    )
