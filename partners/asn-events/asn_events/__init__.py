"""Subscriber kit for partner agencies of the ASN development platform.

- ``asn_events.envelope``: ``decode(record)`` turns a Kafka record into a verified ``CloudEvent``
  (CloudEvents 1.0, Kafka binary mode) and validates its data against the event's JSON Schema.
- ``asn_events.schemas``: the published JSON Schemas, one per event type (``schema_for``).
- ``asn_events.config``: reads the login that ``asn-partners add`` printed for your agency.
- ``asn_events.consumer``: ``EventConsumer``, commits a record's offset only after your handler
  returned, so a crash re-delivers instead of losing (at-least-once; deduplicate by ``event.id``).
- ``asn_events.example``: the example consumer (``python -m asn_events.example``).
"""

from asn_events.envelope import CloudEvent, EnvelopeError, decode
from asn_events.schemas import event_types, schema_for

__all__ = ["CloudEvent", "EnvelopeError", "decode", "event_types", "schema_for"]
