"""Who should attend a programme opened for a gap, in order of need.

Need order: the fewest JP credited this year first (the 20 JP minimum is owed to everyone),
then whoever went longest without related training (any shared competency; never trained
counts as longest), then NIP so that the same facts always give the same cohort.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from asn_platform.vocabulary import PositionType
from asn_recommendations.domain.catalogue import (
    ALL_POSITIONS,
    LEADERSHIP_POSITIONS,
    Catalogue,
    ProgrammeInfo,
    is_leadership,
)
from asn_recommendations.domain.facts import Gap, LearningRecord, StaffProfile, empty_record


class ExclusionReason(StrEnum):
    INACTIVE = "inactive"
    POSITION = "position"  # not a position this programme or rule is meant for
    COMPLETED = "completed"  # already completed this programme
    EXCLUDED_BY_CALLER = "excluded_by_caller"  # e.g. already invited to an open session


@dataclass(frozen=True, slots=True)
class Exclusion:
    nip: str
    reason: ExclusionReason


@dataclass(frozen=True, slots=True)
class CohortMember:
    nip: str
    name: str
    position_type: PositionType
    supervisor_nip: str | None
    jp_this_year: float
    last_related_training: date | None  # None: never had related training


@dataclass(frozen=True, slots=True)
class Cohort:
    programme_code: str
    capacity: int  # places per session
    groups: tuple[tuple[CohortMember, ...], ...]  # one per session, each within capacity
    overflow: tuple[CohortMember, ...]  # eligible but beyond the sessions opened now
    excluded: tuple[Exclusion, ...]

    @property
    def members(self) -> tuple[CohortMember, ...]:
        return tuple(m for group in self.groups for m in group)

    @property
    def nips(self) -> tuple[str, ...]:
        return tuple(m.nip for m in self.members)

    @property
    def is_empty(self) -> bool:
        return not self.groups


def relevant_positions(
    rule_positions: frozenset[PositionType] | None, programme: ProgrammeInfo
) -> frozenset[PositionType]:
    """Positions to invite: the rule's list when it has one (e.g. U7 front office), narrowed to
    structural posts for leadership tracks, which are meant for nobody else."""
    allowed = rule_positions if rule_positions is not None else ALL_POSITIONS
    if is_leadership(programme):
        allowed = allowed & LEADERSHIP_POSITIONS
    return allowed


def need_key(member: CohortMember) -> tuple[float, date, str]:
    """Sort key, most in need first."""
    return (member.jp_this_year, member.last_related_training or date.min, member.nip)


def choose_cohort(
    gap: Gap,
    programme: ProgrammeInfo,
    staff: Iterable[StaffProfile],
    records: Mapping[str, LearningRecord],
    *,
    catalogue: Catalogue,
    rule_positions: frozenset[PositionType] | None = None,
    max_sessions: int = 2,
    exclude: Collection[str] = (),
) -> Cohort:
    """The cohort of `gap.unit_id`'s staff for `programme`, split into sessions of capacity.

    `records` maps NIP to learning record; a missing record means 0 JP and nothing completed.
    `rule_positions` is the rule's position list (None: any); see relevant_positions.
    Staff of other units are ignored. A NIP listed twice is a read-model bug and is refused.
    """
    positions = relevant_positions(rule_positions, programme)
    if max_sessions < 1:
        raise ValueError("max_sessions must be at least 1")
    if programme.capacity < 1:
        raise ValueError(f"programme {programme.code} has no capacity")
    eligible: list[CohortMember] = []
    excluded: list[Exclusion] = []
    seen: set[str] = set()
    for person in staff:
        if person.unit_id != gap.unit_id:
            continue
        if person.nip in seen:
            raise ValueError(f"NIP {person.nip} appears twice in the staff list")
        seen.add(person.nip)
        record = records.get(person.nip) or empty_record(person.nip)
        reason = _exclusion(person, record, programme, positions, exclude)
        if reason is not None:
            excluded.append(Exclusion(person.nip, reason))
            continue
        eligible.append(
            CohortMember(
                nip=person.nip,
                name=person.name,
                position_type=person.position_type,
                supervisor_nip=person.supervisor_nip,
                jp_this_year=record.jp_this_year,
                last_related_training=record.last_related_training(
                    programme.competencies, catalogue
                ),
            )
        )
    eligible.sort(key=need_key)
    cap = programme.capacity
    placed = eligible[: cap * max_sessions]
    groups = tuple(tuple(placed[i : i + cap]) for i in range(0, len(placed), cap))
    return Cohort(
        programme_code=programme.code,
        capacity=cap,
        groups=groups,
        overflow=tuple(eligible[cap * max_sessions :]),
        excluded=tuple(sorted(excluded, key=lambda e: e.nip)),
    )


def _exclusion(
    person: StaffProfile,
    record: LearningRecord,
    programme: ProgrammeInfo,
    positions: frozenset[PositionType],
    exclude: Collection[str],
) -> ExclusionReason | None:
    if not person.active:
        return ExclusionReason.INACTIVE
    if person.position_type not in positions:
        return ExclusionReason.POSITION
    if record.has_completed(programme.code):
        return ExclusionReason.COMPLETED
    if person.nip in exclude:
        return ExclusionReason.EXCLUDED_BY_CALLER
    return None
