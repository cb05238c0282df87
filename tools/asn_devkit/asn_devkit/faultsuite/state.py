"""The end state: read from the services' databases and normalised (generated ids mapped to
natural keys; timestamps and event ids dropped), so that two runs can be compared."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from asn_devkit.faultsuite.db import retrying
from asn_devkit.faultsuite.faults import Harness

_KEEP_AT = {"starts_at", "ends_at"}
_DROP = {"event_id", "trigger_event_id", "response_id", "waitlist_position", "audit_id", "at"}
# table -> the columns naming an effect (after ids are mapped); the rest are its values.
TABLES: dict[str, dict[str, tuple[str, ...]]] = {
    "surveys": {
        "units": ("unit_id",),
        "responses": ("unit_id", "client_ref"),
        "ikm_buckets": ("unit_id", "period_key", "service"),
        "gap_state": ("unit_id", "period_key", "element"),
    },
    "enrollment": {
        "civil_servants": ("nip",),
        "sessions": ("scheduled_programme_id", "session_ref"),
        "enrollments": ("id",),
        "enrollment_history": ("enrollment_id", "from_status", "to_status"),
        "jp_entries": ("enrollment_id",),
        "scheduled_programmes": ("scheduled_programme_id",),
    },
    "recommendations": {
        "rm_profiles": ("nip",),
        "rm_gaps": ("gap_key",),
        "rm_element_counts": ("unit_id", "element", "period"),
        "rm_completions": ("enrollment_id",),
        "rm_enrollments": ("enrollment_id",),
        "rm_non_attendance": ("enrollment_id", "status"),
        "rm_bookings": ("scheduled_programme_id", "session_ref", "nip"),
        "gap_decisions": ("gap_key",),
        "scheduled_programmes": ("scheduled_programme_id",),
        "scheduled_sessions": ("scheduled_programme_id", "session_ref"),
        "nudges": ("nip", "programme_code", "attempt"),
        "nudge_escalations": ("nip", "programme_code", "reminders_sent"),
        "pending_nudges": ("nip", "programme_code"),
        "issued_recommendations": ("nip", "cause"),
    },
}

Rows = dict[str, list[dict[str, Any]]]  # "service.table" -> normalised rows


async def read_state(h: Harness) -> Rows:
    async def ids(conn: asyncpg.Connection) -> dict[str, str]:
        out = {}
        for r in await conn.fetch("SELECT id, scheduled_programme_id, session_ref, "
                                  "programme_code, starts_at FROM sessions"):  # fmt: skip
            out[str(r["id"])] = (
                f"session:{r['scheduled_programme_id']}/{r['session_ref']}"
                if (r["scheduled_programme_id"])
                else f"session:{r['programme_code']}@{r['starts_at']}"
            )
        for r in await conn.fetch("SELECT id, session_id, nip FROM enrollments"):
            out[str(r["id"])] = f"enrollment:{r['nip']}@{out[str(r['session_id'])]}"
        return out

    mapping = await retrying(h.db_url("enrollment"), ids)
    state: Rows = {}
    for service, tables in TABLES.items():

        async def fetch(conn: asyncpg.Connection, tables: Any = tables) -> dict[str, list[str]]:
            return {
                t: [r[0] for r in await conn.fetch(f"SELECT to_jsonb(x)::text FROM {t} x")]
                for t in tables
            }

        raw = await retrying(h.db_url(service), fetch)
        for table, rows in raw.items():
            state[f"{service}.{table}"] = [_normalise(json.loads(r), mapping) for r in rows]
    return state


def _normalise(row: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    out = {}
    for k, v in row.items():
        if k in _DROP or (k.endswith("_at") and k not in _KEEP_AT):
            continue
        if k == "id" and not isinstance(v, str):
            continue  # bigserial
        out[k] = _map(v, mapping)
    return out


def _map(v: Any, mapping: dict[str, str]) -> Any:
    if isinstance(v, str):
        return mapping.get(v, v)
    if isinstance(v, list):
        return [_map(x, mapping) for x in v]
    if isinstance(v, dict):
        return {k: _map(x, mapping) for k, x in v.items()}
    return v
