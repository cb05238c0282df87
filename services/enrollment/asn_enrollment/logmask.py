"""Keep whole NIPs out of the logs: the access log prints request paths such as
/api/v1/asn/{nip}, and a NIP is personal data (UU 27/2022)."""

from __future__ import annotations

import logging
import re

from asn_enrollment.domain.nip import mask_nip

_NIP_LIKE = re.compile(r"(?<![0-9])[0-9]{18}(?![0-9])")


def mask_nips(text: str) -> str:
    return _NIP_LIKE.sub(lambda m: mask_nip(m.group(0)), text)


class NipMaskingFilter(logging.Filter):
    """Rewrites a record's message with every 18-digit run masked (first 4 and last 3 kept)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_nips(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def install(logger_names: tuple[str, ...] = ("uvicorn.access", "uvicorn.error")) -> None:
    """Idempotent: a second service start in one process adds no second filter."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, NipMaskingFilter) for f in logger.filters):
            logger.addFilter(NipMaskingFilter())
