"""Settings of the webhooks service (environment variables prefixed ASN_)."""

from pydantic import Field, SecretStr, field_validator

from asn_platform.settings import PlatformSettings
from asn_webhooks.sealing import check_key, split_keys


class Settings(PlatformSettings):
    http_port: int = Field(default=8006, ge=1, le=65535)
    webhooks_group: str = Field(
        default="webhooks", description="Consumer group of the relayed topics (one for all)."
    )
    webhooks_allow_http_loopback: bool = Field(
        default=False,
        description="Accept plain-http endpoints on a loopback host (development only).",
    )
    webhooks_verify_timeout_s: float = Field(
        default=5.0, gt=0, le=60, description="How long registration waits for the endpoint."
    )
    webhooks_request_timeout_s: float = Field(
        default=10.0, gt=0, le=120, description="How long one delivery waits for its 2xx."
    )
    webhooks_max_attempts: int = Field(
        default=8, ge=1, le=100, description="Failed attempts after which a delivery is dead."
    )
    webhooks_initial_backoff_s: float = Field(default=1.0, ge=0, le=3600)
    webhooks_max_backoff_s: float = Field(default=300.0, ge=0, le=86400)
    webhooks_pause_after_failures: int = Field(
        default=20,
        ge=1,
        le=10000,
        description="Consecutive failed attempts after which a subscription is paused.",
    )
    webhooks_secret_overlap_s: float = Field(
        default=86400.0,
        ge=0,
        le=30 * 86400,
        description="How long the old secret still signs after a rotation (default 24 h).",
    )
    webhooks_concurrency: int = Field(
        default=32, ge=1, le=1000, description="Requests in flight at once (all subscriptions)."
    )
    webhooks_poll_interval_s: float = Field(
        default=1.0,
        gt=0,
        le=60,
        description="Look for due retries this often (new events wake the sender at once).",
    )
    webhooks_secret_keys: SecretStr | None = Field(
        default=None,
        description="Fernet keys sealing the signing secrets in PostgreSQL, comma-separated: the "
        "first seals, all open (rotation: put a new key first, restart, then drop the old one). "
        "Required: the service refuses to start without it (./dev run makes one in .data).",
    )
    webhooks_delivered_retention_days: float = Field(
        default=7.0, ge=0, description="Forget delivered rows after this; 0 keeps them."
    )

    @field_validator("webhooks_secret_keys", mode="before")
    @classmethod
    def _fernet_keys(cls, value: object) -> object:
        if value is None or value == "":  # compose passes an unset variable as ""
            return None
        keys = split_keys(value.get_secret_value() if isinstance(value, SecretStr) else str(value))
        for i, key in enumerate(keys, start=1):
            try:
                check_key(key)
            except ValueError:  # the key itself is never echoed
                raise ValueError(
                    f"key {i} is not a Fernet key (32 url-safe base64-encoded bytes)"
                ) from None
        return ",".join(keys) or None

    def secret_keys(self) -> list[str]:
        keys = self.webhooks_secret_keys
        return split_keys(keys.get_secret_value()) if keys else []
