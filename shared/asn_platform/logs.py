"""Structured logging: JSON lines when not on a terminal (a log file, a container), readable text
on one; never colour codes in a file.

Every record goes through the root logger's one handler: FastStream's own loggers (``faststream``
and the broker's access logger, which add a colourising stdout handler of their own) are routed
to it too (``asn_platform.kafka.make_broker`` gives the broker a plain logger). A record made
inside a span carries its ``trace_id`` and ``span_id`` (asn_platform.telemetry), so a log line
can be found from its trace and back."""

from __future__ import annotations

import logging
import sys

from opentelemetry import trace
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from asn_platform.logmask import NipMaskingFilter


class _ServiceFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        return True


class _TraceFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            record.trace_id = format(context.trace_id, "032x")
            record.span_id = format(context.span_id, "016x")
        return True


# FastStream's loggers that bring their own (colourising) handlers.
FASTSTREAM_LOGGERS = ("faststream", "faststream.access.kafka")


def route_to_root(names: tuple[str, ...] = FASTSTREAM_LOGGERS) -> None:
    """Drop a library's own handlers so its records reach the root handler (JSON in a file)."""
    for name in names:
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True


def configure_logging(service: str, level: str = "INFO", fmt: str = "auto") -> None:
    use_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_ServiceFilter(service))
    handler.addFilter(NipMaskingFilter())  # a NIP is personal data: never whole in a log
    handler.addFilter(_TraceFilter())
    if use_json:
        handler.setFormatter(
            JsonFormatter(
                "%(levelname)s %(service)s %(name)s %(message)s",
                rename_fields={"levelname": "level", "name": "logger"},
                timestamp="time",  # ISO 8601 in UTC: unambiguous for log shippers
                # uvicorn adds the message again with terminal colour codes: not in a file
                reserved_attrs=[*RESERVED_ATTRS, "color_message"],
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)-7s [%(service)s] %(name)s: %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    route_to_root()
    # aiokafka is chatty about reconnects we already handle and report ourselves.
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))
