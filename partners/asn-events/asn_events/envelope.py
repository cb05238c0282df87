"""CloudEvents 1.0 in Kafka binary mode, as the platform writes every event.

The attributes travel as record headers, the data (JSON) as the record value::

    ce_specversion  1.0
    ce_id           a UUID, unique per event: deduplicate on it (delivery is at-least-once)
    ce_source       /tangsel/<service>
    ce_type         asn.<service>.<event>.v<major>   (the topic has the same name)
    ce_time         RFC 3339, UTC
    ce_subject      what the event is about (optional)
    content-type    application/json
    key             the partition key (unit id, NIP, programme code...): one key stays in order

``decode`` refuses (``EnvelopeError``, naming the header or field) anything that is not such an
event; unknown headers and unknown data fields are accepted (new optional fields are a
compatible change).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Protocol
from uuid import UUID

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from asn_events.schemas import event_types, schema_for

SPECVERSION = "1.0"
_REQUIRED = ("ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time")


class EnvelopeError(ValueError):
    """The record is not a valid platform event."""


class KafkaRecordLike(Protocol):
    topic: str
    key: bytes | None
    value: bytes | None
    headers: Any  # sequence of (name, bytes)
    partition: int
    offset: int


@dataclass(frozen=True, slots=True)
class CloudEvent:
    id: UUID
    type: str
    source: str
    time: datetime
    subject: str | None
    data: dict[str, Any]
    topic: str
    key: str | None
    partition: int
    offset: int


def _headers(record: KafkaRecordLike) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in record.headers or ():
        try:
            found[name] = value.decode("utf-8") if isinstance(value, bytes) else str(value)
        except UnicodeDecodeError:
            raise EnvelopeError(f"header {name} is not UTF-8") from None
    return found


def _tolerant(schema: Any) -> Any:
    """The schema without ``additionalProperties: false``: a reader ignores fields it does not
    know (a newer minor version may have added them), it only insists on what it needs."""
    if isinstance(schema, dict):
        return {
            k: _tolerant(v)
            for k, v in schema.items()
            if not (k == "additionalProperties" and v is False)
        }
    if isinstance(schema, list):
        return [_tolerant(v) for v in schema]
    return schema


@cache
def _validator(event_type: str) -> Draft202012Validator:
    return Draft202012Validator(_tolerant(schema_for(event_type)), format_checker=FormatChecker())


def decode(record: KafkaRecordLike) -> CloudEvent:
    """The verified event in ``record``, or ``EnvelopeError`` saying what is wrong."""
    headers = _headers(record)
    missing = [h for h in _REQUIRED if not headers.get(h)]
    if missing:
        raise EnvelopeError(f"missing CloudEvents header(s): {', '.join(missing)}")
    if headers["ce_specversion"] != SPECVERSION:
        raise EnvelopeError(f"ce_specversion must be {SPECVERSION}")
    content_type = headers.get("content-type", "application/json")
    if not content_type.startswith("application/json"):
        raise EnvelopeError(f"content-type {content_type!r} is not application/json")
    event_type = headers["ce_type"]
    if event_type not in event_types():
        raise EnvelopeError(f"ce_type {event_type!r} is not a published event type")
    if record.topic != event_type:
        raise EnvelopeError(f"ce_type {event_type!r} does not belong on topic {record.topic!r}")
    try:
        event_id = UUID(headers["ce_id"])
    except ValueError:
        raise EnvelopeError("ce_id is not a UUID") from None
    try:
        time = datetime.fromisoformat(headers["ce_time"].replace("Z", "+00:00"))
    except ValueError:
        raise EnvelopeError("ce_time is not an RFC 3339 date-time") from None
    if time.tzinfo is None:
        raise EnvelopeError("ce_time has no offset")
    try:
        data = json.loads(record.value or b"")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise EnvelopeError("the record value is not JSON") from None
    if not isinstance(data, dict):
        raise EnvelopeError("the event data must be a JSON object")
    errors = sorted(_validator(event_type).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        raise EnvelopeError(f"data does not match {event_type}: {_describe(errors[0])}")
    return CloudEvent(
        id=event_id,
        type=event_type,
        source=headers["ce_source"],
        time=time,
        subject=headers.get("ce_subject"),
        data=data,
        topic=record.topic,
        key=record.key.decode("utf-8", "replace") if record.key is not None else None,
        partition=record.partition,
        offset=record.offset,
    )


def _describe(error: ValidationError) -> str:
    where = ".".join(str(p) for p in error.absolute_path) or "(the object)"
    return f"{where}: {error.message}"
