"""Standard Webhooks 1.0 signatures and secrets (pure: the caller passes the time and bytes).

A secret is ``whsec_`` + base64 of random bytes; the HMAC key is those bytes. The signed content
is ``{webhook-id}.{webhook-timestamp}.{body}``; ``webhook-signature`` holds ``v1,<base64 HMAC>``
entries separated by spaces (one per valid secret, so a receiver holding either the new or the
old secret verifies during a rotation's overlap).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def secret_from(random_bytes: bytes) -> str:
    """The text form of a secret made of ``random_bytes`` (from ``secrets.token_bytes``)."""
    if len(random_bytes) < 24:
        raise ValueError("a webhook secret needs at least 24 random bytes")
    return SECRET_PREFIX + base64.b64encode(random_bytes).decode()


def secret_key(secret: str) -> bytes:
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("a webhook secret starts with whsec_")
    return base64.b64decode(secret[len(SECRET_PREFIX) :])


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1,<signature>`` entry."""
    content = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: one entry per secret, space-separated."""
    if not secrets:
        raise ValueError("at least one secret signs a webhook")
    return " ".join(sign(s, msg_id, timestamp, body) for s in secrets)


def webhook_headers(
    secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(secrets, msg_id, timestamp, body),
    }
