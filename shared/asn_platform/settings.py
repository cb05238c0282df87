"""Configuration from environment variables, read through pydantic-settings.

Every variable carries the prefix ``ASN_`` (e.g. ``ASN_HTTP_PORT``). Two widely used names are
also accepted without it, as operators expect: ``DATABASE_URL`` and ``KAFKA_BOOTSTRAP_SERVERS``.
A missing or malformed value stops the program with one line naming the variable.
"""

from __future__ import annotations

import os
import socket
import sys
from typing import Any, Literal, NoReturn, TypeVar

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from asn_platform.auth.settings import AuthSettings

ENV_PREFIX = "ASN_"


class PlatformSettings(AuthSettings):
    """Settings every service shares (identity: asn_platform.auth.settings)."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", populate_by_name=True)

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices("ASN_KAFKA_BOOTSTRAP_SERVERS", "KAFKA_BOOTSTRAP_SERVERS"),
        description="Kafka bootstrap servers, host:port[,host:port].",
    )
    kafka_idempotence: bool = Field(
        default=True,
        description="Idempotent producer (Kafka's default). The launcher and the test fixtures "
        "turn it off for the Tansu fallback, which lacks it.",
    )
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT",
        description="PLAINTEXT (Tansu, open test listener) or SASL_* with SCRAM credentials.",
    )
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = "SCRAM-SHA-512"
    kafka_sasl_username: str | None = Field(
        default=None, description="This program's Kafka principal, e.g. svc-surveys."
    )
    kafka_sasl_password: SecretStr | None = Field(
        default=None, description="Its SCRAM password (a secret: never logged or printed)."
    )
    kafka_fetch_max_wait_ms: int = Field(
        default=20,
        ge=1,
        le=5000,
        description="Fetch wait. Kafka answers a waiting fetch as soon as data arrives; Tansu "
        "only at the end of the wait, so it stays small for the Tansu fallback.",
    )
    kafka_session_timeout_ms: int = Field(default=6000, ge=1000)
    kafka_heartbeat_interval_ms: int = Field(default=2000, ge=100)
    kafka_max_message_bytes: int = Field(
        default=1_000_000,
        ge=1024,
        description="Largest event we publish; Kafka's message.max.bytes is ~1 MB (Tansu has no limit).",
    )
    database_url: str = Field(
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        validation_alias=AliasChoices("ASN_DATABASE_URL", "DATABASE_URL"),
        description="PostgreSQL server URL; each service uses its own database on that server.",
    )
    database_prefix: str = Field(
        default="asn_",
        pattern=r"^[a-z_][a-z0-9_]*$",
        description="Each service's database is <prefix><service>, e.g. asn_surveys.",
    )
    outbox_retention_s: float = Field(
        default=0.0,
        ge=0,
        description="Keep sent outbox rows this long (audit, debugging); 0 deletes them on send.",
    )
    db_pool_min: int = Field(default=2, ge=1)
    db_pool_max: int = Field(default=10, ge=1)
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8000, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["auto", "json", "text"] = "auto"
    instance_id: str = Field(default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}")
    public_base_url: str | None = Field(
        default=None, description="Base URL shown to citizens (links, QR codes)."
    )
    http_max_body_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        description="Largest request body any route accepts (413 above it); routes may be stricter.",
    )
    # The scheduled inbox purge (asn_platform.inbox_purge explains why the horizon is safe).
    inbox_retention_days: float = Field(
        default=30.0,
        ge=0,
        description="Forget inbox rows older than this; 0 keeps them all. Must exceed the "
        "input topics' retention.ms plus segment.ms (Kafka's defaults: 7 + 7 days).",
    )
    inbox_purge_interval_s: float = Field(
        default=3600.0, ge=1, description="How often the inbox purge runs."
    )

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: str) -> str:
        if not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("must start with postgresql://")
        return value


S = TypeVar("S", bound=BaseSettings)


def _variable_name(model: type[BaseSettings], loc: tuple[int | str, ...]) -> str:
    key = str(loc[0]) if loc else "?"
    prefix = str(model.model_config.get("env_prefix", ""))
    for name, info in model.model_fields.items():
        alias = info.validation_alias
        names = [str(c) for c in alias.choices] if isinstance(alias, AliasChoices) else []
        if key == name or key in names:
            # Name the variable the operator actually set, when there are several spellings.
            return next(
                (n for n in names if n in os.environ),
                names[0] if names else f"{prefix}{name}".upper(),
            )
    return f"{prefix}{key}".upper()


def _is_secret(model: type[BaseSettings], loc: tuple[int | str, ...]) -> bool:
    info = model.model_fields.get(str(loc[0])) if loc else None
    return info is not None and "SecretStr" in str(info.annotation)


def describe_error(model: type[BaseSettings], err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        var = _variable_name(model, e["loc"])
        given = e.get("input")
        shown = f" (got {given!r})" if isinstance(given, str | int | float) else ""
        if _is_secret(model, e["loc"]):
            shown = ""  # a mistyped secret is still a secret: never echoed
        parts.append(f"{var}: {e['msg']}{shown}")
    return "; ".join(parts)


def load_settings(model: type[S], **overrides: Any) -> S:
    """Build settings or exit with one line naming the bad variable (no traceback)."""
    try:
        return model(**overrides)
    except ValidationError as err:
        fail(f"configuration error: {describe_error(model, err)}")


def fail(message: str) -> NoReturn:
    print(message, file=sys.stderr)
    raise SystemExit(2)
