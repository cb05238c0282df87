"""Clients of the provider: tokens for curl (`asn-platform token`), the demo and the tests."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from urllib.parse import parse_qs, urlsplit

import httpx

from asn_devkit.oidc.accounts import CLIENTS, DEV_PASSWORD, REALM, ROLE_CLIENTS, ROLE_USERS, s256


def client_credentials_token(issuer: str, client_id: str, secret: str) -> str:
    r = httpx.post(
        f"{issuer.rstrip('/')}/protocol/openid-connect/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
        timeout=10.0,
    )
    r.raise_for_status()
    return str(r.json()["access_token"])


def login_token(
    issuer: str, username: str, password: str = DEV_PASSWORD, client_id: str = "asn-cli"
) -> str:
    """Authorisation code + PKCE through the login form, as a browser would."""
    issuer = issuer.rstrip("/")
    verifier = secrets.token_urlsafe(48)
    redirect = "http://127.0.0.1/callback"
    state = secrets.token_urlsafe(8)
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect,
        "scope": "openid profile",
        "state": state,
        "code_challenge": s256(verifier),
        "code_challenge_method": "S256",
    }
    with httpx.Client(timeout=10.0) as http:
        page = http.get(f"{issuer}/protocol/openid-connect/auth", params=params)
        page.raise_for_status()
        login = http.post(
            f"{issuer}/protocol/openid-connect/auth",
            data={**params, "username": username, "password": password},
        )
        if login.status_code != 302:
            raise RuntimeError(f"login as {username!r} failed ({login.status_code})")
        query = parse_qs(urlsplit(login.headers["location"]).query)
        if query.get("state") != [state]:
            raise RuntimeError("state mismatch")
        r = http.post(
            f"{issuer}/protocol/openid-connect/token",
            data={
                "grant_type": "authorization_code",
                "client_id": client_id,
                "code": query["code"][0],
                "redirect_uri": redirect,
                "code_verifier": verifier,
            },
        )
        r.raise_for_status()
        return str(r.json()["access_token"])


def token_for(issuer: str, role: str | None = None, user: str | None = None) -> str:
    """A token for a seeded user (by name, or the first with the role) or a role's client."""
    if user is None and role in ROLE_CLIENTS:
        client = next(c for c in CLIENTS if c.client_id == ROLE_CLIENTS[role])
        return client_credentials_token(issuer, client.client_id, str(client.secret))
    username = user or ROLE_USERS.get(role or "admin")
    if username is None:
        raise ValueError(f"no seeded user for role {role!r}; roles: {sorted(ROLE_USERS)}")
    return login_token(issuer, username)


def token_main(argv: list[str] | None = None) -> int:
    """`asn-platform token`: print an access token for curl."""
    parser = argparse.ArgumentParser(
        prog="asn-platform token",
        description="Print an access token from the development identity provider, e.g. "
        'curl -H "Authorization: Bearer $(asn-platform token --role admin)" ...',
    )
    parser.add_argument(
        "--role", default="admin", help=f"one of {sorted({*ROLE_USERS, *ROLE_CLIENTS})}"
    )
    parser.add_argument("--user", help="a seeded user name instead (see the provider's login page)")
    parser.add_argument("--client", help="client credentials of this client id instead")
    parser.add_argument("--secret", help="its secret (seeded dev clients need none)")
    parser.add_argument(
        "--issuer",
        default=os.environ.get("ASN_OIDC_ISSUER")
        or f"http://127.0.0.1:{int(os.environ.get('ASN_BASE_PORT', '8000')) + 10}/realms/{REALM}",
    )
    args = parser.parse_args(argv)
    try:
        if args.client:
            secret = args.secret or next(
                (c.secret for c in CLIENTS if c.client_id == args.client), None
            )
            if not secret:
                parser.error(f"--secret needed for client {args.client!r}")
            print(client_credentials_token(args.issuer, args.client, secret))
        else:
            print(token_for(args.issuer, args.role, args.user))
    except (httpx.HTTPError, RuntimeError, ValueError) as err:
        print(f"no token from {args.issuer}: {err}", file=sys.stderr)
        return 1
    return 0
