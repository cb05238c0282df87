"""The provider itself: discovery, JWKS, the login page (authorisation code + PKCE S256), the token and userinfo endpoints."""

from __future__ import annotations

import base64
import html
import json
import secrets
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from asn_devkit.oidc.accounts import (
    AUDIENCE,
    CLIENTS,
    DEV_PASSWORD,
    REALM,
    USERS,
    Client,
    User,
    s256,
)


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
