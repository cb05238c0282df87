"""Settings of the surveys service (environment variables prefixed ASN_)."""

from pydantic import Field

from asn_platform.settings import PlatformSettings


class Settings(PlatformSettings):
    http_port: int = Field(default=8001, ge=1, le=65535)
