"""The day-before reminder: planned by a scheduled job for sessions starting tomorrow (WIB)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from asn_notifications.domain.messages import Kind, Planned, reminder_key
from asn_notifications.store import deliveries
from asn_notifications.store import readmodels as rm
from asn_platform.timezone import JAKARTA, to_jakarta
from asn_platform.uow import UnitOfWork


async def plan_reminders(uow: UnitOfWork, now: datetime) -> int:
    """Reminders for everyone enrolled in a session that starts tomorrow; the number planned
    (a session moved to another day is reminded again: its sequence is in the key)."""
    tomorrow = to_jakarta(now).date() + timedelta(days=1)
    start = datetime.combine(tomorrow, time(0), JAKARTA)
    rows = await rm.enrolled_starting_between(uow.conn, start, start + timedelta(days=1))
    planned = 0
    for row in rows:
        message = Planned(
            reminder_key(row["enrollment_id"], row["session_id"], row["sequence"]),
            Kind.REMINDER,
            row["nip"],
            {"session_id": row["session_id"], "enrollment_id": row["enrollment_id"]},
        )
        planned += await deliveries.plan(uow.conn, message, now=now, not_before=now)
    return planned
