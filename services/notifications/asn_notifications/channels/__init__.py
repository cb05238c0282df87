"""Ways a message leaves: email over SMTP and a WhatsApp Cloud API shaped HTTP gateway.

Every channel raises ``TemporaryFailure`` (try again later, with backoff) or
``PermanentFailure`` (a bounce, an invalid number: recorded with the reason, not retried)."""

from __future__ import annotations


class DeliveryFailure(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TemporaryFailure(DeliveryFailure):
    pass


class PermanentFailure(DeliveryFailure):
    pass
