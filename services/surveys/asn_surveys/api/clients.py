"""Who is sending: the client's address, whether it is a registered kiosk, and its rate limit."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from asn_platform.auth import Role, principal_of
from asn_surveys.api.ratelimit import RateLimiter
from asn_surveys.settings import Settings


@dataclass(frozen=True, slots=True)
class ClientGuard:
    settings: Settings
    limiter: RateLimiter

    @classmethod
    def of(cls, settings: Settings) -> ClientGuard:
        limiter = RateLimiter(
            settings.rate_limit_per_minute,
            settings.rate_limit_burst,
            max_clients=settings.rate_limit_max_clients,
        )
        return cls(settings, limiter)

    def client_ip(self, request: Request) -> str:
        if self.settings.trust_forwarded_for:
            forwarded = request.headers.get("x-forwarded-for", "")
            first = forwarded.split(",")[0].strip()
            if first:
                return first
        return request.client.host if request.client else "unknown"

    def rate_wait(self, request: Request) -> float:
        """0.0 if the client may submit now, else the seconds to wait.

        Registered kiosks and partner systems send many answers from one address (a kiosk
        serves a whole queue), so a request with a kiosk token is not limited.
        """
        if self.is_trusted_client(request):
            return 0.0
        return self.limiter.acquire(self.client_ip(request))

    def is_trusted_client(self, request: Request) -> bool:
        """A registered kiosk or partner system: its access token carries the kiosk role
        (client credentials; the guard verified it before the route ran)."""
        principal = principal_of(request)
        return principal is not None and principal.has(Role.KIOSK)

    def retry_after(self, wait_s: float) -> str:
        return self.limiter.retry_after_header(wait_s)
