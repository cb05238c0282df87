"""Dead letters over HTTP, on the real broker and PostgreSQL: a poison event lands in the dead
letters, the admin lists it with its reason, re-drives it unfixed (it comes back with the
reason), fixes the cause and re-drives it (applied once; again: a duplicate), audited; other
roles get 403."""

import uuid

import asyncpg
import pytest

from asn_devkit.oidc import DevIdentity
from asn_platform.contracts import ScheduledSession
from asn_platform.envelope import encode
from tests.integration.enrollment.conftest import add_people
from tests.integration.enrollment.test_scheduled_programmes import (
    SOURCE,
    _decision,
    _send,
    _wait_for,
)

pytestmark = pytest.mark.integration


def _programme(code: str) -> dict:
    return {
        "code": code,
        "title": "Bimtek Pelayanan Ramah",
        "kind": "bimtek",
        "competencies": ["teknis.administrasi_kependudukan"],
        "target_fields": ["administrasi_kependudukan"],
        "jp": 8,
        "benefit_id": "Melayani warga dengan ramah.",
        "benefit_en": "Serve citizens kindly.",
        "default_capacity": 20,
    }


async def test_poison_event_listed_redriven_and_applied_once(
    ctx, client, kafka_topics, identity: DevIdentity
):
    [nip] = await add_people(client, 1)
    code = f"DL-{uuid.uuid4().hex[:6].upper()}"
    sp_id = f"sp-{uuid.uuid4().hex[:12]}"
    session = ScheduledSession(
        session_ref="1",
        starts_at="2027-06-14T08:00:00+07:00",
        ends_at="2027-06-14T12:00:00+07:00",
        place="Aula",
        capacity=10,
        cohort=[nip],
    )
    record = encode(_decision(sp_id, f"key-{sp_id}", code, [session]), source=SOURCE)
    ce_id = dict(record.headers)["ce_id"].decode()
    await _send(kafka_topics, record)

    async def letters_of_event() -> list:
        r = await client.get("/api/v1/dead-letters")
        assert r.status_code == 200, r.text
        return [d for d in r.json()["items"] if d["ce_id"] == ce_id]

    [letter] = await _wait_for(letters_of_event)
    assert letter["dlq_topic"] == "asn.recommendations.programme-scheduled.v1.dlq"
    assert letter["consumer_group"] == "enrollment-scheduler"
    assert letter["error_class"].endswith("PermanentError")
    assert code in letter["error_message"] and "not in the catalogue" in letter["error_message"]
    assert letter["failed_at"].endswith("+07:00") and letter["last_redrive"] is None
    path = f"/api/v1/dead-letters/{letter['id']}"
    shown = (await client.get(path)).json()
    assert sp_id in shown["value"] and shown["headers"]["ce_id"] == ce_id

    # Nobody but an admin reads or re-drives them.
    for role in ("auditor", "organizer", "unit-operator", "asn"):
        headers = identity.headers(role)
        assert (await client.get("/api/v1/dead-letters", headers=headers)).status_code == 403
        assert (await client.get(path, headers=headers)).status_code == 403
        assert (await client.post(f"{path}/redrive", headers=headers)).status_code == 403
    assert (await client.get("/api/v1/dead-letters/nope.dlq/0/0")).status_code == 404
    assert (await client.get("/api/v1/dead-letters/not-a-dlq/0/0")).status_code == 422

    # Unfixed: it fails again and comes back with the reason.
    again = await client.post(f"{path}/redrive")
    assert again.status_code == 200, again.text
    assert again.json()["outcome"] == "dead_lettered" and code in again.json()["error"]
    both = await _wait_for(lambda: _at_least(letters_of_event, 2))
    assert {d["offset"] for d in both} >= {letter["offset"]}

    # Fixed (the programme now exists): applied once; a second re-drive changes nothing.
    assert (await client.post("/api/v1/programmes", json=_programme(code))).status_code == 201
    applied = await client.post(f"{path}/redrive")
    assert applied.json() == {"id": letter["id"], "outcome": "applied", "error": None}
    dup = await client.post(f"{path}/redrive")
    assert dup.json()["outcome"] == "duplicate"
    conn = await asyncpg.connect(ctx.database_dsn)
    try:
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM scheduled_programmes WHERE scheduled_programme_id = $1", sp_id
            )
            == 1
        )
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM sessions WHERE scheduled_programme_id = $1", sp_id
            )
            == 1
        )
        assert await conn.fetchval(
            "SELECT count(*) FROM enrollments e JOIN sessions s ON s.id = e.session_id"
            " WHERE s.scheduled_programme_id = $1 AND e.nip = $2", sp_id, nip
        ) == 1  # fmt: skip
    finally:
        await conn.close()

    listed = next(d for d in await letters_of_event() if d["id"] == letter["id"])
    assert listed["last_redrive"]["outcome"] == "duplicate"
    assert listed["last_redrive"]["username"]
    trail = (await client.get("/api/v1/audit", params={"entity_id": letter["id"]})).json()
    outcomes = [row["summary"]["outcome"] for row in trail["items"]]
    assert outcomes == ["duplicate", "applied", "dead_lettered"]  # newest first
    assert all(r["route"].endswith("/redrive") and r["outcome"] == "ok" for r in trail["items"])


async def _at_least(probe, n: int) -> list:
    found = await probe()
    return found if len(found) >= n else []
