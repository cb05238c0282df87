"""Structured logging: JSON lines when not on a terminal, readable text on one."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.json import JsonFormatter

from asn_platform.logmask import NipMaskingFilter


class _ServiceFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        return True


def configure_logging(service: str, level: str = "INFO", fmt: str = "auto") -> None:
    use_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_ServiceFilter(service))
    handler.addFilter(NipMaskingFilter())  # a NIP is personal data: never whole in a log
    if use_json:
        handler.setFormatter(
            JsonFormatter(
                "%(levelname)s %(service)s %(name)s %(message)s",
                rename_fields={"levelname": "level", "name": "logger"},
                timestamp="time",  # ISO 8601 in UTC: unambiguous for log shippers
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)-7s [%(service)s] %(name)s: %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiokafka is chatty about reconnects we already handle and report ourselves.
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))
