"""Dead letters for admins, across the services that consume events: each service lists and
re-drives its own (asn_platform.dead_letters_http); the console puts the lists side by side."""

from __future__ import annotations

from typing import Any

from asn_console.clients import Attempt, ServiceError, UserApi

# The services with consumers (and so with dead letters), in the order the list shows them.
DLQ_SERVICES = ("surveys", "enrollment", "recommendations", "notifications", "webhooks")


def letter_path(dlq_topic: str, partition: int, offset: int) -> str:
    return f"/api/v1/dead-letters/{dlq_topic}/{partition}/{offset}"


async def _listed(api: UserApi, service: str, lang: str) -> dict[str, Any]:
    try:
        body = await api.get(service, "/api/v1/dead-letters", limit=200)
    except ServiceError as err:
        return {"service": service, "items": [], "error": err.message(lang)}
    return {"service": service, "items": body.get("items", []), "error": None}


async def dead_letters_view(api: UserApi, lang: str) -> dict[str, Any]:
    per_service = await api.gather(*(_listed(api, s, lang) for s in DLQ_SERVICES))
    letters = [
        {**item, "service": part["service"]} for part in per_service for item in part["items"]
    ]
    letters.sort(key=lambda d: d.get("failed_at") or "", reverse=True)
    return {
        "letters": letters,
        "unreachable": [(p["service"], p["error"]) for p in per_service if p["error"]],
    }


async def dead_letter_view(
    api: UserApi, service: str, dlq_topic: str, partition: int, offset: int
) -> dict[str, Any]:
    letter = await api.get(service, letter_path(dlq_topic, partition, offset))
    return {"service": service, "d": letter}


async def redrive(
    api: UserApi, service: str, dlq_topic: str, partition: int, offset: int
) -> Attempt:
    return await api.attempt(
        service, "POST", letter_path(dlq_topic, partition, offset) + "/redrive", {}
    )
