"""The committed JSON Schema / AsyncAPI files are current, and compatible with the published ones."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from asn_platform import topics
from asn_platform.contracts import EVENTS
from asn_platform.contracts.compat import breaking_changes
from asn_platform.contracts.export import (
    SCHEMA_DIR,
    asyncapi_document,
    compatibility_problems,
    event_schema,
    stale_files,
)


def test_committed_schema_files_are_current():
    stale = stale_files()
    assert not stale, (
        f"generated contract files are stale: {stale}; "
        "run `python -m asn_platform.contracts.export` and commit the result"
    )


def test_current_contracts_are_compatible_with_the_published_ones():
    published = sorted(p.name for p in (SCHEMA_DIR / "published").glob("*.schema.json"))
    assert published == sorted(f"{t}.schema.json" for t in EVENTS)
    problems = compatibility_problems()
    assert not problems, problems


def _schema(event_type: str) -> dict[str, Any]:
    return copy.deepcopy(event_schema(EVENTS[event_type]))


SURVEY = topics.SURVEY_SUBMITTED


def test_adding_an_optional_field_or_rewording_is_compatible():
    new = _schema(SURVEY)
    new["properties"]["kiosk_id"] = {"type": "string", "description": "new, optional"}
    new["properties"]["unit_id"]["description"] = "reworded"
    new["$defs"]["RespondentProfile"]["properties"]["disability"] = {"type": "boolean"}
    assert breaking_changes(_schema(SURVEY), new) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s["properties"].pop("service"), "$.service: field removed"),
        (lambda s: s["properties"]["service"].update(type="integer"), "$.service/type: changed"),
        (lambda s: s["properties"]["service"].update(maxLength=50), "$.service/maxLength: changed"),
        (
            lambda s: (
                s["properties"].update(kiosk={"type": "string"}),
                s["required"].append("kiosk"),
            ),
            "$.kiosk: new field is required",
        ),
        (lambda s: s["required"].remove("service"), "$.service: no longer required"),
        (lambda s: s["$defs"]["Sex"]["enum"].append("X"), "$.respondent.sex/enum: changed"),
        (
            lambda s: s["$defs"]["RespondentProfile"]["properties"].pop("age_band"),
            "$.respondent.age_band: field removed",
        ),
    ],
)
def test_breaking_changes_are_caught(change, expected):
    new = _schema(SURVEY)
    change(new)
    found = breaking_changes(_schema(SURVEY), new)
    assert any(p.startswith(expected) for p in found), found


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def _lookup(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def test_asyncapi_document_is_complete_and_its_refs_resolve():
    doc = json.loads((SCHEMA_DIR / "asyncapi.json").read_text("utf-8"))
    assert doc == asyncapi_document()
    assert doc["asyncapi"] == "3.0.0"
    assert {"title", "version", "description"} <= set(doc["info"])
    addresses = {c["address"]: c for c in doc["channels"].values()}
    assert set(addresses) == {s.topic for s in EVENTS.values()}
    partitions = {t.name: t.partitions for t in topics.TOPICS}
    for topic, channel in addresses.items():
        assert channel["bindings"]["kafka"]["partitions"] == partitions[topic]
    for ref in _refs(doc):
        assert _lookup(doc, ref) is not None, ref
    actions = {op["action"] for op in doc["operations"].values()}
    assert actions == {"send", "receive"}
    roster = addresses[topics.ASN_PROFILE_CHANGED]["bindings"]["kafka"]["topicConfiguration"]
    assert roster["cleanup.policy"] == ["compact"]
    for name, message in doc["components"]["messages"].items():
        assert message["examples"], name
        headers = _lookup(doc, message["headers"]["$ref"])
        for example in message["examples"]:
            assert set(headers["required"]) <= set(example["headers"])
