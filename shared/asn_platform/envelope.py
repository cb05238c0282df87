"""CloudEvents 1.0 in Kafka binary mode: the envelope of every event on every topic.

A record carries the attributes as headers and the event payload (JSON) as its value::

    ce_specversion: 1.0                 ce_type: asn.surveys.survey-submitted.v1
    ce_id: <uuid>                       ce_source: /tangsel/surveys
    ce_time: 2026-08-14T03:21:07.1Z     ce_subject: units/disdukcapil/responses/...
    content-type: application/json     key: the event's partition key (unit id, NIP, ...)
    ce_traceparent, ce_tracestate: the W3C trace context (CloudEvents distributed-tracing
                                        extension), when the event was made inside a span

API:

- ``encode(event, *, source, id=None, time=None, max_bytes=...) -> KafkaRecord`` builds the record
  (topic, key, value, headers); raises ``ContractError`` if it exceeds ``max_bytes``
  (``PlatformSettings.kafka_max_message_bytes``: Tansu accepts anything, real Kafka ~1 MB).
  The current span's trace context is added as ``ce_traceparent``/``ce_tracestate``
  (``asn_platform.telemetry``); without tracing there is no current span and no such header.
- ``decode(topic, headers, value, *, key=None, expected=None) -> Envelope`` checks the headers
  and validates the body against the topic's contract (or ``expected``), returning the typed
  event in ``Envelope.data``. Anything that does not match raises ``ContractError`` with a message
  naming the header or field. The trace context, if any, is in ``Envelope.traceparent`` and
  ``Envelope.tracestate`` (never validated: a bad one only starts a new trace). Unknown payload fields are ignored (tolerant reader: adding an
  optional field is a compatible change); unknown headers are ignored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Generic, TypeVar
from uuid import UUID, uuid4

from pydantic import ValidationError

from asn_platform.contracts.base import TEXT_CHECKED, Event, text_needs_check
from asn_platform.contracts.registry import EventSpec, spec_for
from asn_platform.telemetry import H_TRACEPARENT, H_TRACESTATE, trace_headers

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"
DEFAULT_MAX_MESSAGE_BYTES = 1_000_000

H_SPECVERSION = "ce_specversion"
H_ID = "ce_id"
H_SOURCE = "ce_source"
H_TYPE = "ce_type"
H_TIME = "ce_time"
H_SUBJECT = "ce_subject"
H_CONTENT_TYPE = "content-type"
REQUIRED_HEADERS = (H_SPECVERSION, H_ID, H_SOURCE, H_TYPE, H_TIME)

E = TypeVar("E", bound=Event)


class ContractError(ValueError):
    """A message does not match its contract (headers or body). Never retried: dead-lettered."""


@dataclass(frozen=True, slots=True)
class KafkaRecord:
    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]

    @property
    def size(self) -> int:
        return len(self.key) + len(self.value) + sum(len(k) + len(v) for k, v in self.headers)

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k == name:
                return v.decode()
        return None


@dataclass(frozen=True, slots=True)
class Envelope(Generic[E]):
    """A decoded event: CloudEvents attributes plus the typed payload."""

    id: UUID
    type: str
    source: str
    time: datetime
    subject: str | None
    data: E
    topic: str = ""
    key: bytes | None = None
    partition: int | None = field(default=None, compare=False)
    offset: int | None = field(default=None, compare=False)
    traceparent: str | None = field(default=None, compare=False)
    tracestate: str | None = field(default=None, compare=False)


def _format_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ContractError("ce_time must carry a timezone")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def encode(
    event: Event,
    *,
    source: str,
    id: UUID | None = None,
    time: datetime | None = None,
    max_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
) -> KafkaRecord:
    """The Kafka record of an event: CloudEvents headers, JSON value, partition key as key."""
    if not source:
        raise ContractError("ce_source must not be empty (e.g. '/tangsel/surveys')")
    event_type = getattr(type(event), "event_type", None)
    topic = getattr(type(event), "topic", None)
    if not event_type or not topic:
        raise ContractError(f"{type(event).__name__} declares no event_type/topic")
    key = event.partition_key()
    if not key:
        raise ContractError(f"{event_type}: the partition key is empty")
    headers = [
        (H_SPECVERSION, SPECVERSION.encode()),
        (H_ID, str(id or uuid4()).encode()),
        (H_SOURCE, source.encode()),
        (H_TYPE, event_type.encode()),
        (H_TIME, _format_time(time or datetime.now(UTC)).encode()),
        (H_SUBJECT, event.subject().encode()),
        (H_CONTENT_TYPE, CONTENT_TYPE.encode()),
        *trace_headers(),
    ]
    record = KafkaRecord(topic, key.encode(), event.model_dump_json().encode(), headers)
    if record.size > max_bytes:
        raise ContractError(
            f"{event_type}: message is {record.size} bytes, over the {max_bytes}-byte limit "
            "(ASN_KAFKA_MAX_MESSAGE_BYTES)"
        )
    return record


def _header_map(topic: str, headers: object) -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        for name, raw in headers:  # type: ignore[attr-defined]
            if name in out:
                if name in REQUIRED_HEADERS or name in (H_SUBJECT, H_CONTENT_TYPE):
                    raise ContractError(f"{topic}: header {name} appears twice")
                continue
            if isinstance(raw, bytes | bytearray):
                try:
                    out[name] = bytes(raw).decode()
                except UnicodeDecodeError:
                    raise ContractError(f"{topic}: header {name} is not UTF-8") from None
            elif raw is None:
                out[name] = ""
            else:
                out[name] = str(raw)
    except (TypeError, ValueError) as err:
        if isinstance(err, ContractError):
            raise
        raise ContractError(f"{topic}: headers are not (name, bytes) pairs") from None
    return out


def _resolve(topic: str, expected: EventSpec | type[Event] | None) -> type[Event]:
    if expected is None:
        try:
            return spec_for(topic).model
        except KeyError:
            raise ContractError(f"no event contract for topic {topic!r}") from None
    if isinstance(expected, EventSpec):
        return expected.model
    return expected


def _describe(err: ValidationError) -> str:
    parts = []
    for e in err.errors()[:5]:
        loc = ".".join(str(p) for p in e["loc"]) or "body"
        parts.append(f"{loc}: {e['msg']}")
    more = err.error_count() - 5
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def _check_attributes(topic: str, h: dict[str, str], model: type[Event]) -> None:
    missing = [name for name in REQUIRED_HEADERS if not h.get(name)]
    if missing:
        raise ContractError(f"{topic}: missing CloudEvents header(s) {', '.join(missing)}")
    if h[H_SPECVERSION] != SPECVERSION:
        raise ContractError(
            f"{topic}: {H_SPECVERSION} is {h[H_SPECVERSION]!r}, expected {SPECVERSION!r}"
        )
    if h[H_TYPE] != model.event_type:
        raise ContractError(f"{topic}: {H_TYPE} is {h[H_TYPE]!r}, expected {model.event_type!r}")
    content_type = h.get(H_CONTENT_TYPE, "")
    if content_type.split(";")[0].strip().lower() != CONTENT_TYPE:
        raise ContractError(
            f"{topic}: {H_CONTENT_TYPE} is {content_type!r}, expected {CONTENT_TYPE!r}"
        )


def _id_and_time(topic: str, h: dict[str, str]) -> tuple[UUID, datetime]:
    try:
        event_id = UUID(h[H_ID])
    except ValueError:
        raise ContractError(f"{topic}: {H_ID} {h[H_ID]!r} is not a UUID") from None
    try:
        moment = datetime.fromisoformat(h[H_TIME])
    except ValueError:
        raise ContractError(f"{topic}: {H_TIME} {h[H_TIME]!r} is not an RFC 3339 time") from None
    if moment.tzinfo is None:
        raise ContractError(f"{topic}: {H_TIME} {h[H_TIME]!r} has no timezone offset")
    return event_id, moment


def decode(
    topic: str,
    headers: object,
    value: bytes | None,
    *,
    key: bytes | None = None,
    expected: EventSpec | type[Event] | None = None,
    partition: int | None = None,
    offset: int | None = None,
) -> Envelope[Event]:
    """Validate a record against its contract and return the envelope; ``ContractError`` if not.

    ``headers`` is the Kafka header list (name, bytes) as aiokafka gives it. ``key``, when given,
    must equal the event's partition key. ``expected`` overrides the contract chosen by topic
    (e.g. for a test topic carrying a known event type).
    """
    model = _resolve(topic, expected)
    h = _header_map(topic, headers)
    _check_attributes(topic, h, model)
    event_id, moment = _id_and_time(topic, h)
    if not value:
        raise ContractError(f"{topic}: empty body (tombstones carry no event)")
    try:
        data = model.model_validate_json(
            value, extra="ignore", context=None if text_needs_check(value) else TEXT_CHECKED
        )
    except ValidationError as err:
        if any(e["type"] == "json_invalid" for e in err.errors()):
            raise ContractError(f"{topic}: body is not valid JSON") from None
        raise ContractError(
            f"{topic}: body does not match {model.__name__}: {_describe(err)}"
        ) from None
    subject = h.get(H_SUBJECT) or None
    if subject is not None and subject != data.subject():
        raise ContractError(f"{topic}: {H_SUBJECT} does not match the event's subject")
    if key is not None and key != data.partition_key().encode():
        raise ContractError(f"{topic}: the Kafka key is not the event's partition key")
    return Envelope(
        id=event_id,
        type=h[H_TYPE],
        source=h[H_SOURCE],
        time=moment,
        subject=subject,
        data=data,
        topic=topic,
        key=key,
        partition=partition,
        offset=offset,
        traceparent=h.get(H_TRACEPARENT) or None,
        tracestate=h.get(H_TRACESTATE) or None,
    )


def describe_record(record: KafkaRecord) -> str:
    """One line for logs: type, id and size, never the payload (it may hold personal data)."""
    return json.dumps(
        {"type": record.header(H_TYPE), "id": record.header(H_ID), "bytes": record.size}
    )
