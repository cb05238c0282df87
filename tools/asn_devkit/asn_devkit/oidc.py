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
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

REALM = "asn"
AUDIENCE = "asn-platform"
DEV_PASSWORD = "asn-dev"  # every seeded user's password (development only)


@dataclass
class User:
    username: str
    name: str
    roles: list[str]
    units: list[str] = field(default_factory=list)
    nip: str | None = None
    password: str = DEV_PASSWORD

    @property
    def sub(self) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"asn-dev-user:{self.username}"))


@dataclass
class Client:
    client_id: str
    secret: str | None  # None: a public client (authorisation code + PKCE)
    roles: list[str] = field(default_factory=list)  # service-account roles (client credentials)
    redirect_prefixes: list[str] = field(default_factory=list)


USERS: list[User] = [
    User("admin.bkpsdm", "Admin BKPSDM", ["admin"]),
    User("operator.disdukcapil", "Operator Disdukcapil", ["unit-operator"], ["disdukcapil"]),
    User("operator.dpmptsp", "Operator DPMPTSP", ["unit-operator"], ["dpmptsp"]),
    User("operator.dinkes", "Operator Dinkes", ["unit-operator"], ["dinkes"]),
    User("penyelenggara.bkpsdm", "Penyelenggara Pelatihan BKPSDM", ["organizer"]),
    User("auditor.inspektorat", "Auditor Inspektorat", ["auditor"]),
    # Civil servants of the seed roster (asn_enrollment.domain.seed_roster, seed 2026).
    User("ayu.hidayati", "Ayu Hidayati", ["asn"], nip="197701202002042001"),
    User("yuliana.purnamasari", "Yuliana Purnamasari", ["asn"], nip="197903102006122002"),
    User("ika.yuliani", "Ika Yuliani", ["asn"], nip="197506281998022015"),
    User("tanpa.peran", "Pengguna Tanpa Peran", []),  # a valid login with no platform role
]
LOCAL_REDIRECTS = ["http://127.0.0.1", "http://localhost"]
CLIENTS: list[Client] = [
    Client("asn-console", None, redirect_prefixes=LOCAL_REDIRECTS),  # the web console
    Client("asn-cli", None, redirect_prefixes=LOCAL_REDIRECTS),  # asn-platform token
    Client("asn-kiosk", "dev-kiosk-secret", ["kiosk"]),
    Client("asn-demo", "dev-demo-secret", ["admin"]),
    Client("asn-prometheus", "dev-prometheus-secret", ["metrics"]),
    Client("asn-norole", "dev-norole-secret", []),
]
ROLE_USERS = {
    "admin": "admin.bkpsdm",
    "unit-operator": "operator.disdukcapil",
    "organizer": "penyelenggara.bkpsdm",
    "auditor": "auditor.inspektorat",
    "asn": "ayu.hidayati",
    "none": "tanpa.peran",
}
ROLE_CLIENTS = {"kiosk": "asn-kiosk", "metrics": "asn-prometheus"}


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def s256(verifier: str) -> str:
    return _b64(hashlib.sha256(verifier.encode()).digest())


# --- the provider -----------------------------------------------------------------------------
@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str
    user: User
    nonce: str | None
    scope: str
    expires: float


@dataclass
class _Refresh:
    client_id: str
    user: User
    scope: str
    expires: float  # monotonic


REFRESH_TTL_S = 1800  # Keycloak's default SSO session idle time


