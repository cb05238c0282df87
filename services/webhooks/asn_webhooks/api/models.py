"""Request and response bodies of the admin API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from asn_platform.access import GRANTABLE_TOPICS
from asn_platform.inputs import PG_INT_MAX, SafeText
from asn_webhooks.domain.model import DeadLetter, Subscription

# Any text here: which types a subscription may get is the domain's rule (a field error names it).
EventType = Annotated[str, Field(min_length=1, max_length=200)]


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agency: SafeText = Field(description="Instansi penerima / receiving agency")
    url: str = Field(
        min_length=1,
        max_length=2000,
        description="HTTPS endpoint that receives the events (http only to loopback in dev)",
    )
    event_types: list[EventType] = Field(min_length=1, max_length=len(GRANTABLE_TOPICS))
    allow_personal_data: bool = Field(
        default=False,
        description="Required for event types that carry a person's NIP (as for Kafka grants)",
    )


class RotateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    overlap_s: float | None = Field(
        default=None,
        ge=0,
        le=30 * 86400,
        description="How long the old secret keeps signing beside the new one (default: setting)",
    )


class RedeliverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[int] | None = Field(
        default=None,
        max_length=1000,
        description="Dead-lettered delivery ids to send again; all of them when omitted",
    )

    def checked_ids(self) -> list[int] | None:
        return None if self.ids is None else [i for i in self.ids if 0 < i <= 2**63 - 1]


class Counts(BaseModel):
    pending: int
    delivered: int
    dead: int


class SubscriptionOut(BaseModel):
    id: UUID
    agency: str
    url: str
    event_types: list[str]
    allow_personal_data: bool
    status: Literal["active", "paused"]
    paused_reason: str | None
    consecutive_failures: int = Field(le=PG_INT_MAX)
    previous_secret_valid_until: datetime | None = Field(
        description="While set and in the future, requests carry both signatures"
    )
    created_at: datetime
    updated_at: datetime
    deliveries: Counts | None = None

    @classmethod
    def of(cls, sub: Subscription, counts: dict[str, int] | None = None) -> SubscriptionOut:
        return cls(
            id=sub.id,
            agency=sub.agency,
            url=sub.url,
            event_types=sub.event_types,
            allow_personal_data=sub.allow_personal_data,
            status=sub.status,  # type: ignore[arg-type]
            paused_reason=sub.paused_reason,
            consecutive_failures=sub.consecutive_failures,
            previous_secret_valid_until=sub.secrets.previous_until,
            created_at=sub.created_at,
            updated_at=sub.updated_at,
            deliveries=Counts(**counts) if counts is not None else None,
        )


class RegisteredOut(SubscriptionOut):
    secret: str = Field(
        description="Signing secret (whsec_...): shown only now; keep it in the receiver"
    )


class RotatedOut(SubscriptionOut):
    secret: str = Field(description="The new signing secret, shown only now")


class DeadLetterOut(BaseModel):
    id: int
    event_id: UUID
    event_type: str
    event_key: str
    attempts: int
    last_status: int | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, d: DeadLetter) -> DeadLetterOut:
        return cls(
            id=d.id,
            event_id=d.event_id,
            event_type=d.event_type,
            event_key=d.event_key,
            attempts=d.attempts,
            last_status=d.last_status,
            last_error=d.last_error,
            created_at=d.created_at,
            finished_at=d.finished_at,
        )


class RedeliveredOut(BaseModel):
    redelivered: int = Field(description="Dead letters put back in the queue")
