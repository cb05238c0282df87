"""Generate the committed JSON Schema and AsyncAPI 3.0 files from the contract models.

    python -m asn_platform.contracts.export            # (re)write asn_platform/schemas/
    python -m asn_platform.contracts.export --check    # exit 1 if the committed copy is stale
    python -m asn_platform.contracts.export --publish  # also record the published baseline

Files (under ``shared/asn_platform/schemas``):

- ``events/<event type>.schema.json``: JSON Schema (2020-12) of each event's payload.
- ``rpc/<exchange>.<question|answer>.schema.json``: JSON Schema of each request/reply model
  (``asn_platform.contracts.rpc``).
- ``asyncapi.json``: AsyncAPI 3.0 document of every topic: address, partitions, key, CloudEvents
  headers, payload, examples; ``send`` for the platform's events, ``receive`` for the intake.
- ``published/<event type>.schema.json``: the schemas as last released to other agencies.
  Every current schema must stay compatible with its published one
  (``asn_platform.contracts.compat``); ``--publish`` refuses a breaking change.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic.json_schema import models_json_schema

from asn_platform import topics
from asn_platform.contracts.compat import breaking_changes
from asn_platform.contracts.registry import EVENTS, EventSpec
from asn_platform.contracts.rpc import RPC_SCHEMAS

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
# The partners' subscriber kit ships a copy of the event schemas (in a source checkout).
KIT_SCHEMA_DIR = Path(__file__).resolve().parents[3] / "partners/asn-events/asn_events/schemas"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
ASYNCAPI_VERSION = "1.0.0"
KAFKA_BINDING = "0.5.0"


def _dump(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def event_schema(spec: EventSpec) -> dict[str, Any]:
    schema = spec.model.model_json_schema(mode="validation")
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": f"urn:asn-platform:event:{spec.event_type}",
        "x-event-type": spec.event_type,
        "x-topic": spec.topic,
        "x-partition-key": spec.key_field,
        "x-producer": spec.producer,
        "x-personal-data": spec.personal_data,
        **schema,
    }


def rpc_schema(name: str) -> dict[str, Any]:
    """JSON Schema of one request/reply model (a BaseModel or a TypeAdapter of a union)."""
    model = RPC_SCHEMAS[name]
    schema = (
        model.json_schema(mode="validation")
        if hasattr(model, "json_schema")
        else model.model_json_schema(mode="validation")
    )
    return {"$schema": JSON_SCHEMA_DIALECT, "$id": f"urn:asn-platform:rpc:{name}", **schema}


def cloudevents_headers() -> dict[str, Any]:
    text = {"type": "string"}
    return {
        "type": "object",
        "title": "CloudEvents 1.0 Kafka binary-mode headers",
        "required": ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "content-type"],
        "properties": {
            "ce_specversion": {**text, "const": "1.0"},
            "ce_id": {**text, "format": "uuid", "description": "Unique per event; dedup key."},
            "ce_source": {**text, "description": "Producer, e.g. /tangsel/surveys."},
            "ce_type": {**text, "description": "Event type, equal to the topic name."},
            "ce_time": {**text, "format": "date-time", "description": "RFC 3339, UTC."},
            "ce_subject": {**text, "description": "What the event is about, e.g. units/<id>."},
            "content-type": {**text, "const": "application/json"},
        },
    }


def _camel(name: str) -> str:
    parts = name.replace(".", "-").split("-")
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def asyncapi_document() -> dict[str, Any]:
    specs = list(EVENTS.values())
    _, defs = models_json_schema(
        [(s.model, "validation") for s in specs], ref_template="#/components/schemas/{model}"
    )
    schemas: dict[str, Any] = {"CloudEventsKafkaHeaders": cloudevents_headers()}
    schemas.update(defs.get("$defs", {}))
    partitions = {t.name: t.partitions for t in topics.TOPICS}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for spec in specs:
        name = spec.model.__name__
        channel_id = _camel(spec.topic.removeprefix("asn."))
        examples = spec.model.model_json_schema().get("examples", [])
        messages[name] = {
            "name": name,
            "title": name,
            "summary": spec.description,
            "contentType": "application/json",
            "headers": {"$ref": "#/components/schemas/CloudEventsKafkaHeaders"},
            "payload": {"$ref": f"#/components/schemas/{name}"},
            "bindings": {
                "kafka": {
                    "key": {
                        "type": "string",
                        "description": f"The event's {spec.key_field} (partition key).",
                    },
                    "bindingVersion": KAFKA_BINDING,
                }
            },
            "examples": [
                {
                    "headers": {
                        "ce_specversion": "1.0",
                        "ce_id": "3f8a2c4e-1b7d-4e59-a0c6-9d2e7f1a5b34",
                        "ce_source": f"/tangsel/{spec.producer}",
                        "ce_type": spec.event_type,
                        "ce_time": "2026-09-30T10:00:00Z",
                        "ce_subject": spec.model.model_validate(example).subject(),
                        "content-type": "application/json",
                    },
                    "payload": example,
                }
                for example in examples
            ],
            "x-personal-data": spec.personal_data,
        }
        channels[channel_id] = {
            "address": spec.topic,
            "title": spec.topic,
            "description": (
                f"{spec.description} Key: {spec.key_field}. Producer: {spec.producer}."
                + (" Names a person (NIP): partner access by ACL." if spec.personal_data else "")
                + (" Log-compacted: the latest event per key is the state." if spec.compact else "")
            ),
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
            "bindings": {
                "kafka": {
                    "topic": spec.topic,
                    "partitions": partitions.get(spec.topic, 1),
                    "topicConfiguration": {
                        "cleanup.policy": ["compact"] if spec.compact else ["delete"]
                    },
                    "bindingVersion": KAFKA_BINDING,
                }
            },
        }
        external = spec.producer == "external"
        operations[
            ("receive" if external else "publish") + channel_id[0].upper() + channel_id[1:]
        ] = {
            "action": "receive" if external else "send",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "summary": (
                f"Kiosks and partner systems send {name}; the surveys service consumes it."
                if external
                else f"The {spec.producer} service publishes {name}."
            ),
            "messages": [{"$ref": f"#/channels/{channel_id}/messages/{name}"}],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "ASN development platform: events",
            "version": ASYNCAPI_VERSION,
            "description": (
                "Public event contracts of the ASN (civil servant) development platform of Kota "
                "Tangerang Selatan. CloudEvents 1.0 in Kafka binary mode; one topic per event type "
                "and major version; the Kafka key is the partition key. Adding optional fields is "
                "the only change within a version. Generated by "
                "`python -m asn_platform.contracts.export`; do not edit by hand."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "kafka": {
                "host": "kafka:9092",
                "protocol": "kafka",
                "description": "The platform's Kafka cluster (docker compose service 'kafka').",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    }


def render() -> dict[str, str]:
    """Every generated file, by path relative to the schema folder."""
    files = {
        f"events/{spec.event_type}.schema.json": _dump(event_schema(spec))
        for spec in EVENTS.values()
    }
    files.update({f"rpc/{name}.schema.json": _dump(rpc_schema(name)) for name in RPC_SCHEMAS})
    files["asyncapi.json"] = _dump(asyncapi_document())
    return files


def stale_files(root: Path = SCHEMA_DIR) -> list[str]:
    """Generated files whose committed copy differs or is missing (and unexpected extras)."""
    expected = render()
    stale = [rel for rel, text in expected.items() if _read(root / rel) != text]
    for folder in ("events", "rpc"):
        if (root / folder).is_dir():
            for path in (root / folder).glob("*.json"):
                rel = f"{folder}/{path.name}"
                if rel not in expected:
                    stale.append(rel)
    return sorted(stale)


def compatibility_problems(root: Path = SCHEMA_DIR) -> dict[str, list[str]]:
    """Breaking changes of the current schemas against the published baseline, per event type."""
    problems: dict[str, list[str]] = {}
    published = root / "published"
    if not published.is_dir():
        return problems
    for path in sorted(published.glob("*.schema.json")):
        event_type = path.name.removesuffix(".schema.json")
        old = json.loads(path.read_text("utf-8"))
        if event_type not in EVENTS:
            problems[event_type] = ["event type removed (a published contract must stay)"]
            continue
        found = breaking_changes(old, event_schema(EVENTS[event_type]))
        if found:
            problems[event_type] = found
    return problems


def _read(path: Path) -> str | None:
    try:
        return path.read_text("utf-8")
    except FileNotFoundError:
        return None


def write(root: Path = SCHEMA_DIR) -> list[str]:
    changed = []
    for rel, text in render().items():
        path = root / rel
        if _read(path) != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, "utf-8")
            changed.append(rel)
    for rel in stale_files(root):
        if rel.startswith(("events/", "rpc/")) and (root / rel).exists() and rel not in render():
            (root / rel).unlink()
            changed.append(f"{rel} (removed)")
    if root == SCHEMA_DIR and KIT_SCHEMA_DIR.is_dir():
        changed += _mirror_to_kit()
    return changed


def _mirror_to_kit() -> list[str]:
    changed = []
    wanted = {
        f"{spec.event_type}.schema.json": _dump(event_schema(spec)) for spec in EVENTS.values()
    }
    for name, text in wanted.items():
        if _read(KIT_SCHEMA_DIR / name) != text:
            (KIT_SCHEMA_DIR / name).write_text(text, "utf-8")
            changed.append(f"partners kit: {name}")
    for path in KIT_SCHEMA_DIR.glob("*.schema.json"):
        if path.name not in wanted:
            path.unlink()
            changed.append(f"partners kit: {path.name} (removed)")
    return changed


def publish(root: Path = SCHEMA_DIR) -> list[str]:
    problems = compatibility_problems(root)
    if problems:
        raise ValueError(_describe(problems))
    out = []
    for spec in EVENTS.values():
        path = root / "published" / f"{spec.event_type}.schema.json"
        text = _dump(event_schema(spec))
        if _read(path) != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, "utf-8")
            out.append(f"published/{path.name}")
    return out


def _describe(problems: dict[str, list[str]]) -> str:
    lines = ["breaking changes against the published contracts (make a new version instead):"]
    for event_type, found in problems.items():
        lines += [f"  {event_type}: {p}" for p in found]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m asn_platform.contracts.export")
    parser.add_argument("--check", action="store_true", help="fail if the files are stale")
    parser.add_argument("--publish", action="store_true", help="record the published baseline")
    parser.add_argument("--root", type=Path, default=SCHEMA_DIR)
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files(args.root)
        problems = compatibility_problems(args.root)
        if stale:
            print("stale generated contract files (run python -m asn_platform.contracts.export):")
            print("\n".join(f"  {rel}" for rel in stale))
        if problems:
            print(_describe(problems))
        return 1 if stale or problems else 0
    changed = write(args.root)
    print("\n".join(f"wrote {rel}" for rel in changed) or "contract files up to date")
    if args.publish:
        try:
            published = publish(args.root)
        except ValueError as err:
            print(err, file=sys.stderr)
            return 1
        print("\n".join(f"wrote {rel}" for rel in published) or "published baseline up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
