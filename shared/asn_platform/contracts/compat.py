"""Compatibility of two JSON Schemas of one event: is the new one a safe successor of the old?

The rule of the public contracts: within a major version (one topic) the only allowed change is
adding an *optional* field (readers ignore unknown fields, so old consumers read new events,
and new consumers read old events because the field is optional). Removing a field, retyping it,
changing its constraints, enum values, default or required-ness is a breaking change: it needs a
new event type and topic (``...v2``). Descriptions, titles and examples may change freely.
"""

from __future__ import annotations

from typing import Any

_FREE = frozenset({"description", "title", "examples", "$comment", "$id", "$schema"})
_FREE_PREFIX = "x-"


def _resolve(node: Any, defs: dict[str, Any]) -> Any:
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name not in defs:
            raise KeyError(f"unresolvable $ref {node['$ref']!r}")
        rest = {k: v for k, v in node.items() if k != "$ref"}
        node = {**defs[name], **rest}
        seen += 1
        if seen > 50:
            raise ValueError("recursive $ref")
    return node


def _defs(schema: dict[str, Any]) -> dict[str, Any]:
    return dict(schema.get("$defs", {}))


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Human-readable list of breaking differences; empty when ``new`` is compatible."""
    problems: list[str] = []
    _diff(old, new, "$", problems, _defs(old), _defs(new))
    return problems


def _diff(
    old: Any,
    new: Any,
    path: str,
    problems: list[str],
    old_defs: dict[str, Any],
    new_defs: dict[str, Any],
) -> None:
    old = _resolve(old, old_defs)
    new = _resolve(new, new_defs)
    if isinstance(old, dict) and isinstance(new, dict):
        _diff_objects(old, new, path, problems, old_defs, new_defs)
    elif isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            problems.append(f"{path}: changed from {old!r} to {new!r}")
            return
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            _diff(a, b, f"{path}[{i}]", problems, old_defs, new_defs)
    elif old != new:
        problems.append(f"{path}: changed from {old!r} to {new!r}")


def _diff_objects(
    old: dict[str, Any],
    new: dict[str, Any],
    path: str,
    problems: list[str],
    old_defs: dict[str, Any],
    new_defs: dict[str, Any],
) -> None:
    keys = {k for k in set(old) | set(new) if k not in _FREE and not k.startswith(_FREE_PREFIX)}
    keys.discard("$defs")
    for key in sorted(keys):
        if key == "properties":
            _diff_properties(old, new, path, problems, old_defs, new_defs)
        elif key == "required":
            old_req = set(old.get("required", []))
            new_req = set(new.get("required", [])) & set(old.get("properties", {}))
            problems += [f"{path}.{name}: no longer required" for name in sorted(old_req - new_req)]
            problems += [f"{path}.{name}: became required" for name in sorted(new_req - old_req)]
        elif key not in old:
            problems.append(f"{path}: '{key}' added ({new[key]!r})")
        elif key not in new:
            problems.append(f"{path}: '{key}' removed (was {old[key]!r})")
        else:
            _diff(old[key], new[key], f"{path}/{key}", problems, old_defs, new_defs)


def _diff_properties(
    old: dict[str, Any],
    new: dict[str, Any],
    path: str,
    problems: list[str],
    old_defs: dict[str, Any],
    new_defs: dict[str, Any],
) -> None:
    old_props: dict[str, Any] = old.get("properties", {})
    new_props: dict[str, Any] = new.get("properties", {})
    for name, schema in old_props.items():
        if name not in new_props:
            problems.append(f"{path}.{name}: field removed")
        else:
            _diff(schema, new_props[name], f"{path}.{name}", problems, old_defs, new_defs)
    for name in new_props:
        if name not in old_props and name in new.get("required", []):
            problems.append(f"{path}.{name}: new field is required (must be optional)")
