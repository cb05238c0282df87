"""The enrollment state machine, seat allocation and the no-double-booking rule.

invited -> enrolled | declined (reason) | waitlisted (full when accepting)
waitlisted -> enrolled (promotion) | cancelled | declined (reason)
enrolled -> cancelled | attended | no_show
attended -> completed (score 0..100)
Attendance, no-show and completion record what happened at a session, so none of them may be
marked before the session has started (``check_started``, with the time passed in).
declined, cancelled, no_show and completed are final. A decline always carries a reason because
resistance is answered by persuasion (docs/domain.md), which needs to know why.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

from asn_enrollment.domain.bilingual import bilingual
from asn_platform.vocabulary import EnrollmentStatus

S = EnrollmentStatus

TRANSITIONS: dict[EnrollmentStatus, frozenset[EnrollmentStatus]] = {
    S.INVITED: frozenset({S.ENROLLED, S.DECLINED, S.WAITLISTED}),
    S.WAITLISTED: frozenset({S.ENROLLED, S.CANCELLED, S.DECLINED}),
    S.ENROLLED: frozenset({S.CANCELLED, S.ATTENDED, S.NO_SHOW}),
    S.ATTENDED: frozenset({S.COMPLETED}),
    S.DECLINED: frozenset(),
    S.CANCELLED: frozenset(),
    S.NO_SHOW: frozenset(),
    S.COMPLETED: frozenset(),
}
FINAL_STATES = frozenset(s for s, targets in TRANSITIONS.items() if not targets)

# Statuses that hold the person's time: a new session overlapping one of these is refused.
# An open invitation does not block; the person may still choose between two offers.
BOOKING_STATUSES = frozenset({S.ENROLLED, S.WAITLISTED, S.ATTENDED})

MIN_SCORE, MAX_SCORE = 0, 100

# What only a session that has begun can tell: who came, who did not, who passed.
NEEDS_STARTED_SESSION = frozenset({S.ATTENDED, S.NO_SHOW, S.COMPLETED})


class TransitionError(ValueError):
    """A status change was refused; the message is Indonesian first, then English."""


class IllegalTransition(TransitionError):
    def __init__(self, from_state: EnrollmentStatus, to_state: EnrollmentStatus) -> None:
        self.from_state = from_state
        self.to_state = to_state
        self.allowed = tuple(sorted(TRANSITIONS[from_state]))
        allowed_id = ", ".join(self.allowed) or "tidak ada (status akhir)"
        allowed_en = ", ".join(self.allowed) or "none (final state)"
        super().__init__(
            bilingual(
                f"perubahan status dari '{from_state}' ke '{to_state}' tidak diizinkan; "
                f"yang diizinkan: {allowed_id}",
                f"transition from '{from_state}' to '{to_state}' is not allowed; "
                f"allowed: {allowed_en}",
            )
        )


class MissingReason(TransitionError):
    def __init__(self) -> None:
        super().__init__(
            bilingual("alasan menolak wajib diisi", "a reason for declining is required")
        )


class InvalidScore(TransitionError):
    def __init__(self) -> None:
        super().__init__(
            bilingual(
                f"nilai kelulusan wajib diisi, {MIN_SCORE}-{MAX_SCORE}",
                f"a completion score {MIN_SCORE}-{MAX_SCORE} is required",
            )
        )


class SessionNotStarted(TransitionError):
    def __init__(self, target: EnrollmentStatus, starts_at: datetime) -> None:
        self.target = target
        self.starts_at = starts_at
        super().__init__(
            bilingual(
                f"status '{target}' hanya dapat dicatat setelah sesi dimulai",
                f"'{target}' can only be recorded once the session has started",
            )
        )


def check_started(target: EnrollmentStatus, starts_at: datetime, now: datetime) -> None:
    """Raise SessionNotStarted for attendance, no-show or completion before ``starts_at``."""
    if target in NEEDS_STARTED_SESSION and now < starts_at:
        raise SessionNotStarted(target, starts_at)


def allowed_targets(current: EnrollmentStatus) -> frozenset[EnrollmentStatus]:
    return TRANSITIONS[current]


def check_transition(
    current: EnrollmentStatus,
    target: EnrollmentStatus,
    *,
    reason: str | None = None,
    score: int | None = None,
) -> None:
    """Raise IllegalTransition, MissingReason or InvalidScore; return None when allowed."""
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(current, target)
    if target is S.DECLINED and not (reason and reason.strip()):
        raise MissingReason()
    if target is S.COMPLETED and (
        score is None or isinstance(score, bool) or not MIN_SCORE <= score <= MAX_SCORE
    ):
        raise InvalidScore()


@dataclass(frozen=True, slots=True)
class Enrollment:
    """One person's place in one session, as the state machine sees it."""

    nip: str
    session_id: str
    status: EnrollmentStatus
    changed_at: datetime  # when the current status was entered
    waitlisted_at: datetime | None = None  # queue position; kept once set
    reason: str | None = None  # why declined or cancelled
    score: int | None = None  # learning score (Kirkpatrick level 2), on completion


