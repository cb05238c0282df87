"""The body ceiling every service has: a huge body is a 413 (or a 4xx once streamed), never read
whole, and bodies under the limit pass untouched."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI, Request
from pydantic import BaseModel

from asn_enrollment.settings import Settings as EnrollmentSettings
from asn_platform.body_limit import BodyLimit
from asn_platform.http_errors import install_error_handlers

LIMIT = 2048


class Note(BaseModel):
    text: str


def _app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/model")
    async def model(note: Note) -> dict[str, int]:
        return {"len": len(note.text)}

    @app.post("/raw")
    async def raw(request: Request) -> dict[str, int]:
        return {"len": len(await request.body())}

    app.add_middleware(BodyLimit, max_bytes=LIMIT)
    return app


def _client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://t")


async def test_a_declared_length_over_the_limit_is_413_in_the_platform_format() -> None:
    async with _client() as c:
        for path in ("/model", "/raw"):
            r = await c.post(path, content=b"x" * (LIMIT + 1))
            assert r.status_code == 413
            assert r.json()["error"] == "body_too_large" and str(LIMIT) in r.json()["message"]


async def test_a_streamed_body_over_the_limit_is_refused() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"y" * 1024

    async with _client() as c:
        r = await c.post("/raw", content=chunks())  # chunked: no Content-Length
        assert r.status_code == 413
        r = await c.post("/model", content=chunks(), headers={"content-type": "application/json"})
        assert 400 <= r.status_code < 500


async def test_bodies_under_the_limit_pass() -> None:
    async with _client() as c:
        r = await c.post("/model", json={"text": "a" * 1000})
        assert r.status_code == 200 and r.json() == {"len": 1000}
        r = await c.post("/raw", content=b"z" * LIMIT)
        assert r.status_code == 200 and r.json() == {"len": LIMIT}


def test_enrollment_ceiling_always_lets_a_roster_csv_in() -> None:
    settings = EnrollmentSettings(enrollment_max_csv_bytes=20_000_000, http_max_body_bytes=4096)
    assert settings.http_max_body_bytes > 20_000_000
