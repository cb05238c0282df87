"""Wall-clock helpers: the platform's times are Asia/Jakarta (WIB, UTC+7)."""

from datetime import datetime
from zoneinfo import ZoneInfo

JAKARTA = ZoneInfo("Asia/Jakarta")


def now_jakarta() -> datetime:
    return datetime.now(JAKARTA)


def to_jakarta(moment: datetime) -> datetime:
    """Convert an aware datetime to WIB; naive datetimes are refused, not guessed."""
    if moment.tzinfo is None:
        raise ValueError("datetime must carry a timezone (use Asia/Jakarta or UTC)")
    return moment.astimezone(JAKARTA)
