"""Settings of the recommendations service (environment variables prefixed ASN_)."""

from pydantic import Field

from asn_platform.settings import PlatformSettings


class Settings(PlatformSettings):
    http_port: int = Field(default=8003, ge=1, le=65535)
