"""Personal recommendations: a ranked list of programmes for one civil servant, with reasons.

Four sources of need, each an explainable reason with its own weight:
- the unit's SKM gaps, through the rules (the citizens' verdict weighs most, and more for
  mutu D than C);
- the 20 JP annual minimum (a shortfall boosts programmes that close it, and if none of the
  other candidates would, the smallest open programme that does is added);
- the person's field (technical training that targets it);
- the leadership ladder for structural posts (PKP, then PKA, then PKN; one at a time).
Completed programmes are never recommended. Scores are integers summed from the weights, and
ties go to the programme code, so the ranking is deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from asn_platform.vocabulary import (
    ANNUAL_JP_MINIMUM,
    BIDANG_LABELS,
    Bidang,
    ElementCode,
    Mutu,
    PositionType,
)
from asn_recommendations.domain.catalogue import (
    LEADERSHIP_LADDER,
    Catalogue,
    ProgrammeInfo,
    fits_field,
    fitting_programmes,
    is_leadership,
)
from asn_recommendations.domain.cohort import relevant_positions
from asn_recommendations.domain.evidence import gap_data, gap_evidence_en, gap_evidence_id
from asn_recommendations.domain.facts import Gap, LearningRecord, StaffProfile
from asn_recommendations.domain.formatting import format_jp
from asn_recommendations.domain.rules import RuleAction, RuleSet

WEIGHT_GAP = 40
WEIGHT_GAP_MUTU = {Mutu.D: 20, Mutu.C: 10, Mutu.B: 0, Mutu.A: 0}
WEIGHT_GAP_FIRST_CHOICE = 10  # the rule's first fitting programme; 5 for the second
WEIGHT_JP_CLOSES = 30  # the programme alone closes the JP shortfall
WEIGHT_JP_HELPS = 15  # it narrows the shortfall
WEIGHT_FIELD = 25
WEIGHT_LEADERSHIP = 20


class ReasonKind(StrEnum):
    UNIT_GAP = "unit_gap"
    JP_MINIMUM = "jp_minimum"
    FIELD = "field"
    LEADERSHIP = "leadership"


Data = Mapping[str, str | int | float | bool]


@dataclass(frozen=True, slots=True)
class Reason:
    kind: ReasonKind
    weight: int
    reason_id: str
    reason_en: str
    data: Data = field(default_factory=dict)  # the figures the sentence was made from


@dataclass(frozen=True, slots=True)
class Recommendation:
    rank: int  # 1 is the strongest
    programme_code: str
    title: str
    jp: int
    score: int
    reasons: tuple[Reason, ...]  # strongest first

    @property
    def reason_id(self) -> str:
        return " ".join(r.reason_id for r in self.reasons)

    @property
    def reason_en(self) -> str:
        return " ".join(r.reason_en for r in self.reasons)

    @property
    def evidence(self) -> dict[str, object]:
        """Every reason's figures, JSON-ready, for the recommendation-issued event."""
        return {
            "score": self.score,
            "reasons": [{"kind": r.kind.value, "weight": r.weight, **r.data} for r in self.reasons],
        }


def recommend_for(
    person: StaffProfile,
    record: LearningRecord,
    *,
    year: int,
    unit_gaps: Sequence[Gap],
    rules: RuleSet,
    catalogue: Catalogue,
    unit_bidang: Bidang | None = None,
    limit: int | None = None,
) -> tuple[Recommendation, ...]:
    """Ranked programmes for `person`; `record` holds their JP for `year` and completions.

    `unit_gaps`: the open gaps of the person's unit (others and provisional ones are ignored:
    too few answers are not evidence). `unit_bidang`: the unit's field, used when the profile
    has no field of its own.
    """
    own_gaps = [g for g in unit_gaps if g.unit_id == person.unit_id]
    own_field = person.bidang or unit_bidang or next((g.bidang for g in own_gaps), None)
    found = _Reasons(person, record.completed_codes)
    _add_gap_reasons(found, own_gaps, rules, catalogue)
    if own_field is not None:
        _add_field_reasons(found, own_field, catalogue)
    if person.position_type is PositionType.STRUKTURAL:
        _add_leadership_reason(found, catalogue)
    _add_jp_reasons(found, year, record, own_field, catalogue)
    ranked = sorted(
        ((sum(r.weight for r in rs), code, rs) for code, rs in found.by_code.items()),
        key=lambda item: (-item[0], item[1]),
    )
    out = tuple(
        Recommendation(
            rank=i + 1,
            programme_code=code,
            title=catalogue[code].title,
            jp=catalogue[code].jp,
            score=score,
            reasons=tuple(sorted(rs, key=lambda r: (-r.weight, r.kind.value, r.reason_id))),
        )
        for i, (score, code, rs) in enumerate(ranked)
    )
    return out if limit is None else out[:limit]


