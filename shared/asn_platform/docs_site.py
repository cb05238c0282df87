"""Every service documents itself from its own assets: no CDN, so it works on an intranet.

- ``/docs`` Swagger UI for the service's OpenAPI (no ReDoc: its bundle fetches a logo from
  its vendor's CDN that no option turns off);
- ``/asyncapi.json`` the service's AsyncAPI 3.0 document: the channels it publishes and those it
  consumes, each exactly as in the committed platform document (``schemas/asyncapi.json``, made
  by ``python -m asn_platform.contracts.export``), with the real payload schemas;
- ``/docs/asyncapi`` the AsyncAPI viewer for it;
- ``/docs/events`` one example message per event as it appears on the wire (topic, key,
  headers, body).

The viewers' files come from the npm registry with a lock file (``shared/docs_assets``) and are
copied into ``static/docs`` by ``tools/vendor_assets.py``; pages load them and a small init
script from ``/_docs/``, never an inline script (the CSP forbids them).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import HTMLResponse, Response

from asn_platform import access
from asn_platform.auth.access import public
from asn_platform.contracts.registry import EVENTS, EventSpec

_ASSET_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


def _assets() -> Any:
    return resources.files("asn_platform").joinpath("static/docs")


@cache
def asset_names() -> frozenset[str]:
    return frozenset(e.name for e in _assets().iterdir() if e.name.endswith(tuple(_ASSET_TYPES)))


@cache
def committed_asyncapi() -> dict[str, Any]:
    text = resources.files("asn_platform").joinpath("schemas/asyncapi.json").read_text("utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc


def published_by(service: str) -> list[EventSpec]:
    return [s for s in EVENTS.values() if s.producer == service]


def consumed_by(service: str) -> list[EventSpec]:
    """Public event topics the service reads (its Kafka ACLs allow no others)."""
    for entry in access.SERVICE_ACCESS:
        if entry.service == service:
            return [s for s in EVENTS.values() if s.topic in entry.reads]
    return []


def _channel_id(doc: dict[str, Any], topic: str) -> str:
    for channel_id, channel in doc["channels"].items():
        if channel["address"] == topic:
            return str(channel_id)
    raise KeyError(topic)


def _refs(node: Any) -> Iterable[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _needed_schemas(doc: dict[str, Any], messages: dict[str, Any]) -> dict[str, Any]:
    """The component schemas the messages refer to, transitively."""
    schemas = doc["components"]["schemas"]
    prefix = "#/components/schemas/"
    wanted: dict[str, Any] = {}
    todo = [r for r in _refs(messages) if r.startswith(prefix)]
    while todo:
        name = todo.pop().removeprefix(prefix)
        if name in wanted:
            continue
        wanted[name] = schemas[name]
        todo += [r for r in _refs(schemas[name]) if r.startswith(prefix)]
    return wanted


def service_asyncapi(service: str, *, title: str, version: str) -> dict[str, Any]:
    """The AsyncAPI document of one service, cut out of the committed platform document."""
    doc = committed_asyncapi()
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for spec in published_by(service):
        channel_id = _channel_id(doc, spec.topic)
        channels[channel_id] = doc["channels"][channel_id]
        ref = {"$ref": f"#/channels/{channel_id}"}
        operations.update(
            (op_id, op) for op_id, op in doc["operations"].items() if op["channel"] == ref
        )
    for spec in consumed_by(service):  # a service may also read its own topic
        channel_id = _channel_id(doc, spec.topic)
        channels[channel_id] = doc["channels"][channel_id]
        name = spec.model.__name__
        operations["consume" + channel_id[0].upper() + channel_id[1:]] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "summary": f"The {service} service consumes {name}.",
            "messages": [{"$ref": f"#/channels/{channel_id}/messages/{name}"}],
        }
    messages = {
        ref.rsplit("/", 1)[-1]: doc["components"]["messages"][ref.rsplit("/", 1)[-1]]
        for ref in _refs(channels)
        if ref.startswith("#/components/messages/")
    }
    return {
        "asyncapi": doc["asyncapi"],
        "info": {
            "title": f"{title} (Kafka)",
            "version": version,
            "description": (
                f"The events the {service} service publishes and consumes. "
                + doc["info"]["description"]
            ),
        },
        "defaultContentType": doc["defaultContentType"],
        "servers": doc["servers"],
        "channels": channels,
        "operations": operations,
        "components": {
            "schemas": {
                "CloudEventsKafkaHeaders": doc["components"]["schemas"]["CloudEventsKafkaHeaders"],
                **_needed_schemas(doc, messages),
            },
            "messages": messages,
        },
    }


def _page(title: str, body: str, *, css: tuple[str, ...], js: tuple[str, ...], config: Any) -> str:
    links = "".join(f'<link rel="stylesheet" href="/_docs/{c}">' for c in css)
    scripts = "".join(f'<script src="/_docs/{s}"></script>' for s in js)
    data = html.escape(json.dumps(config), quote=False)
    return (
        f'<!doctype html><html lang="id"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title>{links}</head><body>{body}"
        f'<script type="application/json" id="docs-config">{data}</script>{scripts}</body></html>'
    )


def _wire_example(spec: EventSpec, message: dict[str, Any]) -> str:
    example = message["examples"][0]
    payload = example["payload"]
    key = str(payload.get(spec.key_field, ""))
    headers = "".join(
        f"<tr><th scope='row'><code>{html.escape(k)}</code></th><td><code>{html.escape(str(v))}"
        "</code></td></tr>"
        for k, v in example["headers"].items()
    )
    body = html.escape(json.dumps(payload, indent=2, ensure_ascii=False))
    personal = (
        "<p><strong>Data pribadi (NIP)</strong> / personal data: hanya dengan izin / by grant only."
        "</p>"
        if spec.personal_data
        else ""
    )
    return (
        f'<section id="{html.escape(spec.event_type)}"><h2>{html.escape(spec.event_type)}</h2>'
        f"<p>{html.escape(spec.description)}</p>{personal}"
        f"<p>Topik / topic: <code>{html.escape(spec.topic)}</code> · kunci / key "
        f"(<code>{html.escape(spec.key_field)}</code>): <code>{html.escape(key)}</code></p>"
        f"<table><caption>Header Kafka (CloudEvents 1.0, binary mode)</caption>{headers}</table>"
        f"<p>Isi / value (JSON):</p><pre>{body}</pre></section>"
    )


def docs_router(service: str, title: str) -> APIRouter:
    router = APIRouter(tags=["dokumentasi / documentation"])

    @router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    @public
    async def swagger() -> HTMLResponse:
        return HTMLResponse(
            _page(
                f"{title}: API",
                '<div id="swagger-ui"></div>',
                css=("swagger-ui.css",),
                js=("swagger-ui-bundle.js", "swagger-init.js"),
                config={"openapi": "/openapi.json"},
            )
        )

    @router.get("/docs/asyncapi", response_class=HTMLResponse, include_in_schema=False)
    @public
    async def asyncapi_viewer() -> HTMLResponse:
        return HTMLResponse(
            _page(
                f"{title}: events",
                '<div id="asyncapi"></div>',
                css=("asyncapi-react.css",),
                js=("asyncapi-react.js", "asyncapi-init.js"),
                config={"asyncapi": "/asyncapi.json"},
            )
        )

    @router.get("/docs/events", response_class=HTMLResponse, include_in_schema=False)
    @public
    async def events() -> HTMLResponse:
        messages = committed_asyncapi()["components"]["messages"]
        own = published_by(service)
        read = consumed_by(service)
        sections = "".join(_wire_example(s, messages[s.model.__name__]) for s in [*own, *read])
        intro = (
            f"<h1>{html.escape(title)}: peristiwa / events</h1><p>Menerbitkan / publishes: "
            f"{len(own)} · mengonsumsi / consumes: {len(read)}. Setiap contoh persis seperti di "
            "Kafka / each example exactly as on the wire. "
            '<a href="/docs/asyncapi">AsyncAPI viewer</a> · <a href="/asyncapi.json">'
            "asyncapi.json</a></p>"
        )
        return HTMLResponse(_page(f"{title}: events", intro + sections, css=(), js=(), config={}))

    @router.get("/_docs/{name}", include_in_schema=False)
    @public
    async def asset(name: str) -> Response:
        if name not in asset_names():
            raise HTTPException(404, "not found")
        content = _assets().joinpath(name).read_bytes()
        media = _ASSET_TYPES[name[name.rindex(".") :]]
        return Response(
            content, media_type=media, headers={"Cache-Control": "public, max-age=86400"}
        )

    return router
