"""Request and response models of the HTTP API (they document the OpenAPI)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(default=None, max_length=254, description="Work email address.")
    mobile: str | None = Field(
        default=None, max_length=32, description="Mobile number for WhatsApp (0812..., +62812...)."
    )
    channel: Literal["email", "whatsapp"] = Field(default="email", description="Preferred channel.")
    lang: Literal["id", "en"] = Field(default="id", description="Language of the messages.")
    nudge_opt_out: bool = Field(
        default=False,
        description="No nudges about programmes (notices about one's own sessions still come).",
    )


class ContactOut(BaseModel):
    nip: str
    email: str | None
    mobile: str | None
    channel: Literal["email", "whatsapp"]
    lang: Literal["id", "en"]
    nudge_opt_out: bool


class ImportRowError(BaseModel):
    line: int
    field: str
    message: str
    message_en: str


class ImportResult(BaseModel):
    imported: int = Field(description="Good rows stored (created or replaced).")
    rejected: int
    bad_rows: list[ImportRowError]


class DeliveryOut(BaseModel):
    id: int
    kind: str
    recipient_nip: str
    status: Literal["pending", "sending", "sent", "failed", "skipped"]
    channel: str | None
    attempts: int
    not_before: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> DeliveryOut:
        return cls.model_validate({k: row[k] for k in cls.model_fields})


class DeliveryList(BaseModel):
    items: list[DeliveryOut]


class Resent(BaseModel):
    id: int
    previous_status: str
    status: str


class CertificateOut(BaseModel):
    number: str
    programme_code: str
    programme_title: str | None
    jp: float
    completed_at: datetime
    issued_at: datetime
    download: str = Field(description="Path of the PDF.")


class CertificateList(BaseModel):
    items: list[CertificateOut]


class Verification(BaseModel):
    number: str
    valid: bool
    holder_name: str | None = Field(description="Only the holder's name, nothing else.")
    message: str
    message_en: str
