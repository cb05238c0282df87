"""Identity settings every service shares (environment variables prefixed ASN_).

The same variables point a service at the embedded development provider (``./dev run``, the
tests) or at Keycloak in production: only the issuer URL changes.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings


class AuthSettings(BaseSettings):
    oidc_issuer: str | None = Field(
        default=None,
        description="OpenID Connect issuer, e.g. https://sso.tangerangselatankota.go.id/realms/"
        "asn. Unset: every protected endpoint answers 401 (nothing is open by accident).",
    )
    oidc_discovery_url: str | None = Field(
        default=None,
        description="Where to read the discovery document, if not <issuer>/.well-known/"
        "openid-configuration (e.g. an in-cluster address of the provider).",
    )
    oidc_audience: str = Field(
        default="asn-platform", description="Required 'aud' of access tokens."
    )
    oidc_algorithms: list[str] = Field(
        default_factory=lambda: ["RS256", "ES256"], description="Accepted signature algorithms."
    )
    oidc_leeway_s: int = Field(
        default=30, ge=0, le=300, description="Clock skew allowed on exp/nbf/iat (seconds)."
    )
    oidc_roles_claim: str = Field(
        default="realm_access.roles",
        description="Dotted path of the roles claim (Keycloak: realm_access.roles).",
    )
    oidc_units_claim: str = Field(
        default="units", description="Claim with the unit ids of a unit operator."
    )
    oidc_nip_claim: str = Field(default="nip", description="Claim with a civil servant's NIP.")
    oidc_jwks_min_refresh_s: float = Field(
        default=10.0,
        ge=0,
        description="An unknown 'kid' refetches the JWKS at most this often (seconds).",
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Origins allowed by CORS, as a JSON list (ASN_CORS_ORIGINS='[\"https://"
        "console.example\"]'); empty: CORS closed.",
    )