@dataclass
class _Reasons:
    """The reasons found so far per programme code, for one person."""

    person: StaffProfile
    done: frozenset[str]
    by_code: dict[str, list[Reason]] = field(default_factory=dict)

    def open_to_person(self, p: ProgrammeInfo) -> bool:
        if p.code in self.done:
            return False
        return not (is_leadership(p) and self.person.position_type is not PositionType.STRUKTURAL)

    def add(self, p: ProgrammeInfo, reason: Reason) -> None:
        self.by_code.setdefault(p.code, []).append(reason)


def _add_gap_reasons(
    found: _Reasons, own_gaps: Sequence[Gap], rules: RuleSet, catalogue: Catalogue
) -> None:
    # One reason per element: the most recent adequate gap (a unit may report the same weak
    # element for a month and its quarter; counting both would double its weight).
    latest: dict[ElementCode, Gap] = {}
    for gap in sorted(own_gaps, key=lambda g: (g.period.first_day, g.period.key)):
        if not gap.provisional:
            latest[gap.element] = gap
    for _, gap in sorted(latest.items()):
        rule = rules.rule_for(gap.element, gap.bidang)
        if rule is None or rule.action is not RuleAction.SCHEDULE:
            continue
        choices = fitting_programmes(rule.programmes, gap.bidang, catalogue)
        for order, programme in enumerate(choices):
            positions = relevant_positions(rule.positions, programme)
            if found.person.position_type not in positions or not found.open_to_person(programme):
                continue
            weight = (
                WEIGHT_GAP + WEIGHT_GAP_MUTU[gap.mutu] + max(0, WEIGHT_GAP_FIRST_CHOICE - 5 * order)
            )
            found.add(
                programme,
                Reason(
                    ReasonKind.UNIT_GAP,
                    weight,
                    f"{gap_evidence_id(gap)} {rule.rationale_id}",
                    f"{gap_evidence_en(gap)} {rule.rationale_en}".rstrip(),
                    {**gap_data(gap), "rule_version": rules.version, "rule_line": rule.line},
                ),
            )


def _add_field_reasons(found: _Reasons, own_field: Bidang, catalogue: Catalogue) -> None:
    label_id, label_en = BIDANG_LABELS[own_field]
    for programme in _by_code(catalogue.values()):
        if (
            programme.target_fields
            and own_field in programme.target_fields
            and not is_leadership(programme)
            and found.open_to_person(programme)
        ):
            found.add(
                programme,
                Reason(
                    ReasonKind.FIELD,
                    WEIGHT_FIELD,
                    f"Pelatihan teknis untuk bidang {label_id}, bidang kerja Anda.",
                    f"Technical training for {label_en}, your field of work.",
                    {"bidang": own_field.value},
                ),
            )


def _add_leadership_reason(found: _Reasons, catalogue: Catalogue) -> None:
    leader = _next_leadership(catalogue, found.done)
    if leader is None:
        return
    found.add(
        leader,
        Reason(
            ReasonKind.LEADERSHIP,
            WEIGHT_LEADERSHIP,
            f"Sebagai pejabat struktural, Anda belum mengikuti {leader.title} "
            f"({leader.code}), jenjang kepemimpinan berikutnya bagi Anda.",
            f"As a structural official you have not yet taken {leader.title} "
            f"({leader.code}), your next step on the leadership ladder.",
            {"position_type": found.person.position_type.value, "kind": leader.kind.value},
        ),
    )


