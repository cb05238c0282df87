"""HTTP intake on the real broker and PostgreSQL: events, field-level refusals, dedup, flood guard."""

from __future__ import annotations

import asyncio

import pytest

from asn_devkit.oidc import DevIdentity
from asn_platform.topics import SURVEY_SUBMITTED
from tests.integration.surveys.conftest import RATE_BURST, Surveys
from tests.integration.surveys.helpers import create_unit, new_ip, payload, submit

pytestmark = pytest.mark.integration


async def _rows(s: Surveys, unit_id: str) -> int:
    return int(await s.db.fetchval("SELECT count(*) FROM responses WHERE unit_id = $1", unit_id))


async def test_an_accepted_response_is_stored_once_and_published_once_without_personal_data(
    surveys: Surveys,
) -> None:
    unit = await create_unit(surveys.client, served_per_month=500)
    body = payload(unit, [4, 3, 3, 4, 3, 4, 4, 2, 3], comment="Petugas ramah, Budi 0812")
    r = await submit(surveys.client, body)
    assert r.status_code == 201, r.text
    response_id = r.json()["response_id"]
    assert r.json()["duplicate"] is False

    row = await surveys.db.fetchrow(
        "SELECT * FROM responses WHERE response_id = $1::uuid", response_id
    )
    assert row["channel"] == "api" and row["age"] == 34 and row["u8"] == 2
    events = await surveys.tap.wait_for(lambda: surveys.tap.submitted(unit), what="submitted")
    await asyncio.sleep(0.3)  # anything extra would have arrived by now
    assert len(surveys.tap.submitted(unit)) == 1
    env = events[0]
    assert env.topic == SURVEY_SUBMITTED
    assert env.source == "/tangsel/surveys" and env.key == unit.encode()
    assert env.data.response_id == response_id
    assert env.data.answers["U8"] == 2 and env.data.channel == "api"
    published = env.data.model_dump(mode="json")
    assert published["respondent"] == {
        "sex": "P",
        "age_band": "30-39",
        "education": "S1",
        "occupation": "Swasta",
    }
    assert "comment" not in published and "age" not in published["respondent"]
    assert "Budi" not in env.data.model_dump_json()


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        (
            {"answers": {"U1": 5, "U2": 0, "U3": 3, "U4": 3, "U5": 3, "U6": 3, "U7": 3, "U8": 3}},
            {"answers.U1", "answers.U2", "answers.U9"},
        ),
        (
            {"respondent": {"sex": "X", "age": 9, "education": "SMA", "occupation": "Petani"}},
            {"respondent.sex", "respondent.age", "respondent.occupation"},
        ),
        ({"submitted_at": "2026-08-14T10:00:00"}, {"submitted_at"}),
        ({"service": "Layanan Z"}, {"service"}),
        ({"unit_id": "no-such-unit"}, {"unit_id"}),
        ({"nama": "Budi"}, {"nama"}),
    ],
)
async def test_invalid_input_is_refused_field_by_field_and_nothing_is_stored_or_published(
    surveys: Surveys, change: dict, fields: set[str]
) -> None:
    unit = await create_unit(surveys.client, served_per_month=500)
    r = await submit(surveys.client, {**payload(unit), **change})
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "validation_failed" and body["message"] == "Data tidak valid"
    assert {f["field"] for f in body["fields"]} == fields
    assert all(f["problem"] for f in body["fields"])
    assert await _rows(surveys, unit) == 0
    assert (
        await surveys.db.fetchval("SELECT count(*) FROM ikm_buckets WHERE unit_id = $1", unit) == 0
    )
    # A valid response afterwards is the barrier: its event is the only one for the unit.
    ok = await submit(surveys.client, payload(unit))
    assert ok.status_code == 201
    await surveys.tap.wait_for(lambda: surveys.tap.submitted(unit))
    await asyncio.sleep(0.2)
    assert [e.data.response_id for e in surveys.tap.submitted(unit)] == [ok.json()["response_id"]]


async def test_malformed_and_oversized_bodies_are_refused(surveys: Surveys) -> None:
    r = await surveys.client.post(
        "/api/v1/responses",
        content=b"{not json",
        headers={"Content-Type": "application/json", "X-Forwarded-For": new_ip()},
    )
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "(body)"
    big = b'{"comment": "' + b"x" * 70_000 + b'"}'
    r = await surveys.client.post(
        "/api/v1/responses", content=big, headers={"X-Forwarded-For": new_ip()}
    )
    assert r.status_code == 413 and r.json()["error"] == "body_too_large"


async def test_a_kiosk_resend_with_the_same_client_ref_counts_once(surveys: Surveys) -> None:
    unit = await create_unit(surveys.client, served_per_month=500)
    body = payload(unit, client_ref="kiosk-07-000123")
    first = await submit(surveys.client, body)
    again = await submit(surveys.client, body)
    assert first.status_code == 201 and again.status_code == 200, again.text
    assert again.json()["duplicate"] is True
    assert again.json()["response_id"] == first.json()["response_id"]
    # Concurrent resends decide once as well.
    many = await asyncio.gather(*(submit(surveys.client, body) for _ in range(5)))
    assert {m.status_code for m in many} == {200}
    # Other answers under the same reference are refused, never silently dropped.
    other = await submit(surveys.client, payload(unit, 1, client_ref="kiosk-07-000123"))
    assert other.status_code == 409 and other.json()["fields"][0]["field"] == "client_ref"
    # The same reference at another unit is another response.
    unit2 = await create_unit(surveys.client, served_per_month=500)
    assert (await submit(surveys.client, {**body, "unit_id": unit2})).status_code == 201

    assert await _rows(surveys, unit) == 1
    n = await surveys.db.fetchval(
        "SELECT n FROM ikm_buckets WHERE unit_id = $1 AND period_key = '2026-Q3' AND service = ''",
        unit,
    )
    assert n == 1
    await surveys.tap.wait_for(lambda: surveys.tap.submitted(unit))
    await asyncio.sleep(0.3)
    assert len(surveys.tap.submitted(unit)) == 1


