"""The console's self-service page lists the signed-in civil servant's certificates and passes
the PDF through from the real notifications service with the person's own token; another
holder's certificate is a 404. The console runs in-process (ASGI) and reaches this package's
notifications service through its ASGI transport; the other services are not needed (the page
shows their panels empty)."""

from __future__ import annotations

import httpx
import pytest

from asn_console.main import create_app
from asn_console.settings import Settings
from asn_devkit.oidc import DevIdentity
from tests.integration.console.test_console_login import BASE, _login
from tests.integration.notifications.conftest import Notif
from tests.integration.notifications.parts import completed, programme, session, uid

pytestmark = pytest.mark.integration

IKA = "197506281998022015"  # the development provider's ika.yuliani (role asn, claim nip)
NOTIFICATIONS = "http://notifications.test"
NOWHERE = "http://127.0.0.1:1"  # the services this page does not need here: refused at once


async def test_my_certificates_on_the_self_service_page_download_only_my_own(
    notif: Notif, identity: DevIdentity
) -> None:
    code, sid, other = uid("PLP").upper(), uid("ses"), "199104042019031004"
    await notif.publish(programme(code), session(sid, code))
    await notif.publish(
        completed(uid("enr"), IKA, code, sid), completed(uid("enr"), other, code, sid)
    )
    [theirs] = (await notif.client.get(f"/api/v1/asn/{other}/certificates")).json()["items"]
    mine = [
        c
        for c in (await notif.client.get(f"/api/v1/asn/{IKA}/certificates")).json()["items"]
        if c["programme_code"] == code
    ]
    assert len(mine) == 1

    app = create_app(
        Settings(
            oidc_issuer=identity.issuer, console_session_secret="test-secret",
            surveys_url=NOWHERE, enrollment_url=NOWHERE, recommendations_url=NOWHERE,
            notifications_url=NOTIFICATIONS,
        )
    )  # fmt: skip
    services = app.state.console.services  # type: ignore[attr-defined]
    services.http = httpx.AsyncClient(mounts={NOTIFICATIONS: notif.client._transport})
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    try:
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            await _login(client, "ika.yuliani")
            page = await client.get("/me")
            assert page.status_code == 200
            assert "Sertifikat saya" in page.text and mine[0]["number"] in page.text
            link = f"/me/certificates/{mine[0]['number']}.pdf"
            assert f'href="{link}"' in page.text
            assert "My certificates" in (await client.get("/me?lang=en")).text

            pdf = await client.get(link)
            assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
            assert pdf.headers["content-type"] == "application/pdf"
            assert mine[0]["number"] in pdf.headers["content-disposition"]
            not_mine = await client.get(f"/me/certificates/{theirs['number']}.pdf")
            assert not_mine.status_code == 404 and not_mine.content[:4] != b"%PDF"
            assert (await client.get("/me/certificates/TS-x.pdf")).status_code == 404
    finally:
        await services.http.aclose()
