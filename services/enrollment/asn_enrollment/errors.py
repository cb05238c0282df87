"""Refusals of the enrollment service, as the shared HTTP error format (Indonesian first).

They subclass ApiError so that the same exception serves the HTTP routes (the runtime's handler
renders it) and the Kafka handlers (which catch it and report instead of failing).
"""

from __future__ import annotations

from typing import Any

from asn_platform.http_errors import ApiError


class NotFound(ApiError):
    def __init__(self, what_id: str, what_en: str, **details: Any) -> None:
        super().__init__(
            404, "not_found", f"{what_id} tidak ditemukan", f"{what_en} not found", details
        )


class Conflict(ApiError):
    def __init__(self, code: str, message_id: str, message_en: str, **details: Any) -> None:
        super().__init__(409, code, message_id, message_en, details)


class FieldInvalid(ApiError):
    """A 422 in the shared field-level format, for checks that run after request parsing."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(
            422,
            "validation_failed",
            "Data tidak valid",
            "Invalid data",
            {"fields": [{"field": field, "problem": problem}]},
        )


def asn_not_found() -> NotFound:
    return NotFound("ASN dengan NIP tersebut", "civil servant with that NIP")


def programme_not_found(code: str) -> NotFound:
    return NotFound(f"Program {code}", f"programme {code}")


def session_not_found() -> NotFound:
    return NotFound("Sesi", "session")


def enrollment_not_found() -> NotFound:
    return NotFound("Pendaftaran", "enrollment")
