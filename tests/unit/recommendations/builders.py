"""Small builders for the recommendations domain tests (Tangerang Selatan seed data)."""

from __future__ import annotations

from datetime import date
from functools import cache

from asn_platform.periods import Period
from asn_platform.tangsel import CATALOGUE_BY_CODE, UNITS_BY_ID
from asn_platform.vocabulary import Bidang, ElementCode, Mutu, PositionType
from asn_recommendations.domain.facts import CompletedTraining, Gap, LearningRecord, StaffProfile
from asn_recommendations.domain.rules import RuleSet
from asn_recommendations.rules_file import load_default_rules

CATALOGUE = CATALOGUE_BY_CODE
Q3_2026 = Period.parse("2026-Q3")
TODAY = date(2026, 10, 1)  # a Thursday


@cache
def default_rules() -> RuleSet:
    return load_default_rules(CATALOGUE)


def nip(seq: int, sex: int = 1) -> str:
    """A well-formed 18-digit NIP: birth date, appointment month, sex digit, sequence."""
    return f"19800101200501{sex}{seq:03d}"


def gap(
    unit_id: str = "disdukcapil",
    element: ElementCode = ElementCode.U7,
    score: float = 60.25,
    mutu: Mutu = Mutu.D,
    sample_size: int = 312,
    period: Period = Q3_2026,
    provisional: bool = False,
    unit_name: str | None = None,
    bidang: Bidang | None = None,
) -> Gap:
    unit = UNITS_BY_ID.get(unit_id)
    return Gap(
        unit_id=unit_id,
        bidang=bidang or (unit.bidang if unit else Bidang.SOSIAL),
        element=element,
        score=score,
        mutu=mutu,
        sample_size=sample_size,
        period=period,
        provisional=provisional,
        unit_name=unit_name
        if unit_name is not None
        else {"disdukcapil": "Disdukcapil"}.get(unit_id, unit_id),
    )


def person(
    seq: int,
    position: PositionType = PositionType.PELAKSANA,
    unit_id: str = "disdukcapil",
    active: bool = True,
    supervisor: int | None = 900,
    bidang: Bidang | None = None,
) -> StaffProfile:
    return StaffProfile(
        nip=nip(seq),
        name=f"Pegawai {seq}",
        unit_id=unit_id,
        position_type=position,
        active=active,
        supervisor_nip=nip(supervisor) if supervisor is not None else None,
        bidang=bidang,
    )


def record(seq: int, jp: float = 0, completed: tuple[tuple[str, date], ...] = ()) -> LearningRecord:
    return LearningRecord(
        nip=nip(seq),
        jp_this_year=jp,
        completed=tuple(CompletedTraining(code, day) for code, day in completed),
    )
