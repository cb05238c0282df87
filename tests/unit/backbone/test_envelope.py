"""CloudEvents binary-mode envelope: encode/decode round trip and every rejection."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asn_platform import topics
from asn_platform.contracts import EVENTS, SurveySubmitted
from asn_platform.envelope import ContractError, Envelope, KafkaRecord, decode, encode
from asn_platform.vocabulary import AgeBand, Education, ElementCode, Occupation, Sex

SOURCE = "/tangsel/surveys"


def survey(**changes) -> SurveySubmitted:
    data = SurveySubmitted.model_json_schema()["examples"][0]
    return SurveySubmitted.model_validate({**data, **changes})


def replace_header(record: KafkaRecord, name: str, value: bytes | None) -> list[tuple[str, bytes]]:
    out = [(k, v) for k, v in record.headers if k != name]
    if value is not None:
        out.append((name, value))
    return out


def test_encode_sets_cloudevents_headers_and_the_partition_key():
    event = survey()
    event_id = uuid4()
    moment = datetime(2026, 8, 14, 10, 21, 7, tzinfo=timezone(timedelta(hours=7)))
    record = encode(event, source=SOURCE, id=event_id, time=moment)
    assert record.topic == topics.SURVEY_SUBMITTED
    assert record.key == b"disdukcapil"
    headers = dict(record.headers)
    assert headers == {
        "ce_specversion": b"1.0",
        "ce_id": str(event_id).encode(),
        "ce_source": SOURCE.encode(),
        "ce_type": b"asn.surveys.survey-submitted.v1",
        "ce_time": b"2026-08-14T03:21:07Z",
        "ce_subject": event.subject().encode(),
        "content-type": b"application/json",
    }
    assert json.loads(record.value)["unit_id"] == "disdukcapil"


@pytest.mark.parametrize("event_type", sorted(EVENTS))
def test_every_example_round_trips(event_type):
    model = EVENTS[event_type].model
    event = model.model_validate(model.model_json_schema()["examples"][0])
    record = encode(event, source="/tangsel/test")
    env = decode(record.topic, record.headers, record.value, key=record.key, partition=2, offset=9)
    assert isinstance(env, Envelope)
    assert env.data == event
    assert env.type == event_type
    assert env.source == "/tangsel/test"
    assert env.subject == event.subject()
    assert str(env.id) == record.header("ce_id")
    assert (env.topic, env.key, env.partition, env.offset) == (record.topic, record.key, 2, 9)


answers = st.dictionaries(
    st.sampled_from(list(ElementCode)), st.integers(1, 4), min_size=1, max_size=9
)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


@settings(max_examples=150, deadline=None)
@given(
    answers=answers,
    unit=st.from_regex(r"[a-z0-9][a-z0-9_-]{0,30}", fullmatch=True),
    # event text holds no control characters or lone surrogates (the contracts refuse them)
    service=st.text(
        st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=60
    ).filter(lambda s: s.strip() == s and s),
    sex=st.sampled_from(list(Sex)),
    band=st.sampled_from(list(AgeBand)),
    edu=st.sampled_from(list(Education)),
    job=st.sampled_from(list(Occupation)),
    at=moments,
)
def test_round_trip_property(answers, unit, service, sex, band, edu, job, at):
    event = SurveySubmitted(
        response_id="r-1",
        unit_id=unit,
        bidang="kesehatan",
        service=service,
        answers=answers,
        respondent={"sex": sex, "age_band": band, "education": edu, "occupation": job},
        submitted_at=at,
        channel="kafka",
    )
    record = encode(event, source=SOURCE, time=at)
    env = decode(record.topic, record.headers, record.value, key=record.key)
    assert env.data == event
    assert env.time == at
    assert env.key == unit.encode()


@pytest.mark.parametrize(
    ("header", "value", "message"),
    [
        ("ce_type", None, "missing CloudEvents header"),
        ("ce_id", None, "missing CloudEvents header"),
        ("ce_source", b"", "missing CloudEvents header"),
        ("ce_specversion", b"0.3", "ce_specversion is '0.3'"),
        (
            "ce_type",
            b"asn.surveys.survey-submitted.v2",
            "expected 'asn.surveys.survey-submitted.v1'",
        ),
        ("ce_id", b"not-a-uuid", "is not a UUID"),
        ("ce_time", b"yesterday", "not an RFC 3339 time"),
        ("ce_time", b"2026-08-14T10:21:07", "no timezone offset"),
        ("content-type", b"text/plain", "content-type is 'text/plain'"),
        ("content-type", None, "content-type is ''"),
        ("ce_subject", b"units/other", "ce_subject does not match"),
        ("ce_source", b"\xff\xfe", "not UTF-8"),
    ],
)
def test_decode_rejects_bad_headers(header, value, message):
    record = encode(survey(), source=SOURCE)
    with pytest.raises(ContractError, match=message):
        decode(record.topic, replace_header(record, header, value), record.value)


def test_decode_accepts_charset_and_no_subject_and_ignores_unknown_headers():
    record = encode(survey(), source=SOURCE)
    headers = replace_header(record, "content-type", b"application/json; charset=utf-8")
    headers = [(k, v) for k, v in headers if k != "ce_subject"] + [("traceparent", b"00-ab")]
    env = decode(record.topic, headers, record.value)
    assert env.subject is None


def test_decode_rejects_repeated_ce_headers():
    record = encode(survey(), source=SOURCE)
    with pytest.raises(ContractError, match="appears twice"):
        decode(record.topic, [*record.headers, ("ce_id", str(uuid4()).encode())], record.value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"", "empty body"),
        (None, "empty body"),
        (b"[]", "does not match SurveySubmitted"),
        (b'{"unit_id": "disdukcapil"}', "answers: Field required"),
    ],
)
def test_decode_rejects_bad_bodies(value, message):
    record = encode(survey(), source=SOURCE)
    with pytest.raises(ContractError, match=message):
        decode(record.topic, record.headers, value)


def test_decode_names_the_bad_field_and_never_echoes_the_value():
    record = encode(survey(), source=SOURCE)
    body = json.loads(record.value)
    body["answers"]["U3"] = 9
    with pytest.raises(ContractError) as err:
        decode(record.topic, record.headers, json.dumps(body).encode())
    assert "answers.U3: Input should be less than or equal to 4" in str(err.value)


def test_decode_is_a_tolerant_reader_of_new_optional_fields():
    record = encode(survey(), source=SOURCE)
    body = json.loads(record.value)
    body["added_in_v1_1"] = {"anything": True}
    body["respondent"]["new_nested"] = 1
    env = decode(record.topic, record.headers, json.dumps(body).encode())
    assert env.data == survey()


def test_decode_checks_the_kafka_key():
    record = encode(survey(), source=SOURCE)
    with pytest.raises(ContractError, match="Kafka key is not the event's partition key"):
        decode(record.topic, record.headers, record.value, key=b"dpmptsp")


def test_decode_needs_a_contract_for_the_topic_unless_one_is_given():
    record = encode(survey(), source=SOURCE)
    with pytest.raises(ContractError, match=r"no event contract for topic 'test\.x'"):
        decode("test.x", record.headers, record.value)
    env = decode("test.x", record.headers, record.value, expected=SurveySubmitted)
    assert env.topic == "test.x"


def test_encode_enforces_the_size_limit():
    big = survey(service="x" * 200)
    record = encode(big, source=SOURCE)
    with pytest.raises(ContractError, match=r"over the 500-byte limit"):
        encode(big, source=SOURCE, max_bytes=500)
    assert record.size > 500


def test_encode_refuses_naive_times_and_empty_sources():
    with pytest.raises(ContractError, match="timezone"):
        encode(survey(), source=SOURCE, time=datetime(2026, 1, 1))
    with pytest.raises(ContractError, match="ce_source"):
        encode(survey(), source="")


def test_ids_are_uuids_and_unique():
    ids = {encode(survey(), source=SOURCE).header("ce_id") for _ in range(100)}
    assert len(ids) == 100
    assert all(UUID(i) for i in ids if i)


def _with_service(raw: bytes) -> tuple[KafkaRecord, bytes]:
    record = encode(survey(service="Layanan"), source=SOURCE)
    return record, record.value.replace(b'"Layanan"', b'"Layanan ' + raw + b'"')


@pytest.mark.parametrize(
    "raw",
    [
        b"\\u0000",  # NUL as a JSON escape
        b"\\u001b",  # ESC
        b"\\u007f",  # DEL as an escape
        b"\x7f",  # DEL raw (JSON allows it unescaped)
        b"\\u0085",  # a C1 control as an escape
        "\u0085".encode(),  # and raw in UTF-8 (0xc2 0x85)
        "\u009f".encode(),
    ],
)
def test_decode_refuses_control_characters_however_the_body_writes_them(raw):
    record, body = _with_service(raw)
    with pytest.raises(ContractError, match=r"service: .*control characters"):
        decode(record.topic, record.headers, body)


@pytest.mark.parametrize(
    "text", ["Layanan °C", "Layanan\u00a0KTP", "Café", "Layanan 中文", "Layanan 🙂", "a\\nb"]
)
def test_decode_keeps_ordinary_text_whether_or_not_it_needs_the_walk(text):
    record, body = _with_service(text.encode())
    env = decode(record.topic, record.headers, body)
    assert env.data.service == json.loads(f'"Layanan {text}"')
