"""The console's webhook pages against a real webhooks service (its lifespan, PostgreSQL, the
broker; answering HTTP on a real port) and a real receiver verifying with `standardwebhooks`:
register (the personal-data rule refuses first, nothing is stored), the secret shown once and
not cached, events delivered, a dead letter listed and sent again, pause/resume, rotation with
a decimal-comma overlap, English, CSRF, and no page for other roles."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from asn_console.main import create_app
from asn_console.settings import Settings
from asn_devkit.embedded.processes import free_port
from asn_devkit.oidc import DevIdentity
from asn_devkit.testing import DatabaseFactory
from asn_platform import topics
from tests.integration.console.test_console_login import BASE, _login
from tests.integration.webhooks.helpers import (
    API,
    Hooks,
    Receiver,
    eventually,
    new_unit,
    running_webhooks,
)

pytestmark = pytest.mark.integration
SECRET = re.compile(r'value="(whsec_[A-Za-z0-9+/=]+)"')


def _csrf(console: object) -> str:
    store = console.state.console.sessions  # type: ignore[attr-defined]
    return str(next(iter(store.sessions.values())).csrf)


async def _arrived(receiver: Receiver, n: int) -> None:
    await eventually(lambda: asyncio.sleep(0, len(receiver.accepted) >= n), 30, f"{n} events")
    assert receiver.refused == 0


async def _subs(hooks: Hooks) -> list[dict[str, object]]:
    r = await hooks.client.get(f"{API}/subscriptions")
    assert r.status_code == 200
    return list(r.json())


async def test_an_admin_runs_webhook_subscriptions_from_the_console(
    identity: DevIdentity, kafka_topics: str, pg_server_url: str, db_factory: DatabaseFactory
) -> None:
    port = free_port()
    receiver = Receiver()
    await receiver.start()
    settings = {"webhooks_max_attempts": 1, "webhooks_pause_after_failures": 1000}
    try:
        async with running_webhooks(
            kafka_topics, pg_server_url, db_factory, "console", port=port, **settings
        ) as hooks:
            console = create_app(
                Settings(
                    oidc_issuer=identity.issuer,
                    console_session_secret="test-secret",
                    webhooks_url=f"http://127.0.0.1:{port}",
                )
            )
            transport = httpx.ASGITransport(app=console)  # type: ignore[arg-type]
            async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
                await _pages(client, console, hooks, receiver)
    finally:
        await receiver.stop()


async def _pages(client: httpx.AsyncClient, console: object, hooks: Hooks, rx: Receiver) -> None:
    await _login(client, "admin.bkpsdm")
    page = await client.get("/webhooks")
    assert page.status_code == 200 and "Belum ada langganan" in page.text
    assert 'href="/webhooks"' in page.text  # in the admin's menu
    assert topics.TRAINING_COMPLETED in page.text and "data pribadi (NIP)" in page.text
    csrf = _csrf(console)
    form = {
        "csrf": csrf,
        "agency": "Dinas Kesehatan Kota Tangerang Selatan",
        "url": rx.url,
        f"type:{topics.SURVEY_SUBMITTED}": "1",
    }
    assert (await client.post("/webhooks", data={**form, "csrf": "forged"})).status_code == 403

    # A type naming a person without the agreement: refused, the form kept, nothing stored.
    refused = await client.post(
        "/webhooks", data={**form, f"type:{topics.TRAINING_COMPLETED}": "1"}
    )
    assert refused.status_code == 422
    assert "event_types" in refused.text and "allow_personal_data" in refused.text
    assert 'value="Dinas Kesehatan Kota Tangerang Selatan"' in refused.text
    assert await _subs(hooks) == []

    made = await client.post("/webhooks", data=form)
    assert made.status_code == 200, made.text
    assert made.headers["cache-control"] == "no-store"
    found = SECRET.search(made.text)
    assert found, made.text
    rx.secrets = [found.group(1)]
    (sub,) = await _subs(hooks)
    detail = f"/webhooks/{sub['id']}"
    assert found.group(1) not in (await client.get(detail)).text  # shown once only

    unit = new_unit()
    await hooks.surveys(unit, 1)
    await _arrived(rx, 1)
    await eventually(
        lambda: _shows(client, "/webhooks", "Aktif", sub["agency"]), 30, "the list's state"
    )

    # The receiver fails: with one attempt allowed the next event is a dead letter at once.
    rx.status = 500
    (failed,) = await hooks.surveys(unit, 1)
    event_id = failed.header("ce_id")
    await eventually(lambda: _shows(client, detail, event_id, "500"), 30, "the dead letter")
    rx.status = 204
    dead = (await hooks.client.get(f"{API}/subscriptions/{sub['id']}/dead-letters")).json()
    again = await client.post(f"{detail}/redeliver", data={"csrf": csrf, "id": str(dead[0]["id"])})
    assert again.status_code == 303 and "1%20dikirim%20ulang" in again.headers["location"]
    await _arrived(rx, 2)
    assert rx.ids()[-1] == event_id

    paused = await client.post(f"{detail}/pause", data={"csrf": csrf}, follow_redirects=True)
    assert "Dijeda" in paused.text and "Lanjutkan" in paused.text
    assert (await _subs(hooks))[0]["status"] == "paused"
    resumed = await client.post(f"{detail}/resume", data={"csrf": csrf}, follow_redirects=True)
    assert "Aktif kembali" in resumed.text and (await _subs(hooks))[0]["status"] == "active"

    bad = await client.post(f"{detail}/rotate", data={"csrf": csrf, "overlap_h": "lama"})
    assert bad.status_code == 303 and "problem=" in bad.headers["location"]
    assert (await _subs(hooks))[0]["previous_secret_valid_until"] is None  # nothing changed
    before = datetime.now(UTC)
    rotated = await client.post(f"{detail}/rotate", data={"csrf": csrf, "overlap_h": "1,5"})
    assert rotated.status_code == 200 and rotated.headers["cache-control"] == "no-store"
    new = SECRET.search(rotated.text)
    assert new and new.group(1) != rx.secrets[0]
    until = datetime.fromisoformat(str((await _subs(hooks))[0]["previous_secret_valid_until"]))
    assert before + timedelta(minutes=89) < until < before + timedelta(minutes=91)
    rx.secrets = [new.group(1)]
    await hooks.surveys(unit, 1)
    await _arrived(rx, 3)

    english = await client.get(f"{detail}?lang=en")
    assert "Dead letters" in english.text and "No dead letters." in english.text


async def _shows(client: httpx.AsyncClient, path: str, *texts: str) -> bool:
    page = await client.get(path)
    return page.status_code == 200 and all(t in page.text for t in texts)


async def test_only_admins_see_the_webhook_pages(identity: DevIdentity) -> None:
    console = create_app(Settings(oidc_issuer=identity.issuer, console_session_secret="t"))
    transport = httpx.ASGITransport(app=console)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        await _login(client, "auditor.inspektorat")
        page = await client.get("/webhooks")
        assert page.status_code == 403
        assert 'href="/webhooks"' not in page.text  # not in the auditor's menu either
        r = await client.post("/webhooks/x/pause", data={"csrf": _csrf(console)})
        assert r.status_code == 403
