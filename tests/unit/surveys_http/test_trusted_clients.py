"""Kiosks (role kiosk) skip the per-IP limit; forwarded-for only when trusted; settings."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.requests import Request

from asn_platform.auth import Principal
from asn_surveys.api.clients import ClientGuard
from asn_surveys.api.ratelimit import RateLimiter
from asn_surveys.settings import Settings


def _runtime(**settings: Any) -> ClientGuard:
    return ClientGuard(Settings(**settings), RateLimiter(0, 1))


def _request(authorization: str | None = None, forwarded: str | None = None) -> Request:
    headers = []
    if authorization is not None:
        headers.append((b"authorization", authorization.encode()))
    if forwarded is not None:
        headers.append((b"x-forwarded-for", forwarded.encode()))
    return Request({"type": "http", "headers": headers, "client": ("192.0.2.7", 5000)})


def test_only_a_kiosk_principal_is_a_trusted_client() -> None:
    runtime = _runtime()
    anonymous = _request("Bearer whatever")
    assert not runtime.is_trusted_client(anonymous)
    for roles, trusted in (({"kiosk"}, True), ({"admin"}, False), (set(), False)):
        request = _request()
        request.state.principal = Principal("client-1", frozenset(roles))
        assert runtime.is_trusted_client(request) is trusted


def test_forwarded_for_is_trusted_only_when_configured() -> None:
    request = _request(forwarded="203.0.113.9, 10.0.0.1")
    assert _runtime().client_ip(request) == "192.0.2.7"
    assert _runtime(trust_forwarded_for=True).client_ip(request) == "203.0.113.9"


def test_settings_refuse_a_recovery_threshold_below_the_threshold() -> None:
    with pytest.raises(ValueError, match="gap_recovery_threshold"):
        Settings(gap_threshold=80, gap_recovery_threshold=70)
    assert Settings().gap_kind.value == "Q"
