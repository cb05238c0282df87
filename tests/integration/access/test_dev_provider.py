"""The development OpenID provider, over real HTTP: discovery, login with authorisation code +
PKCE (S256 only), client credentials, and the `asn-platform token` command."""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from asn_devkit.oidc import DEV_PASSWORD, DevIdentity, s256, token_main

pytestmark = pytest.mark.integration


def _authorize_params(verifier: str, **overrides: str) -> dict[str, str]:
    return {
        "response_type": "code",
        "client_id": "asn-console",
        "redirect_uri": "http://127.0.0.1:5173/callback",
        "state": "st-1",
        "scope": "openid profile",
        "code_challenge": s256(verifier),
        "code_challenge_method": "S256",
        **overrides,
    }


def test_discovery_and_jwks(identity: DevIdentity) -> None:
    d = httpx.get(f"{identity.issuer}/.well-known/openid-configuration").json()
    assert d["issuer"] == identity.issuer
    assert d["code_challenge_methods_supported"] == ["S256"]
    assert {"authorization_code", "client_credentials"} <= set(d["grant_types_supported"])
    keys = httpx.get(d["jwks_uri"]).json()["keys"]
    assert keys and keys[0]["kty"] == "RSA" and keys[0]["kid"]


def test_console_login_with_pkce(identity: DevIdentity) -> None:
    d = httpx.get(f"{identity.issuer}/.well-known/openid-configuration").json()
    verifier = secrets.token_urlsafe(48)
    params = _authorize_params(verifier)
    page = httpx.get(d["authorization_endpoint"], params=params)
    assert page.status_code == 200 and 'name="password"' in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    wrong = httpx.post(
        d["authorization_endpoint"], data={**params, "username": "admin.bkpsdm", "password": "x"}
    )
    assert wrong.status_code == 200 and "salah" in wrong.text
    ok = httpx.post(
        d["authorization_endpoint"],
        data={**params, "username": "operator.dpmptsp", "password": DEV_PASSWORD},
    )
    assert ok.status_code == 302
    query = parse_qs(urlsplit(ok.headers["location"]).query)
    assert query["state"] == ["st-1"]
    code = query["code"][0]
    exchange = {
        "grant_type": "authorization_code",
        "client_id": "asn-console",
        "code": code,
        "redirect_uri": params["redirect_uri"],
    }
    bad = httpx.post(d["token_endpoint"], data={**exchange, "code_verifier": "not-it"})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_grant"
    # the failed attempt used the code up: a stolen code cannot be retried
    again = httpx.post(d["token_endpoint"], data={**exchange, "code_verifier": verifier})
    assert again.status_code == 400


def test_pkce_is_required_and_redirects_must_be_registered(identity: DevIdentity) -> None:
    url = f"{identity.issuer}/protocol/openid-connect/auth"
    verifier = secrets.token_urlsafe(48)
    plain = httpx.get(url, params=_authorize_params(verifier, code_challenge_method="plain"))
    assert plain.status_code == 400
    evil = httpx.get(url, params=_authorize_params(verifier, redirect_uri="https://evil.example/"))
    assert evil.status_code == 400
    unknown = httpx.get(url, params=_authorize_params(verifier, client_id="asn-kiosk"))
    assert unknown.status_code == 400  # a confidential client cannot use the browser flow


def test_client_credentials(identity: DevIdentity) -> None:
    url = f"{identity.issuer}/protocol/openid-connect/token"
    bad = httpx.post(url, data={"grant_type": "client_credentials"}, auth=("asn-kiosk", "nope"))
    assert bad.status_code == 401
    ok = httpx.post(
        url, data={"grant_type": "client_credentials"}, auth=("asn-kiosk", "dev-kiosk-secret")
    )
    claims = jwt.decode(ok.json()["access_token"], options={"verify_signature": False})
    assert claims["realm_access"]["roles"] == ["kiosk"] and claims["azp"] == "asn-kiosk"
    assert claims["aud"] == ["asn-platform"] and claims["iss"] == identity.issuer
    console = httpx.options(
        url,
        headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"},
    )
    assert console.headers["access-control-allow-origin"] == "http://localhost:5173"


def test_the_token_command_prints_a_token(
    identity: DevIdentity, capsys: pytest.CaptureFixture[str]
) -> None:
    assert token_main(["--role", "unit-operator", "--issuer", identity.issuer]) == 0
    claims = jwt.decode(capsys.readouterr().out.strip(), options={"verify_signature": False})
    assert claims["units"] == ["disdukcapil"] and claims["realm_access"]["roles"] == [
        "unit-operator"
    ]
    assert token_main(["--client", "asn-prometheus", "--issuer", identity.issuer]) == 0
    assert token_main(["--role", "nope", "--issuer", identity.issuer]) == 1
