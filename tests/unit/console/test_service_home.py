"""Every service's base URL answers with links to its docs and to the console, not a 404."""

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from asn_platform.http import ops_router


@pytest.mark.parametrize("console", ["http://127.0.0.1:8004", None])
async def test_base_url_links_docs_and_console(monkeypatch, console) -> None:
    if console:
        monkeypatch.setenv("ASN_CONSOLE_URL", console)
    else:
        monkeypatch.delenv("ASN_CONSOLE_URL", raising=False)
    app = FastAPI()
    app.include_router(ops_router(CollectorRegistry(), {}, dict, "Layanan Survei"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        r = await c.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "Layanan Survei" in r.text and 'href="docs"' in r.text
    assert (f'href="{console}"' in r.text) == bool(console)
