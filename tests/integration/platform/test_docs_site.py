"""Each service documents itself: its runtime AsyncAPI document lists what it publishes and
consumes with the committed payload schemas, and its doc pages use only the service's own
assets (no CDN). The apps run without their lifespan: these routes touch no database."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from asn_enrollment.main import DEFINITION as ENROLLMENT
from asn_platform import access
from asn_platform.contracts.export import SCHEMA_DIR
from asn_platform.contracts.registry import EVENTS
from asn_platform.docs_site import asset_names
from asn_platform.service import ServiceDefinition, create_app
from asn_recommendations.main import DEFINITION as RECOMMENDATIONS
from asn_surveys.main import DEFINITION as SURVEYS

pytestmark = pytest.mark.integration

DEFINITIONS: dict[str, ServiceDefinition[Any]] = {
    "surveys": SURVEYS,
    "enrollment": ENROLLMENT,
    "recommendations": RECOMMENDATIONS,
}
COMMITTED = json.loads((SCHEMA_DIR / "asyncapi.json").read_text("utf-8"))


def _client(name: str) -> httpx.AsyncClient:
    app = create_app(DEFINITIONS[name])
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc")


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _all_refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _all_refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _all_refs(v)]
    return []


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
async def test_runtime_asyncapi_lists_what_the_service_publishes_and_consumes(name: str) -> None:
    async with _client(name) as client:
        doc = (await client.get("/asyncapi.json")).json()
    published = {s.topic for s in EVENTS.values() if s.producer == name}
    reads = next(a.reads for a in access.SERVICE_ACCESS if a.service == name)
    consumed = {t for t in reads if t in {s.topic for s in EVENTS.values()}}
    addresses = {c["address"] for c in doc["channels"].values()}
    assert addresses == published | consumed
    for channel_id, channel in doc["channels"].items():
        assert channel == COMMITTED["channels"][channel_id]  # the same as the committed document
    for message_name, message in doc["components"]["messages"].items():
        assert message == COMMITTED["components"]["messages"][message_name]
        payload = _resolve(doc, message["payload"]["$ref"])
        assert payload["properties"], message_name  # a real schema, not {"type": "null"}
    actions = {
        (_resolve(doc, op["channel"]["$ref"])["address"], op["action"])
        for op in doc["operations"].values()
    }
    assert {t for t, a in actions if a == "send"} == published - {
        s.topic for s in EVENTS.values() if s.producer == "external"
    }
    assert {t for t, a in actions if a == "receive"} >= consumed
    for ref in _all_refs(doc):
        _resolve(doc, ref)  # every reference resolves inside the document


@pytest.mark.parametrize("path", ["/docs", "/docs/asyncapi", "/docs/events"])
async def test_doc_pages_load_only_the_services_own_assets(path: str) -> None:
    async with _client("surveys") as client:
        page = await client.get(path)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        csp = page.headers["content-security-policy"]
        assert "http" not in csp  # no other origin
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert all(s.startswith("/") and not s.startswith("//") for s in sources), sources
        for src in sources:
            if src.startswith("/_docs/"):
                asset = await client.get(src)
                assert asset.status_code == 200 and len(asset.content) > 100, src
        assert "<script>" not in page.text  # no inline script (the CSP forbids them)
        assert (await client.get("/_docs/../service.py")).status_code == 404
        assert (await client.get("/_docs/nothing.js")).status_code == 404


async def test_the_events_page_shows_each_event_as_on_the_wire() -> None:
    async with _client("surveys") as client:
        text = (await client.get("/docs/events")).text
    for event_type in ("asn.surveys.survey-submitted.v1", "asn.surveys.service-gap-detected.v1"):
        assert f'id="{event_type}"' in text
    assert "ce_specversion" in text and "ce_type" in text and "content-type" in text
    assert "&quot;answers&quot;" in text or '"answers"' in text


def test_the_vendored_viewers_are_present() -> None:
    assert {"swagger-ui-bundle.js", "asyncapi-react.js"} <= asset_names()
