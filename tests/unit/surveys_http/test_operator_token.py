"""Operator endpoints need the bearer token when ASN_OPERATOR_TOKEN is set; else they are open."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from starlette.requests import Request

from asn_platform.http_errors import ApiError
from asn_surveys.runtime import Runtime
from asn_surveys.settings import Settings


def _runtime(**settings: Any) -> Runtime:
    ctx = SimpleNamespace(settings=Settings(**settings))
    return Runtime(ctx, None, None, None, None, None)  # type: ignore[arg-type]


def _request(authorization: str | None = None, forwarded: str | None = None) -> Request:
    headers = []
    if authorization is not None:
        headers.append((b"authorization", authorization.encode()))
    if forwarded is not None:
        headers.append((b"x-forwarded-for", forwarded.encode()))
    return Request({"type": "http", "headers": headers, "client": ("192.0.2.7", 5000)})


def test_operator_token_required_only_when_configured() -> None:
    _runtime().require_operator(_request())  # no token configured: open
    guarded = _runtime(operator_token="s3cret")
    guarded.require_operator(_request("Bearer s3cret"))
    for wrong in (None, "Bearer nope", "s3cret", "Bearer s3cret "):
        with pytest.raises(ApiError) as err:
            guarded.require_operator(_request(wrong))
        assert err.value.status == 401 and "token operator" in err.value.message_id


def test_forwarded_for_is_trusted_only_when_configured() -> None:
    request = _request(forwarded="203.0.113.9, 10.0.0.1")
    assert _runtime().client_ip(request) == "192.0.2.7"
    assert _runtime(trust_forwarded_for=True).client_ip(request) == "203.0.113.9"


def test_settings_refuse_a_recovery_threshold_below_the_threshold() -> None:
    with pytest.raises(ValueError, match="gap_recovery_threshold"):
        Settings(gap_threshold=80, gap_recovery_threshold=70)
    assert Settings().gap_kind.value == "Q"
