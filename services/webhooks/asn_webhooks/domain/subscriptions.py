"""Rules for a subscription: its endpoint URL, the event types it may receive, its secrets."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from asn_platform.access import AccessRefused, check_partner_grant

MAX_URL_LENGTH = 2000


class InvalidSubscription(ValueError):
    """A registration the rules refuse; ``field`` names the request field at fault."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(problem)
        self.field = field
        self.problem = problem


def is_loopback_host(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint(url: str, *, allow_http_loopback: bool) -> str:
    """The endpoint URL as given, or ``InvalidSubscription`` on ``url``. HTTPS only; plain HTTP
    only to a loopback host and only when the setting allows it (development)."""
    if len(url) > MAX_URL_LENGTH:
        raise InvalidSubscription("url", f"at most {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise InvalidSubscription("url", "not a valid URL") from None
    if not host:
        raise InvalidSubscription("url", "the URL names no host")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise InvalidSubscription("url", "spaces and control characters are not allowed")
    if parts.username or parts.password:
        raise InvalidSubscription("url", "credentials in the URL are not accepted")
    if parts.fragment:
        raise InvalidSubscription("url", "a URL fragment is not sent: remove it")
    if parts.scheme == "https":
        return url
    if parts.scheme == "http":
        if allow_http_loopback and is_loopback_host(host):
            return url
        why = (
            "plain http is accepted only for a loopback host (127.0.0.1, localhost)"
            if allow_http_loopback
            else "the endpoint must use https"
        )
        raise InvalidSubscription("url", why)
    raise InvalidSubscription("url", "the endpoint must use https")


def check_event_types(types: Iterable[str], *, allow_personal: bool) -> list[str]:
    """The same rule as a partner's Kafka grant: published topics only, and the ones carrying a
    person's NIP only with the explicit flag. Returns the types sorted, without duplicates."""
    wanted = sorted(set(types))
    if not wanted:
        raise InvalidSubscription("event_types", "choose at least one event type")
    for event_type in wanted:
        try:
            check_partner_grant(event_type, allow_personal=allow_personal)
        except AccessRefused as err:
            problem = str(err).replace("--allow-personal-data", "allow_personal_data: true")
            raise InvalidSubscription("event_types", problem) from None
    return wanted


@dataclass(frozen=True, slots=True)
class Secrets:
    current: str
    previous: str | None = None
    previous_until: datetime | None = None

    def signing(self, now: datetime) -> list[str]:
        """The secrets that sign a request sent at ``now``: the current one, and the previous
        one while its overlap lasts."""
        if self.previous and self.previous_until and now < self.previous_until:
            return [self.current, self.previous]
        return [self.current]

    def rotated(self, new: str, now: datetime, overlap: timedelta) -> Secrets:
        """After a rotation the old secret still signs for ``overlap`` (0: not at all)."""
        if overlap <= timedelta(0):
            return Secrets(new)
        return Secrets(new, self.current, now + overlap)
