"""Service logs written to a file are JSON lines without colour codes, FastStream's included, and
a line made inside a span names its trace."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Callable, Iterator

import pytest
from faststream._internal.logger.logging import logger as faststream_logger
from faststream.kafka import TestKafkaBroker
from opentelemetry.sdk.trace import TracerProvider

from asn_platform.kafka import make_broker
from asn_platform.logs import configure_logging
from asn_platform.settings import PlatformSettings


@pytest.fixture
def log_file(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], io.StringIO]]:
    """stderr as the launcher gives it to a service: a file, not a terminal. Replaced in the
    test's body (pytest's capture sets sys.stderr again between set-up and call)."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)

    def redirect() -> io.StringIO:
        stream = io.StringIO()
        monkeypatch.setattr(sys, "stderr", stream)
        return stream

    yield redirect
    root.handlers[:], root.level = saved[0], saved[1]


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    text = stream.getvalue()
    assert "\x1b[" not in text and "\\u001b" not in text  # raw, or escaped by the JSON encoder
    return [json.loads(line) for line in text.splitlines()]


async def test_faststream_and_broker_logs_reach_the_file_as_json_lines(
    log_file: Callable[[], io.StringIO],
):
    stream = log_file()
    configure_logging("surveys", "INFO", "auto")
    broker = make_broker(PlatformSettings(), client_id="asn-surveys")

    @broker.subscriber("test.logs")
    async def handle(body: str) -> None:
        logging.getLogger("asn_surveys").info("handled %s", body)

    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish("x", "test.logs")
    faststream_logger.warning("FastStream app starting...")
    records = lines(stream)
    messages = [r["message"] for r in records]
    assert "handled x" in messages
    assert messages[-1] == "FastStream app starting..."
    assert {r["service"] for r in records} == {"surveys"}


def test_a_line_logged_inside_a_span_carries_its_trace_and_span_ids(
    log_file: Callable[[], io.StringIO],
):
    stream = log_file()
    configure_logging("enrollment", "INFO", "json")
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("apply") as span:
        logging.getLogger("asn_enrollment").info("invitation sent")
    logging.getLogger("asn_enrollment").info("outside")
    inside, outside = lines(stream)
    assert inside["trace_id"] == f"{span.get_span_context().trace_id:032x}"
    assert inside["span_id"] == f"{span.get_span_context().span_id:016x}"
    assert "trace_id" not in outside


def test_uvicorns_coloured_copy_of_a_message_stays_out_of_the_file(
    log_file: Callable[[], io.StringIO],
):
    stream = log_file()
    configure_logging("console", "INFO", "json")
    # a logger of our own: uvicorn's may have been set not to propagate by an earlier test
    logging.getLogger("asn_test.uvicorn_like").info(
        "Started server process [%d]",
        1,
        extra={"color_message": "Started server process [\x1b[36m%d\x1b[0m]"},
    )
    (line,) = lines(stream)
    assert line["message"] == "Started server process [1]" and "color_message" not in line
