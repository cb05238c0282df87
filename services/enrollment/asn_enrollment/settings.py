"""Settings of the enrollment service (environment variables prefixed ASN_)."""

from typing import Self

from pydantic import Field, model_validator

from asn_platform.settings import PlatformSettings


class Settings(PlatformSettings):
    http_port: int = Field(default=8002, ge=1, le=65535)
    enrollment_seed_roster: bool = Field(
        default=True,
        description="Insert the synthetic Tangerang Selatan roster at start if the roster is empty.",
    )
    enrollment_seed_catalogue: bool = Field(
        default=True,
        description="Insert the Tangerang Selatan programmes missing from the catalogue at start.",
    )
    enrollment_recommendations_timeout_s: float = Field(
        default=5.0,
        gt=0,
        le=60,
        description="How long GET /api/v1/asn/{nip}/recommendations waits for an answer.",
    )
    enrollment_scheduler_group: str = Field(
        default="enrollment-scheduler",
        description="Consumer group of the programme-scheduled subscriber.",
    )
    enrollment_max_csv_bytes: int = Field(
        default=5_000_000, ge=1024, description="Largest roster CSV accepted by the import."
    )

    @model_validator(mode="after")
    def _body_ceiling_fits_the_csv(self) -> Self:
        # The platform's body ceiling must let a roster CSV (and its multipart wrapping) in.
        self.http_max_body_bytes = max(
            self.http_max_body_bytes, self.enrollment_max_csv_bytes + 65536
        )
        return self