async def test_a_flood_from_one_client_gets_429_with_retry_after_and_nothing_is_stored(
    surveys: Surveys,
) -> None:
    unit = await create_unit(surveys.client, served_per_month=500)
    ip = new_ip()
    answers = [await submit(surveys.client, payload(unit), ip=ip) for _ in range(RATE_BURST)]
    assert [a.status_code for a in answers] == [201] * RATE_BURST
    refused = await submit(surveys.client, payload(unit), ip=ip)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    body = refused.json()
    assert body["error"] == "rate_limited"
    assert (
        "Tidak ada yang disimpan" in body["message"] and "Nothing was stored" in body["message_en"]
    )
    assert await _rows(surveys, unit) == RATE_BURST
    # Another client is not affected.
    assert (await submit(surveys.client, payload(unit), ip=new_ip())).status_code == 201
    metrics = (await surveys.client.get("/metrics")).text
    assert 'surveys_intake_total{channel="api",outcome="rate_limited"}' in metrics


async def test_a_kiosk_token_is_not_rate_limited_another_role_is_and_a_bad_token_gets_401(
    surveys: Surveys, identity: DevIdentity
) -> None:
    unit = await create_unit(surveys.client, served_per_month=500)
    ip = new_ip()
    kiosk = identity.token("kiosk")  # client credentials of the asn-kiosk client
    for token, expected in ((kiosk, 201), (identity.token("admin"), 429), ("not-a-jwt", 401)):
        codes = [
            (
                await surveys.client.post(
                    "/api/v1/responses",
                    json=payload(unit),
                    headers={"X-Forwarded-For": ip, "Authorization": f"Bearer {token}"},
                )
            ).status_code
            for _ in range(RATE_BURST + 3)
        ]
        assert codes[-1] == expected, codes
    assert await _rows(surveys, unit) == 2 * RATE_BURST + 3


class _DownPool:
    def acquire(self, *args: object, **kwargs: object) -> object:
        raise ConnectionRefusedError("database down (test)")


async def test_a_database_outage_gets_503_with_retry_after_never_a_silent_loss(
    surveys: Surveys,
) -> None:
    unit = await create_unit(surveys.client, served_per_month=500)
    real = surveys.ctx._pool
    surveys.ctx._pool = _DownPool()  # type: ignore[assignment]
    try:
        r = await submit(surveys.client, payload(unit))
    finally:
        surveys.ctx._pool = real
    assert r.status_code == 503 and r.headers["Retry-After"] == "5"
    assert r.json()["error"] == "unavailable" and "kirim ulang" in r.json()["message"]
    assert (await submit(surveys.client, payload(unit))).status_code == 201


async def test_concurrent_submissions_share_transactions_and_keep_each_outcome(
    surveys: Surveys,
) -> None:
    """Group commit: refusals and resends in the same burst get their own answers, the valid
    ones are each stored, counted, audited and published once."""
    unit = await create_unit(surveys.client, served_per_month=500)
    valid = [payload(unit, [4, 3, 3, 4, 3, 4, 4, 2, 3], client_ref=f"k-{i}") for i in range(8)]
    unknown = [payload(unit, service="Layanan Z") for _ in range(2)]
    resend = payload(unit, 2, client_ref="k-resend")
    bodies = [*valid[:4], unknown[0], resend, *valid[4:], resend, unknown[1]]
    answers = await asyncio.gather(*(submit(surveys.client, b) for b in bodies))

    statuses = [a.status_code for a in answers]
    assert statuses.count(422) == 2 and statuses.count(201) == 9 and statuses.count(200) == 1
    assert all(a.json()["fields"][0]["field"] == "service" for a in answers if a.status_code == 422)
    ids = {a.json()["response_id"] for a in answers if a.status_code in (200, 201)}
    assert len(ids) == 9  # the resend got the original's id
    assert await _rows(surveys, unit) == 9
    n = await surveys.db.fetchval(
        "SELECT n FROM ikm_buckets WHERE unit_id = $1 AND period_key = '2026-Q3' AND service = ''",
        unit,
    )
    assert n == 9
    audited = await surveys.db.fetch(
        "SELECT entity_id FROM audit_log WHERE route = '/api/v1/responses' AND status = 201"
        " AND summary->>'unit_id' = $1",
        unit,
    )
    assert {r["entity_id"] for r in audited} == {
        f"response_id={a.json()['response_id']}" for a in answers if a.status_code == 201
    }
    await surveys.tap.wait_for(lambda: len(surveys.tap.submitted(unit)) >= 9)
    await asyncio.sleep(0.3)
    assert sorted(e.data.response_id for e in surveys.tap.submitted(unit)) == sorted(ids)
