"""The public form over HTTP (the browser test is in tests/e2e/surveys): rendering in both
languages, submission, field errors, double submit, the QR code."""

from __future__ import annotations

import re

import pytest

from asn_surveys.api.public import qr_svg
from tests.integration.surveys.conftest import RATE_BURST, Surveys
from tests.integration.surveys.helpers import CODES, create_unit, new_ip

pytestmark = pytest.mark.integration


def _form(unit_client_ref: str, **overrides: str) -> dict[str, str]:
    data = {
        "lang": "id",
        "client_ref": unit_client_ref,
        "service": "Layanan B",
        **{c: "3" for c in CODES},
        "sex": "L",
        "age": "41",
        "education": "SMA",
        "occupation": "Wirausaha",
        "comment": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _client_ref(html: str) -> str:
    match = re.search(r'name="client_ref" value="([^"]+)"', html)
    assert match
    return match.group(1)


async def test_form_renders_in_indonesian_and_english(surveys: Surveys) -> None:
    page = await surveys.client.get("/s/disdukcapil")
    assert page.status_code == 200
    html = page.text
    assert '<html lang="id">' in html and 'name="viewport"' in html
    assert "Survei Kepuasan Masyarakat" in html and "Dinas Kependudukan" in html
    assert "Bagaimana pendapat Saudara tentang kecepatan waktu" in html
    assert html.index('name="U9"') < html.index('name="U8"')
    assert "KTP-el" in html and "English" in html
    en = (await surveys.client.get("/s/disdukcapil?lang=en")).text
    assert '<html lang="en">' in en and "Public Satisfaction Survey" in en
    assert "How fast was the service delivered?" in en
    assert (await surveys.client.get("/s/nope")).status_code == 404
    listing = (await surveys.client.get("/s")).text
    assert "/s/disdukcapil" in listing


async def test_form_submission_stores_once_and_reports_errors_per_field(surveys: Surveys) -> None:
    c = surveys.client
    unit = await create_unit(c, served_per_month=100)
    ref = _client_ref((await c.get(f"/s/{unit}")).text)
    headers = {"X-Forwarded-For": new_ip()}

    bad = await c.post(
        f"/s/{unit}", data=_form(ref, U3=None, U8="7", age="9", sex=None), headers=headers
    )
    assert bad.status_code == 422
    for field in ("U3", "U8", "age", "sex"):
        assert f'id="err-{field}"' in bad.text, field
    assert "Mohon dipilih" in bad.text and "Usia harus angka 15-100" in bad.text
    assert 'value="Layanan B" selected' in bad.text  # what was entered is kept
    assert await surveys.db.fetchval("SELECT count(*) FROM responses WHERE unit_id = $1", unit) == 0

    ok = await c.post(f"/s/{unit}", data=_form(ref, comment="Antrean lama"), headers=headers)
    assert ok.status_code == 303 and ok.headers["location"] == f"/s/{unit}/terima-kasih"
    twice = await c.post(f"/s/{unit}", data=_form(ref, comment="Antrean lama"), headers=headers)
    assert twice.status_code == 303  # a double tap counts once
    rows = await surveys.db.fetch(
        "SELECT channel, comment, u3 FROM responses WHERE unit_id = $1", unit
    )
    assert [(r["channel"], r["comment"], r["u3"]) for r in rows] == [("web", "Antrean lama", 3)]
    thanks = await c.get(f"/s/{unit}/terima-kasih")
    assert "Terima kasih!" in thanks.text
    events = await surveys.tap.wait_for(lambda: surveys.tap.submitted(unit))
    assert events[0].data.channel == "web"

    en = await c.post(f"/s/{unit}", data=_form(ref + "x", lang="en", U1=None), headers=headers)
    assert en.status_code == 422 and "Please choose one" in en.text


async def test_qr_code_points_at_the_unit_form(surveys: Surveys) -> None:
    r = await surveys.client.get("/s/puskesmas-pamulang/qr.svg")
    assert r.status_code == 200 and r.headers["content-type"] == "image/svg+xml"
    url = "http://test/s/puskesmas-pamulang"
    assert r.headers["x-form-url"] == url
    assert r.content == qr_svg(url) and r.content.lstrip().startswith(b"<?xml")
    assert (await surveys.client.get("/s/nope/qr.svg")).status_code == 404


async def test_a_flood_on_the_form_gets_429_with_the_answers_kept(surveys: Surveys) -> None:
    c = surveys.client
    unit = await create_unit(c, served_per_month=100)
    headers = {"X-Forwarded-For": new_ip()}
    for i in range(RATE_BURST):
        r = await c.post(f"/s/{unit}", data=_form(f"web-flood-{i}"), headers=headers)
        assert r.status_code == 303
    refused = await c.post(f"/s/{unit}", data=_form("web-flood-x", age="52"), headers=headers)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert 'id="notice"' in refused.text and "belum tersimpan" in refused.text
    assert 'value="52"' in refused.text  # nothing to type again
    assert (
        await surveys.db.fetchval("SELECT count(*) FROM responses WHERE unit_id = $1", unit)
        == RATE_BURST
    )
