"""Contacts over the API and by CSV: validated, personal data kept here only."""

from __future__ import annotations

import pytest

from tests.integration.notifications.conftest import Notif
from tests.integration.recommendations.helpers import new_nip

pytestmark = pytest.mark.integration


async def test_contacts_are_validated_and_normalised(notif: Notif) -> None:
    nip = new_nip()
    ok = await notif.client.put(
        f"/api/v1/contacts/{nip}",
        json={"email": "Budi@TangerangSelatanKota.go.id", "mobile": "0812-3456-7890",
              "channel": "whatsapp", "lang": "en"},
    )  # fmt: skip
    assert ok.status_code == 200, ok.text
    assert ok.json()["mobile"] == "+6281234567890"
    assert ok.json()["email"] == "Budi@tangerangselatankota.go.id"
    bad_mail = await notif.client.put(f"/api/v1/contacts/{nip}", json={"email": "budi@@x"})
    assert bad_mail.status_code == 422
    assert bad_mail.json()["fields"][0]["field"] == "email"
    landline = await notif.client.put(
        f"/api/v1/contacts/{nip}", json={"email": "a@b.go.id", "mobile": "021 7420 5000"}
    )
    assert landline.status_code == 422 and landline.json()["fields"][0]["field"] == "mobile"
    no_number = await notif.client.put(f"/api/v1/contacts/{nip}", json={"channel": "whatsapp"})
    assert no_number.status_code == 422
    got = await notif.client.get(f"/api/v1/contacts/{nip}")
    assert got.json()["channel"] == "whatsapp"


async def test_the_person_changes_only_their_own_contact(notif: Notif, identity: object) -> None:
    mine = "197701202002042001"  # the dev user ayu.hidayati (asn)
    headers = identity.headers("asn", "ayu.hidayati")  # type: ignore[attr-defined]
    own = await notif.client.put(
        f"/api/v1/contacts/{mine}", json={"email": "ayu@x.go.id", "nudge_opt_out": True},
        headers=headers,
    )  # fmt: skip
    assert own.status_code == 200, own.text
    other = await notif.client.get(f"/api/v1/contacts/{new_nip()}", headers=headers)
    assert other.status_code == 403
    listing = await notif.client.get("/api/v1/deliveries", headers=headers)
    assert listing.status_code == 403


async def test_csv_import_keeps_good_rows_and_lists_bad_ones(notif: Notif) -> None:
    a, b = new_nip(), new_nip()
    text = (
        "nip;email;mobile;channel;lang;nudge_opt_out\n"
        f"{a};a@tangerangselatankota.go.id;;email;id;tidak\n"
        f"{b};;+62 813 1111 2222;whatsapp;en;ya\n"
        "123;x@y.go.id;;email;id;\n"
        f"{new_nip()};not-an-email;;email;id;\n"
    )
    response = await notif.client.post(
        "/api/v1/contacts/import", content=text.encode(), headers={"Content-Type": "text/csv"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["imported"] == 2 and body["rejected"] == 2
    assert [r["line"] for r in body["bad_rows"]] == [4, 5]
    got = (await notif.client.get(f"/api/v1/contacts/{b}")).json()
    assert got["mobile"] == "+6281311112222" and got["nudge_opt_out"] is True


async def test_a_message_without_an_address_goes_once_the_contact_is_added(notif: Notif) -> None:
    from asn_platform.vocabulary import EnrollmentStatus
    from tests.integration.notifications.parts import enrollment, programme, session, uid
    from tests.integration.recommendations.helpers import profile

    code, sid, nip = uid("PLP").upper(), uid("ses"), new_nip()
    await notif.publish(programme(code), session(sid, code), profile(nip, "disdukcapil"))
    await notif.publish(enrollment(uid("enr"), nip, code, sid, EnrollmentStatus.INVITED))
    [row] = await notif.settled(nip)
    assert row["status"] == "failed" and row["last_error"].startswith("no address:")
    address = f"late{nip[-5:]}@tangerangselatankota.go.id"
    await notif.contact(nip, email=address)
    await notif.mail(address, "invitation")
    [row] = await notif.settled(nip)
    assert row["status"] == "sent"
