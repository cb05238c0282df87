"""The platform's refusal: an expected error with a code and a message in both languages.

Kept apart from ``asn_platform.http_errors`` (which turns it into the HTTP error format) so
that handlers and domain code can raise it without importing FastAPI.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An expected refusal (conflict, not found, illegal transition): never a 500."""

    def __init__(
        self,
        status: int,
        code: str,
        message_id: str,
        message_en: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message_en)
        self.status = status
        self.code = code
        self.message_id = message_id
        self.message_en = message_en
        self.details = details or {}
        self.headers = headers  # e.g. Retry-After on 429/503
