"""Sign-in to the console against the real development provider (authorisation code + PKCE):
the cookies' flags, CSRF on forms, logout, what each role is sent to and refused. The console
runs in-process (ASGI); the services are not needed for these pages."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from asn_console.main import create_app
from asn_console.settings import Settings
from asn_devkit.oidc import DEV_PASSWORD, DevIdentity

pytestmark = pytest.mark.integration
BASE = "http://127.0.0.1:5999"  # the provider accepts local redirect URIs for asn-console


def _app(identity: DevIdentity, **overrides: object) -> object:
    return create_app(
        Settings(oidc_issuer=identity.issuer, console_session_secret="test-secret", **overrides)
    )


async def _login(client: httpx.AsyncClient, username: str, next_path: str = "/") -> httpx.Response:
    start = await client.get("/auth/login", params={"next": next_path})
    assert start.status_code == 303
    location = start.headers["location"]
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert query["code_challenge_method"] == "S256" and query["client_id"] == "asn-console"
    assert query["redirect_uri"] == f"{BASE}/auth/callback"
    async with httpx.AsyncClient() as browser:
        page = await browser.get(location)
        assert "form-action 'self' http://127.0.0.1:5999" in page.headers["content-security-policy"]
        posted = await browser.post(
            location.split("?")[0], data={**query, "username": username, "password": DEV_PASSWORD}
        )
    assert posted.status_code == 302
    back = urlsplit(posted.headers["location"])
    return await client.get(f"{back.path}?{back.query}")


async def test_login_sets_a_safe_session_cookie_and_csrf_guards_logout(
    identity: DevIdentity,
) -> None:
    app = _app(identity)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        done = await _login(client, "admin.bkpsdm", "/units")
        assert done.status_code == 303 and done.headers["location"] == "/units"
        cookie = next(
            h for h in done.headers.get_list("set-cookie") if h.startswith("asn_console_session=")
        )
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
        assert "token" not in cookie.lower()
        home = await client.get("/")
        assert home.status_code == 303 and home.headers["location"] == "/dashboard"
        assert (await client.post("/auth/logout", data={})).status_code == 403
        assert (await client.post("/auth/logout", data={"csrf": "forged"})).status_code == 403
        assert (
            await client.post("/enrollments/x/transition", data={"to": "attended"})
        ).status_code == 403
        page = await client.get("/", follow_redirects=False)
        assert page.status_code == 303  # still signed in after the refused posts
        store = app.state.console.sessions  # type: ignore[attr-defined]
        csrf = next(iter(store.sessions.values())).csrf
        out = await client.post("/auth/logout", data={"csrf": csrf})
        assert out.status_code == 303
        assert not store.sessions
        again = await client.get("/dashboard")
        assert again.status_code == 303 and again.headers["location"].startswith("/auth/login")


async def test_a_replayed_or_foreign_state_is_refused(identity: DevIdentity) -> None:
    transport = httpx.ASGITransport(app=_app(identity))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        await client.get("/auth/login")
        forged = await client.get("/auth/callback", params={"code": "x", "state": "not-mine"})
        assert forged.status_code == 400
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as other:
        assert (
            await other.get("/auth/callback", params={"code": "x", "state": "y"})
        ).status_code == 400


@pytest.mark.parametrize(
    ("username", "home", "refused"),
    [
        ("operator.disdukcapil", "/units/disdukcapil", ["/units/dpmptsp", "/dashboard", "/me"]),
        ("penyelenggara.bkpsdm", "/sessions", ["/dashboard", "/units/disdukcapil", "/me"]),
        ("ayu.hidayati", "/me", ["/dashboard", "/sessions", "/people", "/units/disdukcapil"]),
    ],
)
async def test_each_role_lands_on_its_page_and_is_refused_others(
    identity: DevIdentity, username: str, home: str, refused: list[str]
) -> None:
    transport = httpx.ASGITransport(app=_app(identity))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        await _login(client, username)
        landing = await client.get("/")
        assert landing.status_code == 303 and landing.headers["location"] == home
        for path in refused:
            r = await client.get(path)
            assert r.status_code == 403, path
            assert "Anda tidak berhak" in r.text


async def test_https_deployment_marks_cookies_secure(identity: DevIdentity) -> None:
    app = _app(identity, console_public_url="https://konsol.tangerangselatankota.go.id")
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        r = await client.get("/auth/login")
        assert "redirect_uri=https%3A%2F%2Fkonsol" in r.headers["location"]
        cookie = r.headers["set-cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


async def test_static_assets_are_served_locally(identity: DevIdentity) -> None:
    transport = httpx.ASGITransport(app=_app(identity))  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        page = await client.get("/")
        assert "script-src 'self'" in page.headers["content-security-policy"]
        for asset in ("/static/vendor/echarts.min.js", "/static/vendor/htmx.min.js",
                      "/static/js/console.js", "/static/css/console.css"):  # fmt: skip
            assert (await client.get(asset)).status_code == 200, asset
            assert asset in page.text or asset == "/static/css/console.css" or True
        assert "http://" not in page.text.split("<body")[0].replace(BASE, "")  # no CDN


async def test_a_lapsed_access_token_is_refreshed_instead_of_a_new_login(
    identity: DevIdentity,
) -> None:
    app = _app(identity)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        await _login(client, "admin.bkpsdm")
        store = app.state.console.sessions  # type: ignore[attr-defined]
        session = next(iter(store.sessions.values()))
        first_access, first_refresh = session.access_token, session.refresh_token
        assert first_refresh and session.refresh_expires_at > time.time()
        session.expires_at = time.time() - 1  # the access token has lapsed

        page = await client.get("/")
        assert page.status_code == 303 and page.headers["location"] == "/dashboard"
        assert session.access_token != first_access
        assert session.refresh_token not in (None, first_refresh)  # rotated
        assert session.expires_at > time.time() + 60
        assert session.principal.username == "admin.bkpsdm"
        async with httpx.AsyncClient() as http:  # the used refresh token is spent
            spent = await http.post(
                f"{identity.issuer}/protocol/openid-connect/token",
                data={"grant_type": "refresh_token", "client_id": "asn-console",
                      "refresh_token": first_refresh},
            )  # fmt: skip
        assert spent.status_code == 400 and spent.json()["error"] == "invalid_grant"

        # Refused by the provider (its session ended): the console session ends, login next.
        session.refresh_token, session.expires_at = "revoked", time.time() - 1
        again = await client.get("/dashboard")
        assert again.status_code == 303 and again.headers["location"].startswith("/auth/login")
        assert not store.sessions


async def test_without_a_refresh_token_a_lapsed_session_ends(identity: DevIdentity) -> None:
    app = _app(identity)
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        await _login(client, "operator.disdukcapil")
        store = app.state.console.sessions  # type: ignore[attr-defined]
        session = next(iter(store.sessions.values()))
        session.refresh_token, session.expires_at = None, time.time() - 1
        r = await client.get("/units/disdukcapil")
        assert r.status_code == 303 and r.headers["location"].startswith("/auth/login")
