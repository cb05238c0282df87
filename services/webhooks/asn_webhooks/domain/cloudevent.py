"""The HTTP body of a webhook: one CloudEvent 1.0 in structured mode (JSON format).

Structured mode puts every attribute and the data in the body
(``content-type: application/cloudevents+json``), so a receiver stores or forwards one
self-describing document and the Standard Webhooks signature covers all of it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

CONTENT_TYPE = "application/cloudevents+json"
DATA_CONTENT_TYPE = "application/json"
VERIFICATION_TYPE = "asn.webhooks.endpoint-verification.v1"
VERIFICATION_SOURCE = "/tangsel/webhooks"


@dataclass(frozen=True, slots=True)
class CloudEvent:
    id: str
    source: str
    type: str
    time: datetime
    subject: str | None
    data: Any

    def to_json(self) -> bytes:
        """The body bytes; signed and sent as they are."""
        doc: dict[str, Any] = {
            "specversion": "1.0",
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "time": _rfc3339(self.time),
        }
        if self.subject:
            doc["subject"] = self.subject
        doc["datacontenttype"] = DATA_CONTENT_TYPE
        doc["data"] = self.data
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def _rfc3339(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("a CloudEvent time needs a timezone")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def verification_event(
    event_id: str, subscription_id: str, agency: str, now: datetime
) -> CloudEvent:
    """What registration sends to prove the endpoint answers (it must reply 2xx in time)."""
    return CloudEvent(
        id=event_id,
        source=VERIFICATION_SOURCE,
        type=VERIFICATION_TYPE,
        time=now,
        subject=f"subscriptions/{subscription_id}",
        data={"subscription_id": subscription_id, "agency": agency},
    )
