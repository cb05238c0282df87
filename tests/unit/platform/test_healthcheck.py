"""asn-healthcheck, the image's health check, against a real local HTTP server."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from asn_platform import healthcheck


class Ready(BaseHTTPRequestHandler):
    status = 200
    body: ClassVar[dict[str, object]] = {
        "status": "ready",
        "checks": {"database": "ok", "broker": "ok"},
    }

    def do_GET(self) -> None:
        payload = json.dumps(self.body).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


class NotReady(Ready):
    status = 503
    body: ClassVar[dict[str, object]] = {
        "status": "not_ready",
        "checks": {"database": "unreachable", "broker": "ok"},
    }


def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/ready"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def ready_url() -> Iterator[str]:
    yield from serve(Ready)


@pytest.fixture
def not_ready_url() -> Iterator[str]:
    yield from serve(NotReady)


def test_ready_is_healthy_and_says_so(ready_url: str) -> None:
    ok, said = healthcheck.check(ready_url)
    assert ok and '"ready"' in said


def test_a_503_is_unhealthy_and_names_the_missing_dependency(not_ready_url: str) -> None:
    ok, said = healthcheck.check(not_ready_url)
    assert not ok
    assert said.startswith("503: ") and '"database": "unreachable"' in said


def test_nothing_listening_is_unhealthy() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: the connection is refused
        ok, said = healthcheck.check(f"http://127.0.0.1:{port}/ready", timeout_s=1)
    assert not ok and f"127.0.0.1:{port}" in said


def test_main_exits_1_when_not_ready(
    not_ready_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASN_HTTP_PORT", not_ready_url.split(":")[2].split("/")[0])
    with pytest.raises(SystemExit) as exited:
        healthcheck.main()
    assert exited.value.code == 1
    assert "unreachable" in capsys.readouterr().out
