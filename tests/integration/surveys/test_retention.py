"""Retention (UU 27/2022): responses older than the retention period lose their comment and
exact age (the age band stays); counts and IKM do not change; a kiosk resend still counts once."""

from __future__ import annotations

import pytest

from asn_devkit.oidc import DevIdentity
from asn_surveys.store.responses import anonymise_expired
from tests.integration.surveys.conftest import Surveys
from tests.integration.surveys.helpers import create_unit, new_ip, payload

pytestmark = pytest.mark.integration


async def test_old_comments_and_exact_ages_are_anonymised_and_ikm_stays(
    surveys: Surveys, identity: DevIdentity
) -> None:
    unit = await create_unit(surveys.client, served_per_month=10)
    kiosk = {**identity.headers("kiosk"), "X-Forwarded-For": new_ip()}
    old = payload(unit, comment="Petugas ramah, nama saya Budi", client_ref="k-old-1")
    new = payload(unit, answers=2, comment="Antre lama")
    for body in (old, new):
        r = await surveys.client.post("/api/v1/responses", json=body, headers=kiosk)
        assert r.status_code == 201, r.text
    ikm_before = (await surveys.client.get(f"/api/v1/ikm/units/{unit}?period=2026-Q3")).json()
    await surveys.db.execute(
        "UPDATE responses SET received_at = now() - interval '400 days'"
        " WHERE unit_id = $1 AND client_ref = 'k-old-1'",
        unit,
    )
    assert await anonymise_expired(surveys.db, 365) >= 1
    rows = await surveys.db.fetch(
        "SELECT client_ref, comment, age, age_band, anonymised_at FROM responses"
        " WHERE unit_id = $1 ORDER BY client_ref NULLS LAST",
        unit,
    )
    assert [(r["comment"], r["age"], r["age_band"]) for r in rows] == [
        (None, None, "30-39"),
        ("Antre lama", 34, None),
    ]
    assert rows[0]["anonymised_at"] is not None and rows[1]["anonymised_at"] is None
    assert await anonymise_expired(surveys.db, 365) == 0  # nothing twice
    ikm_after = (await surveys.client.get(f"/api/v1/ikm/units/{unit}?period=2026-Q3")).json()
    assert ikm_after == ikm_before
    again = await surveys.client.post("/api/v1/responses", json=old, headers=kiosk)
    assert again.status_code == 200 and again.json()["duplicate"] is True
