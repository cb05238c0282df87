"""The webhooks domain: signatures as the receivers' library checks them, endpoint and
event-type rules, secret rotation, retry schedule, the CloudEvent body."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from asn_platform import topics
from asn_webhooks.domain.cloudevent import CONTENT_TYPE, CloudEvent, verification_event
from asn_webhooks.domain.retry import Next, RetryPolicy
from asn_webhooks.domain.signing import secret_from, sign, webhook_headers
from asn_webhooks.domain.subscriptions import (
    InvalidSubscription,
    Secrets,
    check_endpoint,
    check_event_types,
)

NOW = datetime(2026, 8, 14, 3, 0, tzinfo=UTC)


def new_secret() -> str:
    return secret_from(os.urandom(32))


def test_standardwebhooks_verifies_our_signature_and_refuses_another_secret():
    secret = new_secret()
    body = b'{"specversion":"1.0","id":"e-1"}'
    headers = webhook_headers([secret], "e-1", int(time.time()), body)
    assert Webhook(secret).verify(body, headers) == json.loads(body)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body + b" ", headers)  # the body is covered


def test_both_secrets_sign_during_an_overlap_and_either_verifies():
    old, new = new_secret(), new_secret()
    rotated = Secrets(old).rotated(new, NOW, timedelta(hours=1))
    signing = rotated.signing(NOW + timedelta(minutes=59))
    assert signing == [new, old]
    body = b"{}"
    headers = webhook_headers(signing, "e-2", int(time.time()), body)
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        Webhook(secret).verify(body, headers)
    assert rotated.signing(NOW + timedelta(hours=1)) == [new]  # overlap over: the new one only
    assert Secrets(old).rotated(new, NOW, timedelta(0)).signing(NOW) == [new]


def test_signature_is_the_standard_content():
    # The Standard Webhooks reference example (secret, id, timestamp, body -> signature).
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    expected = Webhook(secret).sign(
        "msg_p5jXN8AQM9LWM0D4loKWxJek", datetime.fromtimestamp(1614265330, UTC), body.decode()
    )
    assert sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == expected
    assert expected == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_secret_needs_enough_randomness_and_the_prefix():
    assert new_secret().startswith("whsec_")
    with pytest.raises(ValueError):
        secret_from(b"short")


@pytest.mark.parametrize(
    ("url", "loopback_ok"),
    [
        ("https://dinkes.tangerangselatankota.go.id/hooks/asn", False),
        ("https://10.1.2.3:8443/x", False),
        ("http://127.0.0.1:9000/hook", True),
        ("http://localhost/hook", True),
        ("http://[::1]:9000/hook", True),
    ],
)
def test_accepted_endpoints(url: str, loopback_ok: bool):
    assert check_endpoint(url, allow_http_loopback=True) == url
    if loopback_ok:
        with pytest.raises(InvalidSubscription) as err:
            check_endpoint(url, allow_http_loopback=False)
        assert err.value.field == "url"


@pytest.mark.parametrize(
    "url",
    [
        "http://dinkes.example.go.id/hook",  # plain http to a real host
        "ftp://127.0.0.1/x",
        "https://",
        "https://user:pw@example.go.id/x",
        "https://example.go.id:99999/x",
        "https://example.go.id/x#frag",
        "not a url",
        "https://exa mple.go.id/x",
        "https://\x00x/",
        "https://example.go.id/" + "a" * 2100,
    ],
)
def test_refused_endpoints_name_the_url_field(url: str):
    with pytest.raises(InvalidSubscription) as err:
        check_endpoint(url, allow_http_loopback=True)
    assert err.value.field == "url"


def test_event_types_follow_the_partner_personal_data_rule():
    assert check_event_types(
        [topics.SURVEY_SUBMITTED, topics.SERVICE_GAP_DETECTED, topics.SURVEY_SUBMITTED],
        allow_personal=False,
    ) == sorted([topics.SURVEY_SUBMITTED, topics.SERVICE_GAP_DETECTED])
    with pytest.raises(InvalidSubscription) as err:
        check_event_types([topics.ENROLLMENT_CHANGED], allow_personal=False)
    assert err.value.field == "event_types" and "NIP" in err.value.problem
    assert check_event_types([topics.ENROLLMENT_CHANGED], allow_personal=True) == [
        topics.ENROLLMENT_CHANGED
    ]
    for internal in (topics.RESPONSE_INTAKE, topics.RPC_RECOMMENDATIONS_REQUEST, "x"):
        with pytest.raises(InvalidSubscription):
            check_event_types([internal], allow_personal=True)
    with pytest.raises(InvalidSubscription):
        check_event_types([], allow_personal=True)


def test_backoff_grows_exponentially_with_jitter_up_to_the_ceiling():
    policy = RetryPolicy(max_attempts=5, initial_delay_s=1, max_delay_s=10, pause_after_failures=3)
    assert policy.backoff(1, 0.0) == timedelta(seconds=0.5)
    assert policy.backoff(1, 0.999) < timedelta(seconds=1)
    assert policy.backoff(3, 0.0) == timedelta(seconds=2)
    assert policy.backoff(10, 0.999) <= timedelta(seconds=10)
    assert policy.after_failure(4) is Next.RETRY
    assert policy.after_failure(5) is Next.DEAD
    assert not policy.should_pause(2) and policy.should_pause(3)
    with pytest.raises(ValueError):
        policy.backoff(1, 1.0)


def test_structured_cloudevent_body():
    event = CloudEvent(
        id="e-9",
        source="/tangsel/surveys",
        type=topics.SURVEY_SUBMITTED,
        time=NOW,
        subject="units/disdukcapil",
        data={"unit_id": "disdukcapil", "nama": "Dinas Kependudukan"},
    )
    doc = json.loads(event.to_json())
    assert doc == {
        "specversion": "1.0",
        "id": "e-9",
        "source": "/tangsel/surveys",
        "type": topics.SURVEY_SUBMITTED,
        "time": "2026-08-14T03:00:00Z",
        "subject": "units/disdukcapil",
        "datacontenttype": "application/json",
        "data": {"unit_id": "disdukcapil", "nama": "Dinas Kependudukan"},
    }
    assert CONTENT_TYPE == "application/cloudevents+json"
    probe = json.loads(verification_event("v-1", "s-1", "Dinkes", NOW).to_json())
    assert probe["type"] == "asn.webhooks.endpoint-verification.v1"
