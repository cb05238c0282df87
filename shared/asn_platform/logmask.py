"""Keep whole NIPs out of logs. A NIP identifies a person (personal data, UU 27/2022), yet
request paths such as /api/v1/asn/{nip} reach uvicorn's access log and error texts.

Contact details (email addresses, phone numbers) are masked too by the loggers of the code that
handles them (``install_contact_masking``): an SMTP bounce quotes the address it refused."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping

_NIP_LIKE = re.compile(r"(?<![0-9])[0-9]{18}(?![0-9])")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")
_PHONE = re.compile(r"(?<![0-9])\+?[0-9][0-9 -]{7,15}[0-9](?![0-9])")


def mask_nip(raw: str) -> str:
    """Keep the first 4 and last 3 characters ("1985***********001"); short input masked whole."""
    value = "".join(raw.split())
    if len(value) < 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 7) + value[-3:]


def mask_nips(text: str) -> str:
    """Mask every 18-digit run in a free text."""
    return _NIP_LIKE.sub(lambda m: mask_nip(m.group(0)), text)


def mask_contacts(text: str) -> str:
    """NIPs, then email addresses ("b***@example.go.id") and phone numbers ("+62*******890")."""
    text = _EMAIL.sub(lambda m: f"{m.group(0)[0]}***@{m.group(1)}", mask_nips(text))

    def phone(m: re.Match[str]) -> str:
        digits = "".join(ch for ch in m.group(0) if ch.isdigit())
        if "*" in m.group(0) or len(digits) < 9:
            return m.group(0)
        return (
            ("+" if m.group(0).startswith("+") else "")
            + digits[:2]
            + "*" * (len(digits) - 5)
            + digits[-3:]
        )

    return _PHONE.sub(phone, text)


def _mask_record(record: logging.LogRecord, mask: Callable[[str], str]) -> None:
    """Mask the format string and each string argument, keeping the arguments' shape: a
    formatter that reads them (uvicorn's access formatter unpacks five) still works."""
    message = record.getMessage()
    if mask(message) == message:
        return
    if isinstance(record.msg, str):
        record.msg = mask(record.msg)
    args = record.args
    if isinstance(args, tuple):
        record.args = tuple(mask(a) if isinstance(a, str) else a for a in args)
    elif isinstance(args, Mapping):
        record.args = {k: mask(v) if isinstance(v, str) else v for k, v in args.items()}
    if mask(record.getMessage()) != record.getMessage():
        # a NIP made of several arguments, or hidden in a non-string one: give up the shape
        record.msg, record.args = mask(record.getMessage()), None


class ContactMaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        _mask_record(record, mask_contacts)
        return True


def install_contact_masking(logger_names: tuple[str, ...]) -> None:
    """Mask NIPs and contact details in these loggers (idempotent)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, ContactMaskingFilter) for f in logger.filters):
            logger.addFilter(ContactMaskingFilter())


class NipMaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        _mask_record(record, mask_nips)
        return True


# Loggers whose messages quote request paths or handler errors (which may name a NIP). A logger's
# filter never sees its children's records, so each is named. Processes started by run_service
# also mask at the handler (logs.configure_logging), which covers every logger.
MASKED_LOGGERS = (
    "uvicorn.access",
    "uvicorn.error",
    "asn_platform.inbox",
    "asn_platform.outbox",
    "asn_platform.rpc",
    "asn_platform.dlq",
)


def install(logger_names: tuple[str, ...] = MASKED_LOGGERS) -> None:
    """Idempotent: a second service start in one process adds no second filter."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(f, NipMaskingFilter) for f in logger.filters):
            logger.addFilter(NipMaskingFilter())
