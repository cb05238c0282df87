"""Resistance to change: persuade, remind, involve the supervisor, never fail silently.

Each decline or no-show may earn a reminder that explains what the programme gives this
person in their position (the catalogue's benefit text), up to the policy's limit. After the
configured number of declines/no-shows the supervisor is copied, framed as help to make time,
not as a complaint. When the reminders are used up the answer is an explicit LimitReached:
the supervisor and the HR office take it from there, so nobody just drops out of sight.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from asn_platform.vocabulary import PositionType
from asn_recommendations.domain.catalogue import ProgrammeInfo
from asn_recommendations.domain.facts import LearningRecord, StaffProfile
from asn_recommendations.domain.formatting import format_date_en, format_date_id
from asn_recommendations.domain.rules import NudgePolicy, Tone


class NonAttendanceKind(StrEnum):
    DECLINED = "declined"
    NO_SHOW = "no_show"


@dataclass(frozen=True, slots=True)
class NonAttendance:
    kind: NonAttendanceKind
    on: date


class Insistence(StrEnum):
    """How insistent a reminder is (values match the nudge-requested event's tone); separate
    from Tone, which is the register (ramah/formal) the HR office chose for all messages."""

    GENTLE = "gentle"  # first reminder: inform about the benefit
    ENCOURAGING = "encouraging"  # later reminders: remind and encourage
    FIRM = "firm"  # the last reminder before escalation


def insistence_of(reminder_number: int, max_reminders: int) -> Insistence:
    if reminder_number <= 1:
        return Insistence.GENTLE
    if reminder_number >= max_reminders:
        return Insistence.FIRM
    return Insistence.ENCOURAGING


@dataclass(frozen=True, slots=True)
class Nudge:
    nip: str
    programme_code: str
    reminder_number: int  # 1-based: this is reminder n of max_reminders
    max_reminders: int
    include_supervisor: bool
    supervisor_nip: str | None
    copy_to_hr: bool  # the supervisor should be involved but none is known
    tone: Tone
    message_id: str
    message_en: str

    @property
    def insistence(self) -> Insistence:
        return insistence_of(self.reminder_number, self.max_reminders)


@dataclass(frozen=True, slots=True)
class LimitReached:
    """Reminders are used up: escalate to the supervisor and the HR office (BKPSDM)."""

    nip: str
    programme_code: str
    reminders_sent: int
    non_attendances: int
    supervisor_nip: str | None
    notify_hr: bool  # always True: the HR office owns what happens next
    message_id: str  # addressed to the supervisor / HR office
    message_en: str


class NoNudgeReason(StrEnum):
    NOTHING_DECLINED = "nothing_declined"
    COMPLETED = "completed"  # completed the programme meanwhile
    INACTIVE = "inactive"


@dataclass(frozen=True, slots=True)
class NoNudgeNeeded:
    nip: str
    programme_code: str
    reason: NoNudgeReason


NudgeDecision = Nudge | LimitReached | NoNudgeNeeded

_POSITION_ID = {
    PositionType.PELAKSANA: "Sebagai pelaksana yang setiap hari melayani warga secara langsung, "
    "{you} akan langsung merasakan manfaatnya dalam pekerjaan sehari-hari.",
    PositionType.FUNGSIONAL: "Sebagai pejabat fungsional, program ini menambah keahlian {you} "
    "dan tercatat dalam pengembangan karier {you}.",
    PositionType.STRUKTURAL: "Sebagai pimpinan, kehadiran {you} menjadi teladan bagi tim dan "
    "membantu unit memperbaiki layanan.",
}
_POSITION_EN = {
    PositionType.PELAKSANA: "As front-line staff who serve citizens every day, you will feel "
    "the benefit in your daily work.",
    PositionType.FUNGSIONAL: "As a functional official, this programme adds to your expertise "
    "and counts towards your career development.",
    PositionType.STRUKTURAL: "As a leader, your attendance sets an example for your team and "
    "helps the unit improve its service.",
}


def decide_nudge(
    person: StaffProfile,
    programme: ProgrammeInfo,
    history: Sequence[NonAttendance],
    *,
    reminders_sent: int,
    policy: NudgePolicy,
    record: LearningRecord | None = None,
    next_session_day: date | None = None,
) -> NudgeDecision:
    """What to do after `person` declined or missed `programme` (`history`: all such events
    for this person and programme; `reminders_sent`: reminders already sent for it)."""
    if reminders_sent < 0:
        raise ValueError("reminders_sent must not be negative")
    if record is not None and record.has_completed(programme.code):
        return NoNudgeNeeded(person.nip, programme.code, NoNudgeReason.COMPLETED)
    if not person.active:
        return NoNudgeNeeded(person.nip, programme.code, NoNudgeReason.INACTIVE)
    if not history:
        return NoNudgeNeeded(person.nip, programme.code, NoNudgeReason.NOTHING_DECLINED)

    count = len(history)
    if reminders_sent >= policy.max_per_programme:
        return LimitReached(
            nip=person.nip,
            programme_code=programme.code,
            reminders_sent=reminders_sent,
            non_attendances=count,
            supervisor_nip=person.supervisor_nip,
            notify_hr=True,
            message_id=(
                f"{person.name} (NIP {person.nip}) sudah {count} kali menolak atau tidak hadir "
                f"pada {programme.title} dan telah menerima {reminders_sent} pengingat. Mohon "
                "atasan langsung dan BKPSDM membicarakannya secara langsung, termasuk kendala "
                "yang mungkin dihadapi."
            ),
            message_en=(
                f"{person.name} (NIP {person.nip}) has declined or missed {programme.title} "
                f"{count} time(s) and has had {reminders_sent} reminder(s). The supervisor and "
                "the HR office should talk with them in person, including about any obstacles."
            ),
        )

    include_supervisor = count >= policy.supervisor_after_declines
    number = reminders_sent + 1
    text_id, text_en = _message(
        person,
        programme,
        policy.tone,
        number,
        policy.max_per_programme,
        include_supervisor,
        next_session_day,
    )
    return Nudge(
        nip=person.nip,
        programme_code=programme.code,
        reminder_number=number,
        max_reminders=policy.max_per_programme,
        include_supervisor=include_supervisor,
        supervisor_nip=person.supervisor_nip if include_supervisor else None,
        copy_to_hr=include_supervisor and person.supervisor_nip is None,
        tone=policy.tone,
        message_id=text_id,
        message_en=text_en,
    )


def _message(
    person: StaffProfile,
    programme: ProgrammeInfo,
    tone: Tone,
    number: int,
    limit: int,
    include_supervisor: bool,
    next_session_day: date | None,
) -> tuple[str, str]:
    formal = tone is Tone.FORMAL
    you = "Bapak/Ibu" if formal else "Anda"
    if formal:
        opening_id = (
            f"Yth. {person.name}, dengan hormat kami mengundang Bapak/Ibu kembali "
            f"untuk mengikuti {programme.title} ({programme.jp} JP)."
        )
        opening_en = (
            f"Dear {person.name}, we respectfully invite you again to attend "
            f"{programme.title} ({programme.jp} JP)."
        )
    else:
        opening_id = (
            f"Halo {person.name}, kami masih menyimpan tempat untuk Anda di "
            f"{programme.title} ({programme.jp} JP)."
        )
        opening_en = (
            f"Hi {person.name}, we are still holding a place for you in "
            f"{programme.title} ({programme.jp} JP)."
        )
    parts_id = [
        opening_id,
        f"Manfaatnya: {programme.benefit_id}",
        _POSITION_ID[person.position_type].format(you=you),
    ]
    parts_en = [
        opening_en,
        f"What you gain: {programme.benefit_en}",
        _POSITION_EN[person.position_type],
    ]
    if next_session_day is not None:
        parts_id.append(f"Sesi berikutnya dimulai {format_date_id(next_session_day)}.")
        parts_en.append(f"The next session starts on {format_date_en(next_session_day)}.")
    if include_supervisor:
        parts_id.append(
            f"Pesan ini juga kami sampaikan kepada atasan langsung {you} agar "
            "dapat membantu mengatur waktu dan pekerjaan."
        )
        parts_en.append(
            "We are also sharing this with your direct supervisor, so they can "
            "help free up your time."
        )
    parts_id.append(f"(Pengingat ke-{number} dari {limit}.)")
    parts_en.append(f"(Reminder {number} of {limit}.)")
    return " ".join(parts_id), " ".join(parts_en)
