"""Nudges: persuade with the programme's benefit, copy the supervisor after N declines,
escalate explicitly when reminders run out."""

from __future__ import annotations

from datetime import date

import pytest

from asn_platform.vocabulary import PositionType
from asn_recommendations.domain.nudges import (
    Insistence,
    LimitReached,
    NonAttendance,
    NonAttendanceKind,
    NoNudgeNeeded,
    NoNudgeReason,
    Nudge,
    decide_nudge,
)
from asn_recommendations.domain.rules import NudgePolicy, Tone
from tests.unit.recommendations.builders import CATALOGUE, nip, person, record

PLP = CATALOGUE["PLP-PRIMA"]
POLICY = NudgePolicy(max_per_programme=3, supervisor_after_declines=2, tone=Tone.RAMAH)


def declines(n: int) -> list[NonAttendance]:
    kinds = [NonAttendanceKind.DECLINED, NonAttendanceKind.NO_SHOW]
    return [NonAttendance(kinds[i % 2], date(2026, 10, 1 + i)) for i in range(n)]


def test_first_decline_gets_a_friendly_reminder_with_the_benefit() -> None:
    decision = decide_nudge(
        person(1),
        PLP,
        declines(1),
        reminders_sent=0,
        policy=POLICY,
        next_session_day=date(2026, 11, 2),
    )
    assert isinstance(decision, Nudge)
    assert (decision.reminder_number, decision.max_reminders) == (1, 3)
    assert not decision.include_supervisor and decision.supervisor_nip is None
    assert decision.message_id.startswith("Halo Pegawai 1, kami masih menyimpan tempat")
    assert PLP.benefit_id in decision.message_id
    assert PLP.benefit_en in decision.message_en
    assert "Sebagai pelaksana" in decision.message_id
    assert "2 November 2026" in decision.message_id
    assert decision.message_id.endswith("(Pengingat ke-1 dari 3.)")
    assert decision.message_en.endswith("(Reminder 1 of 3.)")


@pytest.mark.parametrize(
    ("position", "phrase"),
    [
        (PositionType.PELAKSANA, "Sebagai pelaksana"),
        (PositionType.FUNGSIONAL, "Sebagai pejabat fungsional"),
        (PositionType.STRUKTURAL, "Sebagai pimpinan"),
    ],
)
def test_message_speaks_to_the_position(position: PositionType, phrase: str) -> None:
    decision = decide_nudge(person(1, position), PLP, declines(1), reminders_sent=0, policy=POLICY)
    assert isinstance(decision, Nudge) and phrase in decision.message_id


def test_supervisor_included_after_two_declines_or_no_shows() -> None:
    decision = decide_nudge(person(1), PLP, declines(2), reminders_sent=1, policy=POLICY)
    assert isinstance(decision, Nudge)
    assert decision.include_supervisor and decision.supervisor_nip == nip(900)
    assert not decision.copy_to_hr
    assert "atasan langsung Anda" in decision.message_id
    no_boss = decide_nudge(
        person(1, supervisor=None), PLP, declines(2), reminders_sent=1, policy=POLICY
    )
    assert isinstance(no_boss, Nudge) and no_boss.copy_to_hr


def test_formal_tone() -> None:
    formal = NudgePolicy(tone=Tone.FORMAL)
    decision = decide_nudge(person(1), PLP, declines(2), reminders_sent=0, policy=formal)
    assert isinstance(decision, Nudge) and decision.tone is Tone.FORMAL
    assert decision.message_id.startswith("Yth. Pegawai 1, dengan hormat")
    assert "atasan langsung Bapak/Ibu" in decision.message_id
    assert decision.message_en.startswith("Dear Pegawai 1")


def test_escalation_after_the_limit_is_explicit() -> None:
    """Decline after decline: reminders 1..3, then LimitReached every time, never nothing."""
    sent = 0
    decisions = []
    for n in range(1, 7):
        decision = decide_nudge(person(1), PLP, declines(n), reminders_sent=sent, policy=POLICY)
        decisions.append(decision)
        if isinstance(decision, Nudge):
            sent += 1
    assert [type(d).__name__ for d in decisions] == ["Nudge"] * 3 + ["LimitReached"] * 3
    assert [d.include_supervisor for d in decisions[:3] if isinstance(d, Nudge)] == [
        False,
        True,
        True,
    ]
    last = decisions[-1]
    assert isinstance(last, LimitReached)
    assert last.notify_hr and last.supervisor_nip == nip(900)
    assert (last.reminders_sent, last.non_attendances) == (3, 6)
    assert "BKPSDM" in last.message_id and "6 kali" in last.message_id


def test_no_nudge_cases_are_explicit_too() -> None:
    assert decide_nudge(person(1), PLP, [], reminders_sent=0, policy=POLICY) == NoNudgeNeeded(
        nip(1), "PLP-PRIMA", NoNudgeReason.NOTHING_DECLINED
    )
    done = record(1, completed=(("PLP-PRIMA", date(2026, 11, 5)),))
    decision = decide_nudge(
        person(1), PLP, declines(2), reminders_sent=1, policy=POLICY, record=done
    )
    assert isinstance(decision, NoNudgeNeeded) and decision.reason is NoNudgeReason.COMPLETED
    gone = decide_nudge(person(1, active=False), PLP, declines(1), reminders_sent=0, policy=POLICY)
    assert isinstance(gone, NoNudgeNeeded) and gone.reason is NoNudgeReason.INACTIVE


def test_insistence_rises_with_the_reminder_number() -> None:
    kinds = []
    for sent in range(3):
        decision = decide_nudge(
            person(1), PLP, declines(sent + 1), reminders_sent=sent, policy=POLICY
        )
        assert isinstance(decision, Nudge)
        kinds.append(decision.insistence)
    assert kinds == [Insistence.GENTLE, Insistence.ENCOURAGING, Insistence.FIRM]
