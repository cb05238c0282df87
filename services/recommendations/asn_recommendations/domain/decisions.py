"""The top-level answer to a service-gap event: Schedule, Skip, or FlagManagement.

Every answer carries the gap's stable key (unit + element + period). The surveys service
recomputes its index as answers arrive, so the same gap can be announced many times in one
period, and Kafka may redeliver: the key lets the caller store one decision per gap, and a
gap already decided (listed in `prior`) is answered with Skip(ALREADY_DECIDED).
A gap that persists into a later period gets a follow-up only after the cool-down, so the
previous programme has time to show in the citizens' answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from asn_recommendations.domain.catalogue import Catalogue, ProgrammeInfo, fitting_programmes
from asn_recommendations.domain.cohort import Cohort, CohortMember, choose_cohort
from asn_recommendations.domain.evidence import gap_evidence_en, gap_evidence_id
from asn_recommendations.domain.facts import (
    Gap,
    Interval,
    LearningRecord,
    StaffProfile,
    gap_scope,
)
from asn_recommendations.domain.formatting import (
    format_count_en,
    format_count_id,
    format_date_en,
    format_date_id,
)
from asn_recommendations.domain.rules import Rule, RuleAction, RuleSet
from asn_recommendations.domain.scheduling import Session, WorkingCalendar, plan_sessions


class SkipReason(StrEnum):
    ALREADY_DECIDED = "already_decided"  # this gap (same key) was scheduled before
    PROVISIONAL = "provisional"  # too few survey answers to act on
    COOLDOWN = "cooldown"  # a programme for this unit+element ended too recently


class FlagReason(StrEnum):
    NOT_TRAINING = "not_training"  # the rule says management, not training (U9 facilities)
    NO_RULE = "no_rule"
    NO_PROGRAMME_FITS = "no_programme_fits"  # nothing in the rule's list is open to the field
    NO_ELIGIBLE_STAFF = "no_eligible_staff"  # everyone relevant is trained, or nobody relevant
    NO_DATES = "no_dates"  # no clash-free dates within the scheduling horizon


@dataclass(frozen=True, slots=True)
class PriorSchedule:
    """What was scheduled before for the same unit and element."""

    gap_key: str
    programme_code: str
    last_session_day: date  # last day of the last session opened for that gap


@dataclass(frozen=True, slots=True)
class Skip:
    gap_key: str
    reason: SkipReason
    explanation_id: str
    explanation_en: str
    retry_after: date | None = None  # for COOLDOWN: the first day a follow-up may be scheduled


@dataclass(frozen=True, slots=True)
class FlagManagement:
    gap_key: str
    unit_id: str
    reason: FlagReason
    explanation_id: str
    explanation_en: str
    rule_version: str


@dataclass(frozen=True, slots=True)
class Schedule:
    idempotency_key: str  # the gap key: one schedule per unit + element + period
    gap: Gap
    rule_version: str
    rule_line: int
    programme_code: str
    competencies: tuple[str, ...]
    cohort: Cohort
    sessions: tuple[Session, ...]
    unplaced: tuple[CohortMember, ...]  # in the cohort, but no clash-free dates were found
    follow_up_of: str | None  # the earlier gap key this follows up, if the gap persisted
    explanation_id: str
    explanation_en: str

    @property
    def session_keys(self) -> tuple[str, ...]:
        """Stable per-session keys, for idempotent session creation downstream."""
        return tuple(f"{self.idempotency_key}:{s.number}" for s in self.sessions)


Decision = Schedule | Skip | FlagManagement


def decide_for_gap(
    gap: Gap,
    *,
    rules: RuleSet,
    catalogue: Catalogue,
    staff: Iterable[StaffProfile],
    records: Mapping[str, LearningRecord],
    busy: Mapping[str, Iterable[Interval]],
    prior: Sequence[PriorSchedule],
    today: date,
    calendar: WorkingCalendar | None = None,
) -> Decision:
    """Decide what to do about one gap. Pure: the same arguments give the same decision.

    `staff`: profiles of the gap's unit; `records`: NIP -> learning record; `busy`: NIP -> other
    booked sessions; `prior`: earlier schedules for this unit+element (others are ignored);
    `today`: the decision's date on the Jakarta calendar.
    """
    key = gap.key
    prefix = gap_scope(gap.unit_id, gap.element)
    prior = sorted(
        (p for p in prior if p.gap_key.startswith(prefix)),
        key=lambda p: (p.last_session_day, p.gap_key),
    )
    evidence_id, evidence_en = gap_evidence_id(gap), gap_evidence_en(gap)

    if any(p.gap_key == key for p in prior):
        return Skip(
            key,
            SkipReason.ALREADY_DECIDED,
            f"{evidence_id} Kesenjangan ini sudah dijadwalkan; tidak ada jadwal ganda.",
            f"{evidence_en} This gap was already scheduled; nothing is scheduled twice.",
        )
    if gap.provisional:
        return Skip(
            key,
            SkipReason.PROVISIONAL,
            f"{evidence_id} Jumlah responden belum memadai, jadi belum ada program yang "
            "dijadwalkan dari hasil ini saja.",
            f"{evidence_en} Too few respondents: no programme is scheduled from this result alone.",
        )

    rule = rules.rule_for(gap.element, gap.bidang)
    if rule is None:
        return _flag(
            gap,
            rules,
            FlagReason.NO_RULE,
            f"{evidence_id} Belum ada aturan rekomendasi untuk unsur ini; mohon "
            "ditindaklanjuti pimpinan dan BKPSDM.",
            f"{evidence_en} No recommendation rule covers this element; management and "
            "the HR office should follow up.",
        )
    if rule.action is RuleAction.FLAG_MANAGEMENT:
        return _flag(
            gap,
            rules,
            FlagReason.NOT_TRAINING,
            f"{evidence_id} {rule.rationale_id}",
            f"{evidence_en} {rule.rationale_en}".rstrip(),
        )

    latest = prior[-1] if prior else None
    if latest is not None:
        retry = latest.last_session_day + timedelta(days=rules.settings.cooldown_days)
        if today < retry:
            return Skip(
                key,
                SkipReason.COOLDOWN,
                f"{evidence_id} Program {latest.programme_code} untuk unsur ini baru "
                f"selesai {format_date_id(latest.last_session_day)}; program lanjutan "
                f"paling cepat dijadwalkan {format_date_id(retry)} agar dampaknya "
                "sempat terukur.",
                f"{evidence_en} Programme {latest.programme_code} for this element ended "
                f"on {format_date_en(latest.last_session_day)}; a follow-up can be "
                f"scheduled from {format_date_en(retry)} so its effect can show.",
                retry_after=retry,
            )

    fitting = fitting_programmes(rule.programmes, gap.bidang, catalogue)
    if not fitting:
        return _flag(
            gap,
            rules,
            FlagReason.NO_PROGRAMME_FITS,
            f"{evidence_id} Tidak ada program dalam aturan yang terbuka untuk bidang "
            "unit ini; mohon BKPSDM melengkapi katalog atau aturan.",
            f"{evidence_en} No programme in the rule is open to this unit's field; the "
            "HR office should extend the catalogue or the rules.",
        )

    # A follow-up tries the rule's next programmes first, then the same ones again for those
    # who have not completed them yet; the first time, this is simply the rule's order.
    tried = {p.programme_code for p in prior}
    candidates = [p for p in fitting if p.code not in tried] + [
        p for p in fitting if p.code in tried
    ]
    staff_list = tuple(staff)
    no_dates = False
    for programme in candidates:
        cohort = choose_cohort(
            gap,
            programme,
            staff_list,
            records,
            catalogue=catalogue,
            rule_positions=rule.positions,
            max_sessions=rules.settings.max_sessions_per_gap,
        )
        if cohort.is_empty:
            continue
        plan = plan_sessions(
            programme,
            [[m.nip for m in g] for g in cohort.groups],
            busy,
            today=today,
            lead_time_days=rules.settings.lead_time_days,
            calendar=calendar,
        )
        if not plan.sessions:
            no_dates = True
            continue
        unplaced_nips = {nip for group in plan.unplaced for nip in group}
        unplaced = tuple(m for m in cohort.members if m.nip in unplaced_nips)
        follow_up_of = latest.gap_key if latest is not None else None
        text_id, text_en = _schedule_text(
            gap,
            rule,
            rules.version,
            programme,
            cohort,
            plan.sessions,
            unplaced,
            follow_up_of,
            evidence_id,
            evidence_en,
        )
        return Schedule(
            idempotency_key=key,
            gap=gap,
            rule_version=rules.version,
            rule_line=rule.line,
            programme_code=programme.code,
            competencies=rule.competencies,
            cohort=cohort,
            sessions=plan.sessions,
            unplaced=unplaced,
            follow_up_of=follow_up_of,
            explanation_id=text_id,
            explanation_en=text_en,
        )

    if no_dates:
        return _flag(
            gap,
            rules,
            FlagReason.NO_DATES,
            f"{evidence_id} Tidak ditemukan tanggal kerja yang bebas bentrok dalam "
            "setahun ke depan; mohon dijadwalkan manual.",
            f"{evidence_en} No clash-free working dates within a year; please schedule manually.",
        )
    return _flag(
        gap,
        rules,
        FlagReason.NO_ELIGIBLE_STAFF,
        f"{evidence_id} Semua pegawai yang relevan sudah mengikuti program yang "
        "tersedia, atau tidak ada pegawai aktif yang relevan; kesenjangan perlu "
        "ditangani pimpinan di luar pelatihan.",
        f"{evidence_en} Every relevant staff member has completed the available "
        "programmes, or no relevant staff are active; management should address the "
        "gap beyond training.",
    )


def _flag(
    gap: Gap, rules: RuleSet, reason: FlagReason, text_id: str, text_en: str
) -> FlagManagement:
    return FlagManagement(gap.key, gap.unit_id, reason, text_id, text_en, rules.version)


def _schedule_text(
    gap: Gap,
    rule: Rule,
    version: str,
    programme: ProgrammeInfo,
    cohort: Cohort,
    sessions: Sequence[Session],
    unplaced: Sequence[CohortMember],
    follow_up_of: str | None,
    evidence_id: str,
    evidence_en: str,
) -> tuple[str, str]:
    scheduled = sum(len(s.participants) for s in sessions)
    parts_id = [
        evidence_id,
        rule.rationale_id,
        f"Dijadwalkan {programme.title} ({programme.code}, {programme.jp} JP): "
        f"{len(sessions)} sesi untuk {format_count_id(scheduled)} pegawai, mulai "
        f"{format_date_id(sessions[0].first_day)}, pukul 08.00-16.00 WIB.",
    ]
    parts_en = [
        evidence_en,
        rule.rationale_en,
        f"Scheduled {programme.title} ({programme.code}, {programme.jp} JP): "
        f"{len(sessions)} session{'s' if len(sessions) != 1 else ''} for {format_count_en(scheduled)} staff, starting "
        f"{format_date_en(sessions[0].first_day)}, 08:00-16:00 WIB.",
    ]
    if follow_up_of:
        parts_id.append(
            "Ini program lanjutan karena kesenjangan masih ada setelah program sebelumnya."
        )
        parts_en.append("This is a follow-up: the gap persisted after the previous programme.")
    waiting = len(cohort.overflow) + len(unplaced)
    if waiting:
        parts_id.append(f"{format_count_id(waiting)} pegawai lain menunggu sesi berikutnya.")
        parts_en.append(f"{format_count_en(waiting)} more staff wait for a later session.")
    parts_id.append(f"Aturan versi {version}.")
    parts_en.append(f"Rules version {version}.")
    return " ".join(p for p in parts_id if p), " ".join(p for p in parts_en if p)
