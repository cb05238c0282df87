"""Refusals of the enrollment service, as the shared HTTP error format (Indonesian first).

They subclass ApiError so that the same exception serves the HTTP routes (the runtime's handler
renders it) and the Kafka handlers (which catch it and report instead of failing).
"""

from __future__ import annotations

from typing import Any

from asn_enrollment.domain.session_changes import SessionChangeRefused
from asn_platform.errors import ApiError


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


def asn_inactive() -> Conflict:
    return Conflict(
        "asn_inactive",
        "ASN ini tidak aktif lagi di daftar pegawai",
        "this civil servant is no longer active on the roster",
    )


def session_cancelled() -> Conflict:
    return Conflict("session_cancelled", "sesi ini sudah dibatalkan", "this session is cancelled")


def programme_inactive(code: str) -> Conflict:
    return Conflict(
        "programme_inactive",
        f"program {code} tidak aktif; aktifkan dulu",
        f"programme {code} is inactive; activate it first",
    )


def refused(err: SessionChangeRefused) -> Conflict:
    """A session change its state does not allow (domain.session_changes), as a 409."""
    return Conflict(err.code, err.message_id, err.message_en)