def invite(nip: str, session_id: str, at: datetime) -> Enrollment:
    return Enrollment(nip, session_id, S.INVITED, at)


def advance(
    enrollment: Enrollment,
    target: EnrollmentStatus,
    at: datetime,
    *,
    reason: str | None = None,
    score: int | None = None,
) -> Enrollment:
    """The enrollment after a checked status change (raises TransitionError if refused)."""
    check_transition(enrollment.status, target, reason=reason, score=score)
    return Enrollment(
        nip=enrollment.nip,
        session_id=enrollment.session_id,
        status=target,
        changed_at=at,
        waitlisted_at=at if target is S.WAITLISTED else enrollment.waitlisted_at,
        reason=reason.strip() if reason and reason.strip() else enrollment.reason,
        score=score if target is S.COMPLETED else enrollment.score,
    )


def decide_accept(capacity: int, enrolled_count: int) -> EnrollmentStatus:
    """Where an accepted invitation goes: a seat if one is free, else the waitlist.

    ``enrolled_count`` is the seats already taken (enrolled or attended).
    """
    if capacity < 1:
        raise ValueError(bilingual("kapasitas minimal 1", "capacity must be at least 1"))
    if enrolled_count < 0:
        raise ValueError(bilingual("jumlah peserta negatif", "negative enrolled count"))
    return S.ENROLLED if enrolled_count < capacity else S.WAITLISTED


def accept(enrollment: Enrollment, capacity: int, enrolled_count: int, at: datetime) -> Enrollment:
    """Accept an invitation: enrolled when a seat is free, otherwise waitlisted."""
    return advance(enrollment, decide_accept(capacity, enrolled_count), at)


def free_seats(capacity: int, taken: int) -> int:
    """Seats left; never negative, even when capacity was lowered below the seats taken."""
    return max(0, capacity - taken)


class Queued(Protocol):
    @property
    def waitlisted_at(self) -> datetime | None: ...


Q = TypeVar("Q", bound=Queued)


def promote_from_waitlist(waitlist: Iterable[Q], free_seats: int) -> list[Q]:
    """Who moves from the waitlist to a seat, in order: first come, first served.

    Sorted by waitlisted_at (stable, so ties keep the given order); entries without a
    waitlisted_at are refused rather than guessed at.
    """
    keyed: list[tuple[datetime, Q]] = []
    for entry in waitlist:
        at = entry.waitlisted_at
        if at is None:
            raise ValueError(
                bilingual(
                    "antrean tanpa waktu masuk daftar tunggu", "waitlist entry without a time"
                )
            )
        keyed.append((at, entry))
    if free_seats <= 0:
        return []
    keyed.sort(key=lambda pair: pair[0])
    return [entry for _, entry in keyed[:free_seats]]


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open intervals [start, end): one ending exactly when the other starts is no clash."""
    for start, end in ((a_start, a_end), (b_start, b_end)):
        if end <= start:
            raise ValueError(bilingual("selesai harus setelah mulai", "end must be after start"))
    return a_start < b_end and b_start < a_end


@dataclass(frozen=True, slots=True)
class Booking:
    """One of a person's existing enrollments, seen as a block of time."""

    ref: str  # the enrollment or session id, to tell the person what clashes
    starts_at: datetime
    ends_at: datetime
    status: EnrollmentStatus


def find_conflict(
    starts_at: datetime, ends_at: datetime, bookings: Sequence[Booking]
) -> Booking | None:
    """The earliest booking that blocks [starts_at, ends_at), or None if the time is free.

    Only enrolled, waitlisted and attended bookings block; invitations and final states do not.
    """
    clashes = [
        booking
        for booking in bookings
        if booking.status in BOOKING_STATUSES
        and overlaps(starts_at, ends_at, booking.starts_at, booking.ends_at)
    ]
    return min(clashes, key=lambda booking: booking.starts_at, default=None)


def jp_credit(programme_jp: int, status: EnrollmentStatus) -> int:
    """JP credited for an enrollment: the programme's JP on completion, nothing otherwise."""
    if programme_jp < 1:
        raise ValueError(bilingual("JP program harus positif", "programme JP must be positive"))
    return programme_jp if status is S.COMPLETED else 0
