"""Settings of the recommendations service (environment variables prefixed ASN_)."""

from pathlib import Path

from pydantic import Field, field_validator

from asn_platform.settings import PlatformSettings


class Settings(PlatformSettings):
    http_port: int = Field(default=8003, ge=1, le=65535)
    rules_path: Path | None = Field(
        default=None,
        description=(
            "The HR office's rules file (YAML); the packaged default_rules.yaml when unset. "
            "A bad file stops the service at start with the line and the reason."
        ),
    )
    demo_lead_time_days: int | None = Field(
        default=None,
        ge=-90,
        le=365,
        description=(
            "Development only (ASN_DEMO_LEAD_TIME_DAYS; the launcher of `./dev run` sets -28): "
            "replaces the rules' lead time, so the demo's sessions have already been held and "
            "their attendance can be marked (enrollment refuses it before a session starts). "
            "Unset (or empty) in production."
        ),
    )

    @field_validator("demo_lead_time_days", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # compose passes ${DEMO_LEAD_TIME_DAYS:-}: an empty string when .env does not set it
        return None if value == "" else value

    session_place: str = Field(
        default="Aula BKPSDM Kota Tangerang Selatan",
        min_length=1,
        max_length=200,
        description="Venue written on scheduled classroom sessions.",
    )
    online_url: str | None = Field(
        default=None,
        pattern=r"^https?://\S+$",
        description="Link for e-learning sessions; without it they say the link follows.",
    )
    recommendation_limit: int = Field(
        default=5, ge=1, le=20, description="Programmes per personal recommendation."
    )
    consumer_batch_size: int = Field(
        default=500, ge=1, le=10_000, description="Events applied per transaction at most."
    )
    follow_up_interval_s: float = Field(
        default=3600,
        ge=0,
        description="How often persisting gaps are checked for a follow-up programme; 0: never.",
    )
