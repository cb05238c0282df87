"""An embedded OpenID Connect provider for development and tests (dev kit; no service imports it).

A real HTTP server with Keycloak's URL layout (``/realms/asn/...``), so moving to Keycloak
changes only the issuer URL:

- discovery: ``/realms/asn/.well-known/openid-configuration``
- JWKS: ``/realms/asn/protocol/openid-connect/certs`` (RS256 key made at start)
- authorize (login page, authorisation code + PKCE S256 only): ``.../openid-connect/auth``
- token (client_credentials, authorization_code, refresh_token): ``.../openid-connect/token``;
  a code grant also gives a refresh token (opaque, ``REFRESH_TTL_S``, rotated on every use as
  Keycloak does with "Revoke Refresh Token" on: a used one is refused)
- userinfo: ``.../openid-connect/userinfo``

Access tokens carry Keycloak's claims: ``realm_access.roles``, ``units``, ``nip``,
``preferred_username``, ``azp``, ``aud`` = the platform audience. Seeded users (one per role,
Tangerang Selatan unit operators and civil servants of the seed roster) and clients are below;
all of them are for development only (their passwords are in this file).

Run: ``python -m asn_devkit.oidc --port 8010``; the launcher starts it for ``./dev run``
and the tests start one per session (``DevIdentity``). ``asn-platform token --role admin``
prints a token for curl.

Modules: ``accounts`` (seeded users and clients), ``provider`` (the HTTP server), ``tokens``
(getting tokens from it), ``identity`` (``DevIdentity``, the provider as a subprocess).
"""

from asn_devkit.oidc.accounts import AUDIENCE, CLIENTS, DEV_PASSWORD, REALM, USERS, s256
from asn_devkit.oidc.identity import DevIdentity
from asn_devkit.oidc.provider import create_provider
from asn_devkit.oidc.tokens import client_credentials_token, login_token, token_for, token_main

__all__ = [
    "AUDIENCE",
    "CLIENTS",
    "DEV_PASSWORD",
    "REALM",
    "USERS",
    "DevIdentity",
    "client_credentials_token",
    "create_provider",
    "login_token",
    "s256",
    "token_for",
    "token_main",
]
