"""Response models of the HTTP API (so that the OpenAPI document describes every answer).

Texts come in pairs, Indonesian first (`*_id`) and English (`*_en`); the unsuffixed field holds
the one asked for (?lang=en or Accept-Language). Dates and times: ISO 8601, Asia/Jakarta."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from asn_platform.contracts.rpc import PersonRecommendations

__all__ = ["PersonRecommendations"]


class Model(BaseModel):
    # forbid: a key the handlers add but the model lacks fails the tests instead of vanishing
    model_config = ConfigDict(extra="forbid")


class Decision(Model):
    outcome: str
    reason: str | None
    explanation: str
    explanation_id: str
    explanation_en: str
    rule_version: str | None
    scheduled_programme_id: str | None
    retry_after: str | None
    first_decided_at: str | None
    decided_at: str | None


class GapView(Model):
    gap_key: str
    unit_id: str
    unit_name: str | None
    bidang: str
    element: str
    element_name_id: str
    element_name_en: str
    period: str
    status: str
    score_nrr: float
    score_converted: float
    mutu: str
    sample_size: int
    required_sample: int
    provisional: bool
    trend: str
    previous_score_converted: float | None
    threshold: float
    detected_at: str | None


class GapWithDecision(GapView):
    decision: Decision | None


class GapList(Model):
    status: Literal["open", "recovered", "all"]
    items: list[GapWithDecision]


class FlaggedGap(Decision):
    gap_key: str
    unit_id: str
    unit_name: str | None
    element: str
    period: str
    score_converted: float | None
    mutu: str | None
    sample_size: int | None


class FlaggedList(Model):
    items: list[FlaggedGap]


class SessionView(Model):
    session_ref: str
    days: list[str | None]
    starts_at: str | None
    ends_at: str | None
    capacity: int
    place: str | None
    online_url: str | None
    participants: int
    cohort: list[str] | None = None  # only on one programme's page


class ScheduledProgrammeView(Model):
    scheduled_programme_id: str
    idempotency_key: str
    unit_id: str
    element: str
    period: str
    programme_code: str
    competencies: list[str]
    gap_score: float
    gap_mutu: str
    follow_up_of: str | None
    first_day: str | None
    last_day: str | None
    cohort_size: int
    waiting: int
    rule_version: str | None
    rule_line: int
    explanation: str
    explanation_id: str
    explanation_en: str
    scheduled_at: str | None
    sessions: list[SessionView]


class ScheduledProgrammeList(Model):
    items: list[ScheduledProgrammeView]


class ScoreView(Model):
    period: str
    period_label_id: str
    period_label_en: str
    score_converted: float
    score_nrr: float
    sample_size: int
    adequate: bool


class ImpactItem(Model):
    scheduled_programme_id: str
    unit_id: str
    element: str
    gap_period: str
    programme_code: str
    completions: int
    status: str
    summary: str
    summary_id: str
    summary_en: str
    # measured only once someone completed the programme
    completed_on: str | None = None
    before: ScoreView | None = None
    after: ScoreView | None = None
    delta_nrr: float | None = None
    delta_converted: float | None = None
    direction: str | None = None
    both_adequate: bool | None = None


class ImpactList(Model):
    items: list[ImpactItem]


class NudgeView(Model):
    nudge_id: str
    nip: str
    programme_code: str
    attempt: int
    max_reminders: int
    include_supervisor: bool
    supervisor_nip: str | None
    copy_to_hr: bool
    register_: str = Field(alias="register")  # BaseModel has a register attribute
    tone: str
    message: str
    message_id: str
    message_en: str
    enrollment_id: str | None
    requested_at: str | None
    converted_at: str | None
    converted_status: str | None


class NudgeList(Model):
    items: list[NudgeView]


class ProgrammeConversion(Model):
    programme_code: str
    people_nudged: int
    people_converted: int
    conversion_rate: float | None


class Conversion(Model):
    people_nudged: int
    people_converted: int
    conversion_rate: float | None
    nudges_sent: int
    escalations: int
    waiting_for_profile: int
    summary_id: str
    summary_en: str
    by_programme: list[ProgrammeConversion]


class EscalationView(Model):
    nip: str
    programme_code: str
    reminders_sent: int
    non_attendances: int
    supervisor_nip: str | None
    message: str
    message_id: str
    message_en: str
    escalated_at: str | None


class EscalationList(Model):
    items: list[EscalationView]


class RuleProgramme(Model):
    programme_code: str
    title: str
    jp: int


class UnitGapRule(Model):
    action: str
    line: int
    competencies: list[str]
    programmes: list[RuleProgramme]
    rationale: str
    rationale_id: str
    rationale_en: str


class UnitGap(GapWithDecision):
    rule: UnitGapRule | None


class TopProgramme(Model):
    rank: int
    programme_code: str
    title: str
    score: int
    reason: str


class StaffNeed(Model):
    nip: str
    name: str
    position_type: str
    jp_this_year: float
    top: list[TopProgramme]


class ProgrammeDemand(Model):
    programme_code: str
    title: str
    people: int


class UnitRecommendations(Model):
    unit_id: str
    unit_name: str | None
    bidang: str | None
    open_gaps: list[UnitGap]
    staff_active: int
    staff_below_jp_minimum: int
    programme_demand: list[ProgrammeDemand]
    people: list[StaffNeed]
    people_total: int
    rules_version: str


class NudgeSettings(Model):
    max_per_programme: int
    supervisor_after_declines: int
    tone: str


class RuleSettings(Model):
    cooldown_days: int
    lead_time_days: int
    max_sessions_per_gap: int
    nudges: NudgeSettings


class RuleView(Model):
    line: int
    element: str
    bidang: str | None
    action: str
    competencies: list[str]
    programmes: list[str]
    positions: list[str] | None
    rationale: str


class RulesInForce(Model):
    version: str
    source: str
    settings: RuleSettings
    rules: list[RuleView]
