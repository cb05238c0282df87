"""Token verification with keys made in the test: iss, aud, exp, nbf, algorithm, unknown kid
(refetched once), the roles claim path and the scoping claims."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from asn_platform.auth.settings import AuthSettings
from asn_platform.auth.tokens import InvalidToken, TokenVerifier, principal_from_claims

ISSUER = "https://sso.example/realms/asn"


class _Verifier(TokenVerifier):
    """Serves the JWKS from memory instead of HTTP, counting refreshes."""

    def __init__(self, settings: AuthSettings, jwks: list[dict[str, Any]]) -> None:
        super().__init__(settings)
        self.jwks = jwks
        self.refreshes = 0

    async def _refresh(self) -> None:
        self.refreshes += 1
        self._keys = {k["kid"]: jwt.PyJWK(k) for k in self.jwks}
        self._fetched_at = time.monotonic()


def _rsa() -> tuple[Any, dict[str, Any]]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return key, jwk


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": ISSUER,
        "aud": ["asn-platform", "account"],
        "sub": "u-1",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "realm_access": {"roles": ["unit-operator", "offline_access"]},
        "units": ["disdukcapil"],
        "preferred_username": "operator.disdukcapil",
        **overrides,
    }


@pytest.fixture
def signer() -> tuple[Any, _Verifier]:
    key, jwk = _rsa()
    jwk.update(kid="k1", use="sig", alg="RS256")
    settings = AuthSettings(oidc_issuer=ISSUER, oidc_jwks_min_refresh_s=0)
    return key, _Verifier(settings, [jwk])


def _sign(key: Any, claims: dict[str, Any], kid: str = "k1", alg: str = "RS256") -> str:
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})


async def test_a_good_token_gives_the_principal_with_only_platform_roles(signer) -> None:
    key, verifier = signer
    principal = await verifier.verify(_sign(key, _claims()))
    assert principal.roles == {"unit-operator"}  # offline_access is no platform role
    assert principal.units == {"disdukcapil"} and principal.username == "operator.disdukcapil"


@pytest.mark.parametrize(
    "overrides",
    [
        {"iss": "https://other.example/realms/asn"},
        {"aud": "account"},
        {"exp": -120},  # seconds from now: beyond the 30 s leeway
        {"nbf": 120},
    ],
    ids=["issuer", "audience", "expired", "not-yet-valid"],
)
async def test_wrong_issuer_audience_or_time_is_refused(signer, overrides) -> None:
    key, verifier = signer
    now = int(time.time())  # when the test runs, not when it was collected
    claims = _claims(**{k: now + v if isinstance(v, int) else v for k, v in overrides.items()})
    with pytest.raises(InvalidToken):
        await verifier.verify(_sign(key, claims))


async def test_the_leeway_absorbs_a_small_clock_skew(signer) -> None:
    key, verifier = signer
    skewed = _claims(exp=int(time.time()) - 10, nbf=int(time.time()) + 10)
    assert (await verifier.verify(_sign(key, skewed))).subject == "u-1"


async def test_another_key_an_hmac_token_and_garbage_are_refused(signer) -> None:
    _key, verifier = signer
    stranger, _ = _rsa()
    with pytest.raises(InvalidToken):
        await verifier.verify(_sign(stranger, _claims()))  # same kid, wrong key
    with pytest.raises(InvalidToken):
        await verifier.verify(
            jwt.encode(_claims(), "s" * 32, algorithm="HS256", headers={"kid": "k1"})
        )
    with pytest.raises(InvalidToken):
        await verifier.verify("not-a-jwt")


async def test_an_unknown_kid_refetches_the_jwks_once(signer) -> None:
    key, verifier = signer
    await verifier.verify(_sign(key, _claims()))
    assert verifier.refreshes == 1
    await verifier.verify(_sign(key, _claims()))
    assert verifier.refreshes == 1  # cached
    rotated = ec.generate_private_key(ec.SECP256R1())
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(rotated.public_key()))
    verifier.jwks.append({**jwk, "kid": "k2", "use": "sig", "alg": "ES256"})
    principal = await verifier.verify(_sign(rotated, _claims(), kid="k2", alg="ES256"))
    assert principal.subject == "u-1" and verifier.refreshes == 2
    with pytest.raises(InvalidToken):
        await verifier.verify(_sign(key, _claims(), kid="k9"))


def test_claim_names_are_settings_and_single_valued_attributes_work() -> None:
    settings = AuthSettings(
        oidc_roles_claim="resource_access.asn-platform.roles",
        oidc_units_claim="unit_ids",
        oidc_nip_claim="employee_nip",
    )
    claims = {
        "sub": "s",
        "resource_access": {"asn-platform": {"roles": ["asn"]}},
        "unit_ids": "disdukcapil, dpmptsp",
        "employee_nip": "197701202002042001",
    }
    principal = principal_from_claims(claims, settings)
    assert principal.roles == {"asn"} and principal.units == {"disdukcapil", "dpmptsp"}
    assert principal.nip == "197701202002042001"


async def test_without_an_issuer_every_token_is_refused() -> None:
    with pytest.raises(InvalidToken, match="ASN_OIDC_ISSUER"):
        await TokenVerifier(AuthSettings()).verify("x.y.z")


async def test_a_verified_token_is_remembered_until_it_expires(signer) -> None:
    key, verifier = signer
    token = _sign(key, _claims())
    first = await verifier.verify(token)
    assert await verifier.verify(token) is first  # from memory, no second signature check
    verifier._verified[token] = (time.time() - 60, first)  # as if it expired a minute ago
    again = await verifier.verify(token)  # checked afresh (and still valid in truth)
    assert again is not first and again == first
    expired = _sign(key, _claims(exp=int(time.time()) - 10))  # within the leeway: accepted
    await verifier.verify(expired)
    verifier._verified[expired] = (time.time() - 60, first)
    verifier.settings.oidc_leeway_s = 0
    with pytest.raises(InvalidToken):
        await verifier.verify(expired)
