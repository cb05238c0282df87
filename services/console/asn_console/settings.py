"""Console settings (environment variables prefixed ASN_, like every service)."""

from __future__ import annotations

import secrets

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from asn_platform.auth.settings import AuthSettings
from asn_platform.settings import ENV_PREFIX


class Settings(AuthSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", populate_by_name=True)

    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8004, ge=1, le=65535)
    log_level: str = "INFO"
    log_format: str = "auto"
    surveys_url: str = Field(default="http://127.0.0.1:8001", description="surveys service")
    enrollment_url: str = Field(default="http://127.0.0.1:8002", description="enrollment service")
    recommendations_url: str = Field(
        default="http://127.0.0.1:8003", description="recommendations service"
    )
    notifications_url: str = Field(
        default="http://127.0.0.1:8005", description="notifications service (dead letters)"
    )
    webhooks_url: str = Field(
        default="http://127.0.0.1:8006", description="webhooks service (dead letters)"
    )
    console_public_url: str | None = Field(
        default=None,
        description="The console's public base URL (its OIDC redirect URI is <this>/auth/"
        "callback). Unset: taken from the request (fine on one machine).",
    )
    console_client_id: str = Field(default="asn-console", description="OIDC public client id")
    console_session_secret: str = Field(
        default_factory=lambda: secrets.token_urlsafe(32),
        description="Key signing the session cookie. Unset: a random one per process (sessions "
        "end when the console restarts).",
    )
    console_session_idle_s: int = Field(
        default=3600, ge=60, description="A session unused this long is forgotten."
    )
    console_api_timeout_s: float = Field(default=10.0, gt=0)
