"""What the service knows about a subscription and a delivery (read from the store)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from asn_webhooks.domain.subscriptions import Secrets


@dataclass(frozen=True, slots=True)
class Subscription:
    id: UUID
    agency: str
    url: str
    event_types: list[str]
    allow_personal_data: bool
    status: str  # active | paused
    paused_reason: str | None
    secrets: Secrets  # as stored: sealed tokens, which only the sender opens (sealing.py)
    consecutive_failures: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Delivery:
    """A claimed attempt: the body and the secrets that sign it."""

    id: int
    subscription_id: UUID
    event_id: UUID
    event_type: str
    event_key: str
    body: bytes
    attempts: int  # before this one
    url: str
    secrets: Secrets  # opened, in memory only


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: int
    event_id: UUID
    event_type: str
    event_key: str
    attempts: int
    last_status: int | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None
