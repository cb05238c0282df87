"""Sign-in through the platform's OpenID provider: authorisation code + PKCE (S256).

- ``/auth/login``: a fresh ``state``, ``nonce`` and PKCE verifier are kept server-side under
  the state; the browser gets them bound to itself by a short-lived signed cookie (login CSRF).
- ``/auth/callback``: the state must match the cookie; the code is exchanged at the token
  endpoint with the verifier; the access token is verified like the services verify it
  (asn_platform.auth.tokens.TokenVerifier: signature, issuer, audience, expiry) and gives the
  principal (roles, units, NIP) that decides what the console shows.
- The session lives in the console's memory; the browser holds only its id, HMAC-signed, in a
  cookie that is HttpOnly, SameSite=Lax, and Secure when the console is reached over https.
  Tokens never reach the browser. The session keeps the refresh token too: an access token
  about to expire (``REFRESH_MARGIN_S``) is exchanged for a new one before the request is
  served (``keep_fresh``, once per session at a time, since the provider rotates refresh
  tokens), so the user is not sent back to the login page. A session ends on logout, after the
  idle time, or when the access token expired and cannot be refreshed (no refresh token, or
  the provider refused it: its own session ended).
- Every form carries the session's CSRF token; every POST is refused without it (403).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt
from fastapi import Request

from asn_console.settings import Settings
from asn_platform.auth.principal import Principal
from asn_platform.auth.tokens import InvalidToken, ProviderUnavailable, TokenVerifier

log = logging.getLogger(__name__)
SESSION_COOKIE = "asn_console_session"
REFRESH_MARGIN_S = 30  # refresh this long before expiry: a service call must not see it lapse
LOGIN_COOKIE = "asn_console_login"
LOGIN_TTL_S = 600


def s256(verifier: str) -> str:
    import base64

    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass
class Session:
    sid: str
    access_token: str
    principal: Principal
    expires_at: float  # the access token's exp
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    id_token: str | None = None
    last_seen: float = field(default_factory=time.time)
    name: str = ""
    refresh_token: str | None = None
    refresh_expires_at: float | None = None  # None: the provider did not say
    refreshing: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    def refreshable(self, now: float) -> bool:
        return self.refresh_token is not None and (
            self.refresh_expires_at is None or now < self.refresh_expires_at
        )

    def renew(self, done: SignedIn) -> None:
        """Take the tokens of a refresh (the principal too: roles or units may have changed)."""
        self.access_token = done.access_token
        self.principal = done.principal
        self.expires_at = done.expires_at
        self.id_token = done.id_token or self.id_token
        self.refresh_token = done.refresh_token
        self.refresh_expires_at = done.refresh_expires_at


@dataclass
class PendingLogin:
    verifier: str
    nonce: str
    redirect_uri: str
    next_url: str
    created: float = field(default_factory=time.time)


class Signer:
    def __init__(self, secret: str) -> None:
        self.key = hashlib.sha256(("asn-console:" + secret).encode()).digest()

    def sign(self, value: str) -> str:
        mac = hmac.new(self.key, value.encode(), hashlib.sha256).hexdigest()[:32]
        return f"{value}.{mac}"

    def unsign(self, signed: str | None) -> str | None:
        if not signed or "." not in signed:
            return None
        value, _, mac = signed.rpartition(".")
        good = hmac.new(self.key, value.encode(), hashlib.sha256).hexdigest()[:32]
        return value if hmac.compare_digest(mac, good) else None


@dataclass(frozen=True)
class SignedIn:
    access_token: str
    principal: Principal
    expires_at: float
    id_token: str | None
    name: str
    refresh_token: str | None = None
    refresh_expires_at: float | None = None


class Oidc:
    """Discovery, the authorisation URL, the code exchange."""

    def __init__(self, settings: Settings, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self.http = http
        self.verifier = TokenVerifier(settings)
        self._config: dict[str, Any] | None = None

    @property
    def configured(self) -> bool:
        return bool(self.settings.oidc_issuer)

    async def config(self) -> dict[str, Any]:
        if self._config is None:
            issuer = (self.settings.oidc_issuer or "").rstrip("/")
            url = self.settings.oidc_discovery_url or f"{issuer}/.well-known/openid-configuration"
            r = await self.http.get(url)
            r.raise_for_status()
            found = r.json()
            if found.get("issuer", "").rstrip("/") != issuer:
                raise RuntimeError("discovery issuer differs from ASN_OIDC_ISSUER")
            self._config = found
        return self._config

    async def authorize_url(self, state: str, pending: PendingLogin) -> str:
        conf = await self.config()
        query = {
            "response_type": "code",
            "client_id": self.settings.console_client_id,
            "redirect_uri": pending.redirect_uri,
            "scope": "openid profile",
            "state": state,
            "nonce": pending.nonce,
            "code_challenge": s256(pending.verifier),
            "code_challenge_method": "S256",
        }
        return f"{conf['authorization_endpoint']}?{urlencode(query)}"

    async def _token_request(self, data: dict[str, str]) -> dict[str, Any]:
        conf = await self.config()
        data = {**data, "client_id": self.settings.console_client_id}
        r = await self.http.post(conf["token_endpoint"], data=data)
        if r.status_code != 200:
            raise PermissionError(f"token endpoint answered {r.status_code}")
        return dict(r.json())

    async def exchange(self, code: str, pending: PendingLogin) -> dict[str, Any]:
        return await self._token_request(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": pending.redirect_uri,
                "code_verifier": pending.verifier,
            }
        )

    async def _verified(self, tokens: dict[str, Any], name: str) -> SignedIn:
        access = str(tokens["access_token"])
        principal = await self.verifier.verify(access)
        exp = float(jwt.decode(access, options={"verify_signature": False})["exp"])
        refresh = tokens.get("refresh_token")
        refresh_in = tokens.get("refresh_expires_in")
        return SignedIn(
            access,
            principal,
            exp,
            tokens.get("id_token"),
            name,
            str(refresh) if refresh else None,
            # Keycloak says 0 for an offline token (no idle limit)
            time.time() + float(refresh_in) if refresh_in else None,
        )

    async def refresh(self, session: Session) -> SignedIn:
        """New tokens for the session's refresh token; PermissionError or InvalidToken when
        refused, ProviderUnavailable or httpx errors when the provider is out of reach."""
        assert session.refresh_token is not None
        tokens = await self._token_request(
            {"grant_type": "refresh_token", "refresh_token": session.refresh_token}
        )
        done = await self._verified(tokens, session.name)
        if done.principal.subject != session.principal.subject:
            raise PermissionError("refreshed token is for another user")
        return done

    async def sign_in(self, code: str, pending: PendingLogin) -> SignedIn:
        """Exchange the code and verify what comes back; PermissionError, InvalidToken or
        KeyError when it is not a valid sign-in, ProviderUnavailable when the keys are out of
        reach."""
        tokens = await self.exchange(code, pending)
        id_token = tokens.get("id_token")
        name = ""
        if id_token:
            # Came straight from the token endpoint over our own connection; the nonce ties it
            # to this login.
            claims = jwt.decode(id_token, options={"verify_signature": False})
            if claims.get("nonce") != pending.nonce:
                raise PermissionError("nonce mismatch")
            name = str(claims.get("name") or "")
        return await self._verified(tokens, name)

    async def end_session_url(self, post_logout: str, id_token: str | None) -> str | None:
        conf = await self.config()
        endpoint = conf.get("end_session_endpoint")
        if not endpoint:
            return None
        query = {
            "post_logout_redirect_uri": post_logout,
            "client_id": self.settings.console_client_id,
        }
        if id_token:
            query["id_token_hint"] = id_token
        return f"{endpoint}?{urlencode(query)}"


class SessionStore:
    """Sessions and pending logins in memory (one console process; see the module doc)."""

    def __init__(self, idle_s: int) -> None:
        self.idle_s = idle_s
        self.sessions: dict[str, Session] = {}
        self.pending: dict[str, PendingLogin] = {}

    def _sweep(self) -> None:
        now = time.time()
        for sid in [s for s, v in self.sessions.items() if self._dead(v, now)]:
            del self.sessions[sid]
        for state in [k for k, v in self.pending.items() if now - v.created > LOGIN_TTL_S]:
            del self.pending[state]

    def _dead(self, session: Session, now: float) -> bool:
        if now - session.last_seen > self.idle_s:
            return True
        return now >= session.expires_at and not session.refreshable(now)

    def begin(self, redirect_uri: str, next_url: str) -> tuple[str, PendingLogin]:
        self._sweep()
        state = secrets.token_urlsafe(24)
        pending = PendingLogin(
            secrets.token_urlsafe(48), secrets.token_urlsafe(16), redirect_uri, next_url
        )
        self.pending[state] = pending
        return state, pending

    def take_pending(self, state: str) -> PendingLogin | None:
        pending = self.pending.pop(state, None)
        if pending is None or time.time() - pending.created > LOGIN_TTL_S:
            return None
        return pending

    def create(self, done: SignedIn) -> Session:
        self._sweep()
        session = Session(
            secrets.token_urlsafe(32),
            done.access_token,
            done.principal,
            done.expires_at,
            id_token=done.id_token,
            name=done.name,
            refresh_token=done.refresh_token,
            refresh_expires_at=done.refresh_expires_at,
        )
        self.sessions[session.sid] = session
        return session

    def get(self, sid: str | None) -> Session | None:
        if sid is None:
            return None
        session = self.sessions.get(sid)
        if session is None:
            return None
        now = time.time()
        if self._dead(session, now):
            self.sessions.pop(sid, None)
            return None
        session.last_seen = now
        return session

    def drop(self, sid: str) -> None:
        self.sessions.pop(sid, None)


async def keep_fresh(session: Session, oidc: Oidc, store: SessionStore) -> None:
    """Refresh the session's access token when it is about to expire; a refused refresh ends
    the session (the next page sends the user to the login), an unreachable provider leaves
    it as it is until the token really lapses."""
    if time.time() < session.expires_at - REFRESH_MARGIN_S:
        return
    async with session.refreshing:  # the provider rotates: one refresh per session at a time
        now = time.time()
        if now < session.expires_at - REFRESH_MARGIN_S:
            return  # a concurrent request refreshed it while we waited
        if not session.refreshable(now):
            return
        try:
            done = await oidc.refresh(session)
        except (PermissionError, InvalidToken, KeyError) as err:
            log.info("token refresh refused (%s): the session ends", err)
            store.drop(session.sid)
            return
        except (ProviderUnavailable, httpx.HTTPError) as err:
            log.warning("token refresh failed, provider unreachable: %s", err)
            return
        session.renew(done)


def is_secure(request: Request, settings: Settings) -> bool:
    if settings.console_public_url:
        return settings.console_public_url.startswith("https://")
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


def base_url(request: Request, settings: Settings) -> str:
    if settings.console_public_url:
        return settings.console_public_url.rstrip("/")
    return str(request.base_url).rstrip("/")


def safe_next(value: str | None) -> str:
    """Only a local path (no open redirect to another site)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value
