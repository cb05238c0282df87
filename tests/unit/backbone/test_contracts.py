"""The event contracts: every example is valid, keys and subjects, privacy rules, registry."""

from __future__ import annotations

import typing
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import BaseModel, ValidationError

from asn_platform import topics
from asn_platform.contracts import (
    EVENTS,
    AsnProfileChanged,
    NudgeRequested,
    ProgrammeScheduled,
    ResponseIntake,
    ServiceGapDetected,
    SurveySubmitted,
    spec_for,
)
from asn_platform.contracts.base import Event


def undescribed_fields(model: type[BaseModel], seen: set | None = None) -> list[str]:
    """Fields of the model and its nested models that have no description."""
    seen = set() if seen is None else seen
    seen.add(model)
    missing = []
    for name, info in model.model_fields.items():
        if not info.description:
            missing.append(f"{model.__name__}.{name}")
        stack = [info.annotation]
        while stack:
            tp = stack.pop()
            if isinstance(tp, type) and issubclass(tp, BaseModel) and tp not in seen:
                missing += undescribed_fields(tp, seen)
            stack += list(typing.get_args(tp))
    return missing


def example(model: type[Event]) -> dict:
    return dict(model.model_json_schema()["examples"][0])


def test_every_platform_topic_has_exactly_one_contract():
    event_topics = {t.name for t in topics.TOPICS} - {topics.RPC_RECOMMENDATIONS_REQUEST}
    assert {s.topic for s in EVENTS.values()} == event_topics
    for event_type, spec in EVENTS.items():
        assert spec.model.event_type == event_type == spec.topic == spec.model.topic


@pytest.mark.parametrize("event_type", sorted(EVENTS))
def test_examples_are_valid_and_round_trip(event_type):
    spec = EVENTS[event_type]
    assert not undescribed_fields(spec.model)
    event = spec.model.model_validate(example(spec.model))
    assert event.partition_key() == getattr(event, spec.key_field)
    assert event.subject()
    assert spec.model.model_validate_json(event.model_dump_json()) == event


@pytest.mark.parametrize("event_type", sorted(EVENTS))
def test_models_forbid_unknown_fields_and_are_frozen(event_type):
    model = EVENTS[event_type].model
    with pytest.raises(ValidationError, match="Extra inputs"):
        model.model_validate({**example(model), "surprise": 1})
    event = model.model_validate(example(model))
    with pytest.raises(ValidationError):
        event.__setattr__(next(iter(model.model_fields)), "x")


def test_spec_for_accepts_type_topic_or_class_and_names_the_known_ones():
    assert spec_for(topics.SURVEY_SUBMITTED).model is SurveySubmitted
    assert spec_for(SurveySubmitted).key_field == "unit_id"
    assert spec_for(topics.ASN_PROFILE_CHANGED).compact
    with pytest.raises(KeyError, match="known:"):
        spec_for("asn.nothing.v1")


def test_published_survey_event_carries_no_exact_age_or_free_text():
    fields = set(SurveySubmitted.model_fields)
    respondent = SurveySubmitted.model_fields["respondent"].annotation
    assert respondent is not None
    assert set(respondent.model_fields) == {"sex", "age_band", "education", "occupation"}
    assert not fields & {"comment", "name", "age", "phone", "email", "nik"}
    assert not SurveySubmitted.personal_data
    assert ResponseIntake.personal_data  # exact age: intake only


def test_answers_are_by_code_and_in_range():
    data = example(SurveySubmitted)
    with pytest.raises(ValidationError, match="less than or equal to 4"):
        SurveySubmitted.model_validate({**data, "answers": {"U1": 5}})
    with pytest.raises(ValidationError):
        SurveySubmitted.model_validate({**data, "answers": {"Q1": 3}})
    with pytest.raises(ValidationError):
        SurveySubmitted.model_validate({**data, "answers": {}})


def test_times_must_carry_an_offset():
    data = example(SurveySubmitted)
    with pytest.raises(ValidationError, match="timezone"):
        SurveySubmitted.model_validate({**data, "submitted_at": "2026-08-14T10:21:07"})


def test_period_and_competency_keys_are_checked():
    gap = example(ServiceGapDetected)
    with pytest.raises(ValidationError):
        ServiceGapDetected.model_validate({**gap, "period": "2026-Q5"})
    with pytest.raises(ValidationError, match="month must be 1-12"):
        ServiceGapDetected.model_validate({**gap, "period": "2026-M13"})
    event = ServiceGapDetected.model_validate(gap)
    assert not event.provisional
    assert ServiceGapDetected.model_validate({**gap, "sample_size": 10}).provisional
    from asn_platform.contracts import TrainingCompleted

    done = example(TrainingCompleted)
    with pytest.raises(ValidationError, match="unknown managerial competency"):
        TrainingCompleted.model_validate({**done, "competencies": ["manajerial.menyanyi"]})


def test_nip_shape():
    data = example(AsnProfileChanged)
    for bad in ("12345", "19850412201001100X", "1985041220100110011"):
        with pytest.raises(ValidationError):
            AsnProfileChanged.model_validate({**data, "nip": bad})


def test_cross_field_rules():
    profile = example(AsnProfileChanged)
    with pytest.raises(ValidationError, match="active=false"):
        AsnProfileChanged.model_validate({**profile, "change": "deactivated", "active": True})
    nudge = example(NudgeRequested)
    with pytest.raises(ValidationError, match="supervisor_nip"):
        NudgeRequested.model_validate({**nudge, "supervisor_nip": None})
    scheduled = example(ProgrammeScheduled)
    session = dict(scheduled["sessions"][0])
    start = datetime(2026, 10, 5, 1, tzinfo=UTC)
    bad = {
        **session,
        "starts_at": start.isoformat(),
        "ends_at": (start - timedelta(hours=1)).isoformat(),
    }
    with pytest.raises(ValidationError, match="ends_at"):
        ProgrammeScheduled.model_validate({**scheduled, "sessions": [bad]})
    nowhere = {**session, "place": None, "online_url": None}
    with pytest.raises(ValidationError, match="place"):
        ProgrammeScheduled.model_validate({**scheduled, "sessions": [nowhere]})