def _error(error: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def _login_page(params: dict[str, str], message: str = "") -> HTMLResponse:
    hidden = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in params.items()
    )
    users = "".join(
        f"<li><code>{html.escape(u.username)}</code> ({html.escape(', '.join(u.roles) or '-')})"
        "</li>"
        for u in USERS
    )
    error = f'<p class="err">{html.escape(message)}</p>' if message else ""
    # Browsers apply form-action to the redirect after the POST too: allow the (already
    # validated) redirect URI's origin, or the login would stop at the provider.
    target = urlsplit(params.get("redirect_uri", ""))
    redirect_origin = (
        f" {target.scheme}://{target.netloc}" if target.scheme and target.netloc else ""
    )
    body = f"""<!doctype html><html lang="id"><head><meta charset="utf-8">
<title>Masuk / Log in - ASN (pengembangan)</title>
<style>body{{font-family:sans-serif;max-width:32rem;margin:2rem auto}}.err{{color:#b00}}</style>
</head><body><h1>Masuk / Log in</h1>
<p>Penyedia identitas pengembangan / development identity provider.</p>{error}
<form method="post">{hidden}
<label>Nama pengguna / username <input name="username" autocomplete="username"></label><br>
<label>Kata sandi / password <input name="password" type="password"></label><br>
<button type="submit">Masuk / Log in</button></form>
<p>Pengguna contoh / seeded users (kata sandi / password <code>{DEV_PASSWORD}</code>):</p>
<ul>{users}</ul></body></html>"""
    return HTMLResponse(
        body,
        headers={
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
            f"form-action 'self'{redirect_origin}; frame-ancestors 'none'",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


class _Provider:
    """The provider's state (signing key, registered users and clients, pending codes) and its
    answers; ``create_provider`` puts them behind Keycloak's paths."""

    def __init__(self, issuer: str, token_ttl_s: int, refresh_ttl_s: int = REFRESH_TTL_S) -> None:
        self.issuer = issuer.rstrip("/")
        self.token_ttl_s = token_ttl_s
        self.refresh_ttl_s = refresh_ttl_s
        self.refresh_tokens: dict[str, _Refresh] = {}
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(8)
        self.public_jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        self.public_jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        self.users = {u.username: u for u in USERS}
        self.clients = {c.client_id: c for c in CLIENTS}
        self.codes: dict[str, _Code] = {}

    def sign(self, claims: dict[str, Any]) -> str:
        headers = {"kid": self.kid, "typ": "JWT"}
        return jwt.encode(claims, self.key, algorithm="RS256", headers=headers)

    def access_token(
        self, sub: str, client_id: str, roles: list[str], extra: dict[str, Any]
    ) -> str:
        now = int(time.time())
        return self.sign(
            {
                "iss": self.issuer,
                "sub": sub,
                "aud": [AUDIENCE],
                "azp": client_id,
                "typ": "Bearer",
                "iat": now,
                "nbf": now,
                "exp": now + self.token_ttl_s,
                "jti": secrets.token_hex(12),
                "scope": "openid profile",
                "realm_access": {"roles": roles},
                **extra,
            }
        )

    @staticmethod
    def user_claims(user: User) -> dict[str, Any]:
        claims: dict[str, Any] = {"preferred_username": user.username, "name": user.name}
        if user.units:
            claims["units"] = user.units
        if user.nip:
            claims["nip"] = user.nip
        return claims

    def discovery(self) -> dict[str, Any]:
        issuer = self.issuer
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/protocol/openid-connect/auth",
            "token_endpoint": f"{issuer}/protocol/openid-connect/token",
            "userinfo_endpoint": f"{issuer}/protocol/openid-connect/userinfo",
            "jwks_uri": f"{issuer}/protocol/openid-connect/certs",
            "grant_types_supported": ["authorization_code", "client_credentials", "refresh_token"],
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": ["openid", "profile"],
        }

    def auth_params(self, raw: dict[str, str]) -> tuple[dict[str, str], str | None]:
        keys = ("response_type", "client_id", "redirect_uri", "state", "scope", "nonce")
        params = {k: raw[k] for k in (*keys, "code_challenge", "code_challenge_method") if k in raw}
        client = self.clients.get(params.get("client_id", ""))
        redirect = params.get("redirect_uri", "")
        if client is None or client.secret is not None:
            return params, "unknown or non-public client_id"
        if not any(redirect.startswith(p) for p in client.redirect_prefixes):
            return params, "redirect_uri not registered for this client"
        if params.get("response_type") != "code":
            return params, "response_type must be code"
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return params, "PKCE with code_challenge_method=S256 is required"
        return params, None

    def authorize_page(self, query: dict[str, str]) -> Response:
        params, problem = self.auth_params(query)
        if problem:
            return _error("invalid_request", problem)
        return _login_page(params)

    def authorize_login(self, form: dict[str, str]) -> Response:
        params, problem = self.auth_params(form)
        if problem:
            return _error("invalid_request", problem)
        user = self.users.get(form.get("username", ""))
        if user is None or not secrets.compare_digest(
            form.get("password", "").encode(), user.password.encode()
        ):
            return _login_page(params, "Nama pengguna atau kata sandi salah / wrong credentials")
        code = secrets.token_urlsafe(24)
        self.codes[code] = _Code(
            params["client_id"],
            params["redirect_uri"],
            params["code_challenge"],
            user,
            params.get("nonce"),
            params.get("scope", "openid"),
            time.monotonic() + 60,
        )
        query = {"code": code, **({"state": params["state"]} if "state" in params else {})}
        sep = "&" if "?" in params["redirect_uri"] else "?"
        return RedirectResponse(f"{params['redirect_uri']}{sep}{urlencode(query)}", 302)

    @staticmethod
    def client_auth(authorization: str, form: dict[str, str]) -> tuple[str, str | None]:
        if authorization.lower().startswith("basic "):
            decoded = base64.b64decode(authorization[6:]).decode()
            cid, _, secret = decoded.partition(":")
            return cid, secret
        return form.get("client_id", ""), form.get("client_secret")

    def token(self, authorization: str, form: dict[str, str]) -> Response:
        cid, secret = self.client_auth(authorization, form)
        client = self.clients.get(cid)
        if client is None:
            return _error("invalid_client", "unknown client", 401)
        grant = form.get("grant_type")
        if grant == "client_credentials":
            return self._client_credentials(client, secret)
        if grant == "authorization_code":
            return self._authorization_code(cid, form)
        if grant == "refresh_token":
            return self._refresh(cid, form)
        return _error(
            "unsupported_grant_type", "use client_credentials, authorization_code or refresh_token"
        )

    def _client_credentials(self, client: Client, secret: str | None) -> Response:
        if client.secret is None or not secrets.compare_digest(
            (secret or "").encode(), client.secret.encode()
        ):
            return _error("invalid_client", "client authentication failed", 401)
        cid = client.client_id
        sub = str(uuid.uuid5(uuid.NAMESPACE_URL, f"asn-dev-client:{cid}"))
        extra = {"preferred_username": f"service-account-{cid}", "client_id": cid}
        return JSONResponse(
            {
                "access_token": self.access_token(sub, cid, client.roles, extra),
                "token_type": "Bearer",
                "expires_in": self.token_ttl_s,
            },
            headers=_NO_STORE,
        )

    def _authorization_code(self, cid: str, form: dict[str, str]) -> Response:
        found = self.codes.pop(form.get("code", ""), None)
        if found is None or found.expires < time.monotonic() or found.client_id != cid:
            return _error("invalid_grant", "unknown, used or expired code")
        if form.get("redirect_uri") != found.redirect_uri:
            return _error("invalid_grant", "redirect_uri does not match")
        if s256(form.get("code_verifier", "")) != found.challenge:
            return _error("invalid_grant", "PKCE verification failed")
        return self._user_tokens(cid, found.user, found.scope, found.nonce)

    def _refresh(self, cid: str, form: dict[str, str]) -> Response:
        # Popped: a refresh token works once (rotation), like Keycloak's "Revoke Refresh Token".
        found = self.refresh_tokens.pop(form.get("refresh_token", ""), None)
        if found is None or found.expires < time.monotonic() or found.client_id != cid:
            return _error("invalid_grant", "unknown, used or expired refresh token")
        return self._user_tokens(cid, found.user, found.scope, None)

    def _user_tokens(self, cid: str, user: User, scope: str, nonce: str | None) -> Response:
        claims = self.user_claims(user)
        now = int(time.time())
        id_token = self.sign(
            {
                "iss": self.issuer,
                "sub": user.sub,
                "aud": cid,
                "iat": now,
                "exp": now + self.token_ttl_s,
                **({"nonce": nonce} if nonce else {}),
                **claims,
            }
        )
        refresh = secrets.token_urlsafe(32)
        self.refresh_tokens[refresh] = _Refresh(
            cid, user, scope, time.monotonic() + self.refresh_ttl_s
        )
        return JSONResponse(
            {
                "access_token": self.access_token(user.sub, cid, user.roles, claims),
                "id_token": id_token,
                "refresh_token": refresh,
                "refresh_expires_in": self.refresh_ttl_s,
                "token_type": "Bearer",
                "expires_in": self.token_ttl_s,
                "scope": scope,
            },
            headers=_NO_STORE,
        )

    def userinfo(self, authorization: str) -> Response:
        raw = authorization.partition(" ")[2]
        try:
            claims = jwt.decode(raw, self.key.public_key(), algorithms=["RS256"], audience=AUDIENCE)
        except jwt.PyJWTError:
            return _error("invalid_token", "bad access token", 401)
        found = next((u for u in USERS if u.sub == claims.get("sub")), None)
        return JSONResponse({"sub": claims["sub"], **(self.user_claims(found) if found else {})})


_NO_STORE = {"Cache-Control": "no-store"}


async def _form(request: Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}


def create_provider(
    issuer: str, token_ttl_s: int = 900, refresh_ttl_s: int = REFRESH_TTL_S
) -> FastAPI:
    """The provider app; `issuer` is its public URL, e.g. http://127.0.0.1:8010/realms/asn."""
    provider = _Provider(issuer, token_ttl_s, refresh_ttl_s)
    base = f"/realms/{REALM}"
    oidc = f"{base}/protocol/openid-connect"
    app = FastAPI(title="ASN dev OpenID provider", docs_url=None, redoc_url=None)
    # The web console (a browser app on a local port) calls the token endpoint itself.
    app.add_middleware(
        CORSMiddleware,
        allow_origin_regex=r"http://(127\.0\.0\.1|localhost)(:[0-9]+)?",
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type"],
    )

    @app.get(f"{base}/.well-known/openid-configuration")
    async def discovery() -> dict[str, Any]:
        return provider.discovery()

    @app.get(f"{oidc}/certs")
    async def certs() -> dict[str, Any]:
        return {"keys": [provider.public_jwk]}

    @app.get(f"{oidc}/auth")
    async def authorize_page(request: Request) -> Response:
        return provider.authorize_page(dict(request.query_params))

    @app.post(f"{oidc}/auth")
    async def authorize_login(request: Request) -> Response:
        return provider.authorize_login(await _form(request))

    @app.post(f"{oidc}/token")
    async def token(request: Request) -> Response:
        authorization = request.headers.get("authorization", "")
        return provider.token(authorization, await _form(request))

    @app.get(f"{oidc}/userinfo")
    async def userinfo(request: Request) -> Response:
        return provider.userinfo(request.headers.get("authorization", ""))

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


# --- clients of the provider: tokens for curl, the demo and the tests -----------------------
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


class DevIdentity:
    """The provider as a subprocess on a free 127.0.0.1 port (tests, launcher)."""

    def __init__(
        self, port: int | None = None, log_path: Path | None = None, token_ttl_s: int = 900
    ) -> None:
        from asn_devkit.embedded.processes import free_port

        self.port = port or free_port()
        self.token_ttl_s = token_ttl_s
        self.log_path = log_path or Path(tempfile.gettempdir()) / f"asn-oidc-{os.getpid()}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._tokens: dict[tuple[str | None, str | None], str] = {}

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}/realms/{REALM}"

    def settings(self) -> dict[str, Any]:
        """Settings overrides pointing a service at this provider."""
        return {"oidc_issuer": self.issuer, "oidc_audience": AUDIENCE}

    def env(self) -> dict[str, str]:
        return {"ASN_OIDC_ISSUER": self.issuer, "ASN_OIDC_AUDIENCE": AUDIENCE}

    def start(self, timeout_s: float = 30.0) -> DevIdentity:
        from asn_devkit.embedded.processes import die_with_parent

        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "asn_devkit.oidc",
                "--port",
                str(self.port),
                "--token-ttl",
                str(self.token_ttl_s),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"identity provider exited; see {self.log_path}")
            try:
                if httpx.get(f"{self.issuer}/.well-known/openid-configuration").status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"identity provider not up after {timeout_s}s; see {self.log_path}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is not None:
            from asn_devkit.embedded.processes import stop_process

            stop_process(self.proc, timeout_s=5.0)
            self.proc = None

    def token(self, role: str | None = "admin", user: str | None = None) -> str:
        """A token of a seeded user or client; cached, and fetched again near its expiry."""
        key = (role, user)
        cached = self._tokens.get(key)
        if cached is not None:
            exp = jwt.decode(cached, options={"verify_signature": False}).get("exp", 0)
            if exp - time.time() > 120:
                return cached
        fresh = token_for(self.issuer, role, user)
        self._tokens[key] = fresh
        return fresh

    def headers(self, role: str | None = "admin", user: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, user)}"}


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


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="ASN development OpenID Connect provider")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8010)
    parser.add_argument("--issuer", help="public issuer URL (default: from host and port)")
    parser.add_argument("--token-ttl", type=int, default=900)
    parser.add_argument("--refresh-ttl", type=int, default=REFRESH_TTL_S)
    args = parser.parse_args()
    issuer = args.issuer or f"http://{args.host}:{args.port}/realms/{REALM}"
    app = create_provider(issuer, args.token_ttl, args.refresh_ttl)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
