"""Ids derived from what caused them, and the texts' length limit.

The same decision always carries the same id (uuid5 of its cause), so a repeated delivery
produces the same CloudEvents id and receivers' inboxes recognise the repeat."""

from __future__ import annotations

from uuid import UUID, uuid5

# Namespace of the ids this service derives (scheduled programmes, event ids).
ID_NAMESPACE = UUID("5b8f0c2e-7a41-4f3e-9d65-1c0e6a2b9f17")
MAX_TEXT = 2000  # contracts' Explanation limit


def derived_id(*parts: object) -> UUID:
    return uuid5(ID_NAMESPACE, ":".join(str(p) for p in parts))


def scheduled_programme_id(gap_key: str) -> str:
    """Stable per gap: the same decision gets the same id on any instance."""
    return f"sp-{derived_id('scheduled-programme', gap_key)}"


def clip(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
