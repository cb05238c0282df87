"""NIPs masked in log records without breaking formatters that read the record's arguments."""

from __future__ import annotations

import logging

from uvicorn.logging import AccessFormatter

from asn_platform.logmask import NipMaskingFilter

NIP = "199105152015032585"
MASKED = "1991***********585"


def record(*args: object) -> logging.LogRecord:
    return logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', args, None
    )


def test_uvicorns_access_formatter_still_formats_a_masked_line() -> None:
    r = record("127.0.0.1:5000", "GET", f"/api/v1/asn/{NIP}", "1.1", 200)
    assert NipMaskingFilter().filter(r)
    line = AccessFormatter("%(client_addr)s %(request_line)s %(status_code)s").format(r)
    assert NIP not in line and MASKED in line and "200" in line


def test_a_nip_in_the_format_string_or_a_non_string_argument_is_masked_too() -> None:
    for r in (
        logging.LogRecord("x", logging.INFO, __file__, 1, f"seat of {NIP} %s", ("ok",), None),
        logging.LogRecord("x", logging.INFO, __file__, 1, "seat of %s", (int(NIP),), None),
    ):
        NipMaskingFilter().filter(r)
        assert NIP not in r.getMessage() and MASKED in r.getMessage()


def test_a_line_without_a_nip_is_left_as_it_was() -> None:
    r = record("127.0.0.1:5000", "GET", "/api/v1/sessions", "1.1", 200)
    NipMaskingFilter().filter(r)
    assert r.args == ("127.0.0.1:5000", "GET", "/api/v1/sessions", "1.1", 200)
