"""Pure pieces of the backbone: DLQ headers, outbox lanes, retry policy, error classes, replies."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import asyncpg
import pytest

from asn_platform import dlq, topics
from asn_platform.inbox import PermanentError, RetryPolicy, is_unavailable
from asn_platform.outbox import OUTBOX_LANES, lane_of
from asn_platform.rpc import RpcClient, RpcError
from asn_platform.settings import PlatformSettings


def test_dead_letter_headers_keep_the_original_and_name_the_failure():
    original = [("ce_id", b"1"), ("x-dlq-error-class", b"old"), ("dup", b"a"), ("dup", b"b")]
    headers = dlq.dead_letter_headers(
        original,
        topic="t",
        partition=2,
        offset=41,
        group="g",
        error=ValueError("bad answer"),
        attempts=3,
    )
    assert headers[:3] == [("ce_id", b"1"), ("dup", b"a"), ("dup", b"b")]
    added = dict(headers[3:])
    assert added[dlq.H_ORIGINAL_TOPIC] == b"t"
    assert added[dlq.H_ORIGINAL_PARTITION] == b"2"
    assert added[dlq.H_ORIGINAL_OFFSET] == b"41"
    assert added[dlq.H_CONSUMER_GROUP] == b"g"
    assert added[dlq.H_ERROR_CLASS] == b"builtins.ValueError"
    assert added[dlq.H_ERROR_MESSAGE] == b"bad answer"
    assert added[dlq.H_ATTEMPTS] == b"3"
    assert added[dlq.H_FAILED_AT].endswith(b"Z")


def test_dead_letter_error_message_is_bounded():
    text = dlq.error_text(RuntimeError("x" * 5000))
    assert len(text) == dlq.MAX_ERROR_MESSAGE


def test_dead_letter_record_view():
    headers = dlq.dead_letter_headers(
        [("ce_type", b"asn.x.v1")],
        topic="asn.x.v1",
        partition=1,
        offset=7,
        group="g",
        error=KeyError("k"),
        attempts=4,
    )
    record = SimpleNamespace(
        topic="asn.x.v1.dlq",
        partition=0,
        offset=3,
        key=b"k",
        value=b"{}",
        headers=headers,
        timestamp=1,
    )
    letter = dlq.DeadLetter.from_record(record)
    assert letter.original_topic == "asn.x.v1"
    assert (letter.original_partition, letter.original_offset) == (1, 7)
    assert letter.consumer_group == "g"
    assert letter.error_class == "builtins.KeyError"
    assert letter.attempts == 4
    assert letter.original_headers() == [("ce_type", b"asn.x.v1")]
    assert dlq.dlq_topic_of("asn.x.v1") == dlq.dlq_topic_of("asn.x.v1.dlq") == "asn.x.v1.dlq"


def test_lanes_are_stable_and_spread():
    assert lane_of(b"disdukcapil") == lane_of(b"disdukcapil")
    lanes = {lane_of(f"1985041220100110{i:02d}".encode()) for i in range(100)}
    assert len(lanes) == OUTBOX_LANES
    assert all(0 <= lane < OUTBOX_LANES for lane in lanes)


def test_retry_delays_grow_and_are_bounded():
    policy = RetryPolicy(initial_delay_s=0.05, max_delay_s=2.0, multiplier=4.0)
    delays = [policy.delay(n) for n in range(1, 10)]
    assert delays[0] < 0.07
    assert delays[1] > delays[0]
    assert max(delays) <= 2.0 * 1.2
    assert max(policy.delay(n, unavailable=True) for n in range(1, 20)) <= 5.0 * 1.2


@pytest.mark.parametrize(
    ("error", "unavailable"),
    [
        (ConnectionRefusedError(), True),
        (OSError(113, "No route to host"), True),
        (FileNotFoundError(2, "no such file"), False),
        (asyncpg.exceptions.ConnectionDoesNotExistError("closed"), True),
        (asyncpg.exceptions.CannotConnectNowError("starting"), True),
        (asyncpg.exceptions.TooManyConnectionsError("too many"), True),
        (asyncpg.exceptions.UniqueViolationError("dup"), False),
        (asyncpg.exceptions.SerializationError("retry"), False),
        (ValueError("bad"), False),
        (PermanentError("never"), False),
    ],
)
def test_error_classification(error, unavailable):
    assert is_unavailable(error) is unavailable


async def test_rpc_client_matches_replies_by_correlation_id():
    client = RpcClient(None, PlatformSettings(instance_id="host-1"), "surveys")  # type: ignore[arg-type]
    assert client.reply_topic == topics.reply_topic("surveys", "host-1")
    loop = asyncio.get_running_loop()
    ok, bad = loop.create_future(), loop.create_future()
    client._pending = {"a": ok, "b": bad}

    def record(cid: str, body: object, status: str = "ok") -> SimpleNamespace:
        headers = [("correlation_id", cid.encode()), ("x-rpc-status", status.encode())]
        return SimpleNamespace(headers=headers, value=json.dumps(body).encode())

    client._resolve(record("zzz", {"late": True}))  # unknown: ignored
    client._resolve(record("a", {"answer": 42}))
    client._resolve(record("b", {"error": {"type": "KeyError", "message": "unit"}}, "error"))
    assert ok.result() == {"answer": 42}
    with pytest.raises(RpcError, match="KeyError: unit"):
        bad.result()


def test_a_dead_letter_reason_never_carries_a_whole_nip():
    text = dlq.error_text(ValueError("cohort member 198504122010011001 is not on the roster"))
    assert "198504122010011001" not in text
    assert "1985***********001" in text
