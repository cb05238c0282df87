"""GET /api/v1/asn/{nip}/recommendations: Kafka request/reply to the recommendations service."""

import time

import pytest

from asn_platform import topics
from asn_platform.contracts.rpc import PersonRecommendations
from asn_platform.kafka import make_broker
from asn_platform.rpc import register_responder
from asn_platform.settings import PlatformSettings
from tests.integration.enrollment.conftest import RPC_TIMEOUT_S, add_people

pytestmark = pytest.mark.integration


async def test_no_answer_in_time_is_a_clear_503(client):
    [nip] = await add_people(client, 1)
    started = time.monotonic()
    r = await client.get(f"/api/v1/asn/{nip}/recommendations")
    elapsed = time.monotonic() - started
    assert r.status_code == 503
    assert int(r.headers["Retry-After"]) >= 1
    body = r.json()
    assert body["error"] == "recommendations_unavailable"
    assert "tidak menjawab" in body["message"] and "did not answer" in body["message_en"]
    assert RPC_TIMEOUT_S <= elapsed < RPC_TIMEOUT_S + 2


PERSON_EXAMPLE = PersonRecommendations.model_json_schema()["examples"][0]


async def test_an_answer_from_a_responder_is_returned(client, kafka_topics):
    nip, unseen = await add_people(client, 2)
    asked: list[dict] = []

    async def stub(payload: dict) -> dict:
        asked.append(payload)
        if payload["nip"] == unseen:  # as the real responder answers a NIP it has not seen
            return {
                "nip": unseen,
                "error": "unknown_nip",
                "message": "NIP tidak dikenal.",
                "message_en": "NIP not known.",
            }
        return {**PERSON_EXAMPLE, "nip": payload["nip"]}  # a full answer of the contract

    settings = PlatformSettings(kafka_bootstrap_servers=kafka_topics)
    broker = make_broker(settings, client_id="stub-recommendations")
    register_responder(
        broker, topics.RPC_RECOMMENDATIONS_REQUEST, "stub-rpc", stub, settings=settings
    )
    await broker.start()
    try:
        r = await client.get(f"/api/v1/asn/{nip}/recommendations", params={"lang": "en"})
        refused = await client.get(f"/api/v1/asn/{unseen}/recommendations")
    finally:
        await broker.stop()
    assert r.status_code == 200, r.text
    assert r.json()["items"][0]["programme_code"] == "PLP-PRIMA"
    assert {"nip": nip, "lang": "en"} in asked
    assert refused.status_code == 404
    assert refused.json()["error"] == "recommendations_unknown_nip"
    assert refused.json()["message"] == "NIP tidak dikenal."


async def test_unknown_or_invalid_nip(client):
    assert (await client.get("/api/v1/asn/19900101201503/recommendations")).status_code == 422
    unknown = await client.get("/api/v1/asn/199001012015031999/recommendations")
    assert unknown.status_code == 404
