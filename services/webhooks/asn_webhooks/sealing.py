"""Signing secrets at rest: sealed with Fernet (AES-128-CBC + HMAC-SHA256, `cryptography`)
under the keys of ASN_WEBHOOKS_SECRET_KEYS. The first key seals, every key opens, so an
operator rotates by putting a new key first: at start the service re-seals every stored secret
with it (handlers.subscriptions.seal_stored_secrets), after which the old key can be dropped.

Not in domain/: a Fernet token carries the time it was made and random bytes."""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

KEYS_VARIABLE = "ASN_WEBHOOKS_SECRET_KEYS"


class SecretKeysMissing(RuntimeError):
    def __init__(self) -> None:
        super().__init__(
            f"{KEYS_VARIABLE} is not set: the webhook signing secrets are stored encrypted with"
            " it (one or more Fernet keys, comma-separated; the first encrypts)"
        )


class SealedWithUnknownKey(RuntimeError):
    """A stored secret none of the configured keys opens (a key was dropped too early)."""

    def __init__(self) -> None:
        super().__init__(f"a stored signing secret opens with none of the keys in {KEYS_VARIABLE}")


def split_keys(value: str) -> list[str]:
    """The keys in the setting's value, in order (commas or whitespace between them)."""
    return [k for k in value.replace(",", " ").split() if k]


def check_key(key: str) -> None:
    """ValueError unless ``key`` is a Fernet key (32 url-safe base64-encoded bytes)."""
    Fernet(key)


def new_key() -> str:
    return Fernet.generate_key().decode()


class SecretBox:
    """Seals and opens signing secrets; built without keys it refuses every use (the service
    refuses to start first: see bootstrap)."""

    def __init__(self, keys: Sequence[str]) -> None:
        fernets = [Fernet(k) for k in keys]
        self._primary = fernets[0] if fernets else None
        self._all = MultiFernet(fernets) if fernets else None

    @property
    def ready(self) -> bool:
        return self._all is not None

    def _keys(self) -> tuple[Fernet, MultiFernet]:
        if self._primary is None or self._all is None:
            raise SecretKeysMissing
        return self._primary, self._all

    def seal(self, secret: str) -> str:
        primary, _ = self._keys()
        return primary.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        _, every = self._keys()
        try:
            return every.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise SealedWithUnknownKey from None

    def open_optional(self, sealed: str | None) -> str | None:
        return None if sealed is None else self.open(sealed)

    def current(self, sealed: str) -> str:
        """``sealed`` re-sealed with the first key, or as it is when the first key made it."""
        primary, every = self._keys()
        try:
            primary.decrypt(sealed.encode())
            return sealed
        except InvalidToken:
            pass
        try:
            return every.rotate(sealed.encode()).decode()
        except InvalidToken:
            raise SealedWithUnknownKey from None
