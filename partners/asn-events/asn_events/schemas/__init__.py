"""The published JSON Schemas (draft 2020-12) of the platform's events, one file per event type.

They are copies of the platform's committed contracts; a test of the platform keeps them equal.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

_SUFFIX = ".schema.json"


@cache
def event_types() -> tuple[str, ...]:
    folder = resources.files(__name__)
    return tuple(
        sorted(e.name.removesuffix(_SUFFIX) for e in folder.iterdir() if e.name.endswith(_SUFFIX))
    )


@cache
def schema_for(event_type: str) -> dict[str, Any]:
    """The JSON Schema of ``event_type`` (e.g. ``asn.surveys.survey-submitted.v1``)."""
    if event_type not in event_types():
        raise KeyError(f"unknown event type {event_type!r}; known: {', '.join(event_types())}")
    text = resources.files(__name__).joinpath(event_type + _SUFFIX).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
