"""The WhatsApp adapter against a Cloud API stand-in that checks the request shape and answers
like the real API, errors included."""

from __future__ import annotations

import pytest

from asn_platform.vocabulary import EnrollmentStatus
from tests.integration.notifications.conftest import Notif
from tests.integration.notifications.parts import (
    INVALID_SUFFIX,
    THROTTLED_SUFFIX,
    enrollment,
    programme,
    session,
    uid,
)
from tests.integration.recommendations.helpers import eventually, new_nip, profile

pytestmark = pytest.mark.integration


async def _invite_by_whatsapp(notif: Notif, mobile: str) -> str:
    code, sid = uid("PLP").upper(), uid("ses")
    nip = new_nip()
    await notif.publish(programme(code), session(sid, code), profile(nip, "disdukcapil"))
    await notif.contact(nip, email=f"w{nip[-5:]}@x.go.id", mobile=mobile, channel="whatsapp")
    await notif.publish(enrollment(uid("enr"), nip, code, sid, EnrollmentStatus.INVITED))
    return nip


async def test_a_template_message_in_the_cloud_api_shape(notif: Notif) -> None:
    nip = await _invite_by_whatsapp(notif, "0812 7000 1234")
    [row] = await notif.settled(nip)
    assert row["status"] == "sent" and row["channel"] == "whatsapp"
    assert row["provider_id"].startswith("wamid.")
    [sent] = notif.whatsapp.to("+6281270001234")
    assert sent["template"]["name"] == "asn_undangan_pelatihan"
    assert sent["template"]["language"] == {"code": "id"}
    texts = [p["text"] for p in sent["template"]["components"][0]["parameters"]]
    assert texts[2] == "Selasa, 20 Oktober 2026 pukul 08.00 WIB"


async def test_an_invalid_number_is_a_permanent_failure_with_the_reason(notif: Notif) -> None:
    nip = await _invite_by_whatsapp(notif, f"0812 7000 {INVALID_SUFFIX}")
    [row] = await notif.settled(nip)
    assert row["status"] == "failed" and row["attempts"] == 1
    assert "131026" in row["last_error"] and "not a WhatsApp user" in row["last_error"]
    listed = (await notif.client.get("/api/v1/deliveries?status=failed")).json()["items"]
    assert row["id"] in [i["id"] for i in listed]


async def test_a_rate_limit_is_retried(notif: Notif) -> None:
    nip = await _invite_by_whatsapp(notif, f"0812 7001 {THROTTLED_SUFFIX}")

    async def sent() -> bool:
        rows = await notif.rows(nip)
        return bool(rows and rows[0]["status"] == "sent")

    await eventually(sent, 30, "the throttled message to go on a later attempt")
    [row] = await notif.rows(nip)
    assert row["attempts"] == 2
    assert len(notif.whatsapp.to(f"+628127001{THROTTLED_SUFFIX}")) == 1
