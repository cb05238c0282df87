"""Settings of the notifications service (environment variables prefixed ASN_)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, SecretStr, field_validator

from asn_platform.settings import PlatformSettings

# Indonesian national public holidays and joint leave days (SKB 3 Menteri). The HR office keeps
# this list current through ASN_HOLIDAYS (a JSON list of dates); nudges never go out on them.
DEFAULT_HOLIDAYS: tuple[date, ...] = tuple(
    date.fromisoformat(d)
    for d in (
        "2026-01-01", "2026-01-16", "2026-02-17", "2026-03-19", "2026-03-20", "2026-03-21",
        "2026-04-03", "2026-05-01", "2026-05-14", "2026-05-27", "2026-05-31", "2026-06-01",
        "2026-06-16", "2026-08-17", "2026-08-25", "2026-12-25",
        "2027-01-01", "2027-02-06", "2027-03-10", "2027-03-11", "2027-03-26", "2027-05-01",
        "2027-05-06", "2027-05-16", "2027-05-20", "2027-06-01", "2027-06-06", "2027-08-15",
        "2027-08-17", "2027-12-25",
    )
)  # fmt: skip

WHATSAPP_TEMPLATES: dict[str, str] = {
    "invitation": "asn_undangan_pelatihan",
    "confirmation": "asn_konfirmasi_pendaftaran",
    "reminder": "asn_pengingat_sesi",
    "rescheduled": "asn_jadwal_berubah",
    "cancelled": "asn_sesi_dibatalkan",
    "nudge": "asn_ajakan_pelatihan",
    "escalation": "asn_info_atasan",
    "completion": "asn_pelatihan_selesai",
}


class Settings(PlatformSettings):
    http_port: int = Field(default=8005, ge=1, le=65535)

    # -- email (SMTP) ----------------------------------------------------------------------
    smtp_host: str = Field(default="127.0.0.1", description="SMTP server (relay) host.")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "tls"] = Field(
        default="none",
        description="none (a local relay or the dev mail catcher), starttls (port 587) or "
        "tls (implicit TLS, port 465).",
    )
    smtp_username: str | None = Field(default=None, description="SMTP login, when required.")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password (secret).")
    smtp_timeout_s: float = Field(default=15.0, gt=0, le=300)
    mail_from: str = Field(
        default="BKPSDM Kota Tangerang Selatan <no-reply@tangerangselatankota.go.id>",
        description="From: of every email.",
    )

    # -- WhatsApp (Cloud API shaped gateway) --------------------------------------------------
    whatsapp_url: str | None = Field(
        default=None,
        pattern=r"^https?://\S+$",
        description="Messages endpoint, e.g. https://graph.facebook.com/v21.0/<phone-number-id>/"
        "messages; unset: WhatsApp is off and people who prefer it get email.",
    )
    whatsapp_token: SecretStr | None = Field(default=None, description="Bearer token (secret).")
    whatsapp_templates: dict[str, str] = Field(
        default_factory=lambda: dict(WHATSAPP_TEMPLATES),
        description="Approved template name per message kind (JSON object).",
    )
    whatsapp_timeout_s: float = Field(default=15.0, gt=0, le=300)

    # -- delivery --------------------------------------------------------------------------
    sender_interval_s: float = Field(
        default=1.0, gt=0, le=3600, description="How often the sender looks for due messages."
    )
    sender_batch_size: int = Field(default=50, ge=1, le=1000)
    sender_concurrency: int = Field(
        default=4, ge=1, le=32, description="SMTP connections (lanes) a batch is sent over."
    )
    sender_lease_s: float = Field(
        default=120.0, gt=0, description="A claimed message is retried after this if unsent."
    )
    retry_max_attempts: int = Field(default=8, ge=1, le=100)
    retry_initial_delay_s: float = Field(default=30.0, gt=0)
    retry_max_delay_s: float = Field(default=3600.0, gt=0)
    quiet_start_hour: int = Field(default=20, ge=0, le=23, description="Nudges stop (WIB).")
    quiet_end_hour: int = Field(default=8, ge=0, le=23, description="Nudges resume (WIB).")
    quiet_weekdays: list[int] = Field(
        default_factory=lambda: [6],
        description="Days of the week without nudges, 0 = Monday ... 6 = Sunday (JSON list); "
        "e.g. [5, 6] for a city that keeps Saturdays free too.",
    )
    holidays: list[date] = Field(
        default_factory=lambda: list(DEFAULT_HOLIDAYS),
        description="Public holidays (no nudges), JSON list of ISO dates.",
    )
    nudge_weekly_cap: int = Field(
        default=2, ge=0, le=50, description="Nudges per person in any 7 days at most."
    )
    notifications_retention_days: int = Field(
        default=400,
        ge=0,
        le=36500,
        description="Sent and skipped delivery rows older than this are purged; 0: kept for "
        "ever. Must outlast the retention of the topics this service reads (a replayed event "
        "whose row is gone would send its message again); the weekly cap needs 7 days.",
    )
    delivery_purge_interval_s: float = Field(
        default=3600.0, gt=0, description="How often the delivery purge runs (with jitter)."
    )
    reminder_interval_s: float = Field(
        default=900.0, ge=0, description="How often the day-before reminders are planned; 0: never."
    )
    verify_base_url: str = Field(
        default="http://127.0.0.1:8005",
        pattern=r"^https?://\S+$",
        description="Public base URL of this service: the certificate QR code points at "
        "<verify_base_url>/verify/<number>.",
    )
    issuer_name: str = Field(default="BKPSDM Kota Tangerang Selatan", min_length=1, max_length=120)

    @field_validator("notifications_retention_days")
    @classmethod
    def _retention(cls, value: int) -> int:
        if 0 < value < 30:
            raise ValueError("0 (keep every row) or at least 30 days (above the topics' retention)")
        return value

    @field_validator("quiet_weekdays")
    @classmethod
    def _weekdays(cls, value: list[int]) -> list[int]:
        if any(not 0 <= d <= 6 for d in value):
            raise ValueError("days of the week are 0 (Monday) to 6 (Sunday)")
        return value

    @field_validator(
        "smtp_username", "smtp_password", "whatsapp_url", "whatsapp_token", mode="before"
    )
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # docker compose passes an unset optional secret as "" (${WHATSAPP_URL:-}): none given
        return None if value == "" else value