def _add_jp_reasons(
    found: _Reasons,
    year: int,
    record: LearningRecord,
    own_field: Bidang | None,
    catalogue: Catalogue,
) -> None:
    shortfall = max(0.0, ANNUAL_JP_MINIMUM - record.jp_this_year)
    if shortfall <= 0:
        return
    reasons = found.by_code
    if not any(catalogue[c].jp >= shortfall for c in reasons):
        filler = _jp_filler(catalogue, own_field, shortfall, set(reasons), found.open_to_person)
        if filler is not None:
            reasons.setdefault(filler.code, [])
    for code in list(reasons):
        programme = catalogue[code]
        closes = programme.jp >= shortfall
        found.add(programme, _jp_reason(year, record.jp_this_year, shortfall, programme, closes))


def jp_status_id(year: int, jp: float) -> str:
    """ "JP Anda tahun 2026 baru 8 dari minimal 20 JP" """
    return f"JP Anda tahun {year} baru {format_jp(jp)} dari minimal {ANNUAL_JP_MINIMUM} JP"


def jp_status_en(year: int, jp: float) -> str:
    return f"Your JP for {year} is only {format_jp(jp, 'en')} of the minimum {ANNUAL_JP_MINIMUM} JP"


def _jp_reason(
    year: int, jp: float, shortfall: float, programme: ProgrammeInfo, closes: bool
) -> Reason:
    if closes:
        tail_id = f"; program ini ({programme.jp} JP) menutup kekurangan {format_jp(shortfall)} JP."
        tail_en = (
            f"; this programme ({programme.jp} JP) closes the "
            f"{format_jp(shortfall, 'en')} JP shortfall."
        )
    else:
        tail_id = (
            f"; program ini ({programme.jp} JP) mengurangi kekurangan {format_jp(shortfall)} JP."
        )
        tail_en = (
            f"; this programme ({programme.jp} JP) narrows the "
            f"{format_jp(shortfall, 'en')} JP shortfall."
        )
    return Reason(
        ReasonKind.JP_MINIMUM,
        WEIGHT_JP_CLOSES if closes else WEIGHT_JP_HELPS,
        jp_status_id(year, jp) + tail_id,
        jp_status_en(year, jp) + tail_en,
        {
            "year": year,
            "jp_this_year": jp,
            "minimum": ANNUAL_JP_MINIMUM,
            "shortfall": shortfall,
            "programme_jp": programme.jp,
        },
    )


def _by_code(programmes: Iterable[ProgrammeInfo]) -> list[ProgrammeInfo]:
    return sorted(programmes, key=lambda p: p.code)


def _next_leadership(catalogue: Catalogue, done: frozenset[str]) -> ProgrammeInfo | None:
    """The lowest rung of the ladder not yet completed (rungs completed are passed)."""
    for kind in LEADERSHIP_LADDER:
        rung = [p for p in _by_code(catalogue.values()) if p.kind is kind]
        if not rung:
            continue
        if any(p.code in done for p in rung):
            continue
        return rung[0]
    return None


def _jp_filler(
    catalogue: Catalogue,
    own_field: Bidang | None,
    shortfall: float,
    taken: set[str],
    open_to_person: Callable[[ProgrammeInfo], bool],
) -> ProgrammeInfo | None:
    """The least time-consuming open programme that closes the shortfall, else the largest."""
    pool = [
        p
        for p in _by_code(catalogue.values())
        if p.code not in taken
        and not is_leadership(p)
        and fits_field(p, own_field)
        and open_to_person(p)
    ]
    closing = [p for p in pool if p.jp >= shortfall]
    if closing:
        return min(closing, key=lambda p: (p.jp, p.code))
    return min(pool, key=lambda p: (-p.jp, p.code), default=None)
