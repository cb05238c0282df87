"""Settings of the surveys service (environment variables prefixed ASN_)."""

from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from asn_platform.periods import PeriodKind
from asn_platform.settings import PlatformSettings

PERIOD_KINDS: dict[str, PeriodKind] = {
    "month": PeriodKind.MONTH,
    "quarter": PeriodKind.QUARTER,
    "semester": PeriodKind.SEMESTER,
    "year": PeriodKind.YEAR,
}


class Settings(PlatformSettings):
    http_port: int = Field(default=8001, ge=1, le=65535)
    gap_threshold: Decimal = Field(
        default=Decimal("76.61"),
        ge=25,
        le=100,
        description="An element whose converted score is below this is a service gap "
        "(76.61 = lowest 'Baik'; below it is mutu C or D).",
    )
    gap_recovery_threshold: Decimal | None = Field(
        default=None,
        ge=25,
        le=100,
        description="Score an open gap must reach to count as recovered; default: the threshold.",
    )
    gap_period_kind: Literal["month", "quarter", "semester", "year"] = Field(
        default="quarter", description="Period over which gaps are judged."
    )
    intake_batch_max: int = Field(
        default=64,
        ge=1,
        le=1000,
        description="Concurrent intake submissions committed in one transaction at most "
        "(group commit, asn_platform.group_commit; 1 turns it off).",
    )
    intake_batch_wait_ms: float = Field(
        default=2.0,
        ge=0,
        le=50,
        description="While the database is busy, how long a new batch waits for more "
        "submissions to join it.",
    )
    rate_limit_per_minute: int = Field(
        default=30,
        ge=0,
        description="Survey submissions per client IP and minute (0 turns the guard off).",
    )
    rate_limit_burst: int = Field(
        default=10, ge=1, description="Submissions a client may send at once before the limit."
    )
    rate_limit_max_clients: int = Field(
        default=100_000, ge=100, description="Clients tracked at once (bounds the memory used)."
    )
    trust_forwarded_for: bool = Field(
        default=False,
        description="Take the client IP from X-Forwarded-For (only behind a trusted proxy).",
    )
    personal_data_retention_days: int = Field(
        default=365,
        ge=1,
        le=3650,
        description="Citizens' comments and exact ages are anonymised after this many days "
        "(UU 27/2022); counts and IKM do not change.",
    )
    retention_interval_s: float = Field(
        default=3600.0, ge=1, description="How often the retention job runs (seconds)."
    )
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, description="Largest request body.")
    seed_units: bool = Field(default=True, description="Insert the Tangerang Selatan units.")

    @model_validator(mode="after")
    def _recovery_not_below_threshold(self) -> "Settings":
        if self.gap_recovery_threshold is not None and (
            self.gap_recovery_threshold < self.gap_threshold
        ):
            raise ValueError("gap_recovery_threshold must not be below gap_threshold")
        return self

    @property
    def gap_kind(self) -> PeriodKind:
        return PERIOD_KINDS[self.gap_period_kind]
