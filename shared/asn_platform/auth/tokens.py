"""Access-token verification: OIDC discovery, JWKS (cached, refetched on an unknown kid) and
PyJWT for the signature and the registered claims (iss, aud, exp, nbf, iat) with a leeway."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from typing import Any

import httpx
import jwt

from asn_platform.auth.principal import KNOWN_ROLES, Principal
from asn_platform.auth.settings import AuthSettings

log = logging.getLogger(__name__)
# Verified tokens remembered until they expire (a kiosk sends hundreds with one token): the
# signature is checked once; the expiry again on every use.
CACHE_SIZE = 10_000


class InvalidToken(Exception):
    """The token is missing, malformed, badly signed, expired, or for someone else."""


class ProviderUnavailable(Exception):
    """The identity provider (discovery document or JWKS) cannot be reached."""


def claim_at(claims: dict[str, Any], dotted: str) -> Any:
    node: Any = claims
    for part in dotted.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _strings(value: Any) -> frozenset[str]:
    """A claim that is a list of strings, or one string (Keycloak's single-valued attribute,
    possibly comma separated)."""
    if isinstance(value, str):
        return frozenset(v.strip() for v in value.split(",") if v.strip())
    if isinstance(value, list | tuple):
        return frozenset(str(v).strip() for v in value if str(v).strip())
    return frozenset()


def principal_from_claims(claims: dict[str, Any], settings: AuthSettings) -> Principal:
    roles = _strings(claim_at(claims, settings.oidc_roles_claim)) & KNOWN_ROLES
    nip = claim_at(claims, settings.oidc_nip_claim)
    if isinstance(nip, list):
        nip = nip[0] if nip else None
    return Principal(
        subject=str(claims.get("sub") or ""),
        roles=roles,
        units=_strings(claim_at(claims, settings.oidc_units_claim)),
        nip=str(nip) if nip else None,
        username=claims.get("preferred_username") or None,
        client_id=claims.get("azp") or claims.get("client_id") or None,
        claims=claims,
    )


class TokenVerifier:
    def __init__(self, settings: AuthSettings) -> None:
        self.settings = settings
        self._keys: dict[str, jwt.PyJWK] = {}
        self._jwks_uri: str | None = None
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()
        self._verified: OrderedDict[str, tuple[float, Principal]] = OrderedDict()

    @property
    def configured(self) -> bool:
        return bool(self.settings.oidc_issuer)

    async def _get_json(self, client: httpx.AsyncClient, url: str) -> dict[str, Any]:
        try:
            r = await client.get(url)
            r.raise_for_status()
            body = r.json()
        except (httpx.HTTPError, ValueError) as err:
            raise ProviderUnavailable(f"{url}: {err}") from err
        if not isinstance(body, dict):
            raise ProviderUnavailable(f"{url}: not a JSON object")
        return body

    async def _refresh(self) -> None:
        issuer = str(self.settings.oidc_issuer).rstrip("/")
        async with httpx.AsyncClient(timeout=5.0) as client:
            if self._jwks_uri is None:
                url = self.settings.oidc_discovery_url or (
                    f"{issuer}/.well-known/openid-configuration"
                )
                discovery = await self._get_json(client, url)
                if str(discovery.get("issuer", "")).rstrip("/") != issuer:
                    raise ProviderUnavailable(
                        f"discovery issuer {discovery.get('issuer')!r} is not {issuer!r}"
                    )
                self._jwks_uri = str(discovery["jwks_uri"])
            jwks = await self._get_json(client, self._jwks_uri)
        keys: dict[str, jwt.PyJWK] = {}
        for data in jwks.get("keys", []):
            if data.get("use", "sig") != "sig" or "kid" not in data:
                continue
            try:
                keys[data["kid"]] = jwt.PyJWK(data)
            except jwt.PyJWTError as err:  # a key type we do not use
                log.debug("JWKS key %s skipped: %s", data.get("kid"), err)
        self._keys = keys
        self._fetched_at = time.monotonic()

    async def _key(self, kid: str) -> jwt.PyJWK:
        key = self._keys.get(kid)
        if key is not None:
            return key
        async with self._lock:
            key = self._keys.get(kid)
            if key is None and (
                time.monotonic() - self._fetched_at >= self.settings.oidc_jwks_min_refresh_s
            ):
                await self._refresh()  # first use, or a rotated key: refetch once
                key = self._keys.get(kid)
        if key is None:
            raise InvalidToken("unknown signing key")
        return key

    async def verify(self, token: str) -> Principal:
        if not self.configured:
            raise InvalidToken("no identity provider configured (ASN_OIDC_ISSUER)")
        cached = self._verified.get(token)
        if cached is not None:
            if time.time() < cached[0] + self.settings.oidc_leeway_s:
                self._verified.move_to_end(token)
                return cached[1]
            del self._verified[token]
        principal = await self._verify(token)
        exp = principal.claims.get("exp")
        if isinstance(exp, int | float):
            self._verified[token] = (float(exp), principal)
            if len(self._verified) > CACHE_SIZE:
                self._verified.popitem(last=False)
        return principal

    async def _verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as err:
            raise InvalidToken(f"malformed token: {err}") from None
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in self.settings.oidc_algorithms or not isinstance(kid, str):
            raise InvalidToken("token algorithm or key id not accepted")
        key = await self._key(kid)
        try:
            claims = jwt.decode(
                token,
                key=key.key,
                algorithms=[alg],
                audience=self.settings.oidc_audience,
                issuer=str(self.settings.oidc_issuer).rstrip("/"),
                leeway=self.settings.oidc_leeway_s,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as err:
            raise InvalidToken(str(err)) from None
        return principal_from_claims(claims, self.settings)
