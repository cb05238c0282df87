"""The services served by real uvicorn servers on 127.0.0.1 for the OpenAPI fuzzer.

Each service runs in its own thread with its own event loop (schemathesis calls it through
``requests``, synchronously, from the test thread), with its real lifespan: database and
migrations on the test PostgreSQL, its consumers on a broker of this module alone, so that what
the fuzzer makes the services publish never reaches the integration tests' consumer groups.
All run together so that enrollment's request/reply to recommendations is answered.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn

from asn_devkit.testing import DatabaseFactory, service_base_port, test_broker, test_identity
from asn_enrollment.main import DEFINITION as ENROLLMENT
from asn_notifications.bootstrap import DEFINITION as NOTIFICATIONS
from asn_platform.kafka import ensure_topics
from asn_platform.service import ServiceDefinition, create_app
from asn_recommendations.main import DEFINITION as RECOMMENDATIONS
from asn_surveys.main import DEFINITION as SURVEYS
from asn_webhooks.bootstrap import DEFINITION as WEBHOOKS
from asn_webhooks.sealing import new_key

DEFINITIONS: dict[str, ServiceDefinition[Any]] = {
    "surveys": SURVEYS,
    "enrollment": ENROLLMENT,
    "recommendations": RECOMMENDATIONS,
    "notifications": NOTIFICATIONS,
    "webhooks": WEBHOOKS,
}
# Settings the fuzzer needs: intake is not rate-limited (429s would hide the intake path).
OVERRIDES: dict[str, dict[str, Any]] = {
    "surveys": {"rate_limit_per_minute": 1_000_000, "rate_limit_burst": 1_000_000},
    "enrollment": {"db_pool_max": 10},
    "recommendations": {},
    "notifications": {"reminder_interval_s": 0, "smtp_port": 9},  # nothing listens: no mail
    # Registration calls the endpoint: the fuzzer's URLs get a refusal, 422 on url, not a 5xx.
    "webhooks": {"webhooks_secret_keys": new_key(), "webhooks_verify_timeout_s": 1.0},
}
START_TIMEOUT_S = 90.0


@dataclass
class ServedService:
    name: str
    base_url: str
    server: uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=60)


def _serve(name: str, port: int, bootstrap: str, server_url: str, prefix: str) -> ServedService:
    definition = DEFINITIONS[name]
    settings = definition.settings_model(
        kafka_bootstrap_servers=bootstrap,
        database_url=server_url,
        database_prefix=prefix,
        log_format="text",
        log_level="WARNING",
        http_port=port,
        **test_identity().settings(),
        **OVERRIDES[name],
    )
    app = create_app(definition, settings)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, lifespan="on", log_config=None, access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"fuzz-{name}", daemon=True)
    thread.start()
    return ServedService(name, f"http://127.0.0.1:{port}", server, thread)


@contextmanager
def _uvicorn_loggers_kept() -> Iterator[None]:
    """uvicorn.Config(access_log=False) empties the access logger and stops its propagation for
    the whole process; later tests read those lines (the NIP masking), so put them back."""
    names = ("uvicorn", "uvicorn.access", "uvicorn.error")
    saved = {
        n: (list(lg.handlers), lg.propagate, lg.level, lg.disabled)
        for n, lg in ((n, logging.getLogger(n)) for n in names)
    }
    try:
        yield
    finally:
        for n, (handlers, propagate, level, disabled) in saved.items():
            lg = logging.getLogger(n)
            lg.handlers[:] = handlers
            lg.propagate, lg.level, lg.disabled = propagate, level, disabled


@pytest.fixture(scope="module")
def fuzz_services(pg_server_url: str, db_factory: DatabaseFactory) -> Iterator[dict[str, str]]:
    """name -> base URL of each running service."""
    prefix = f"asn_test_fz_{db_factory.run_id}_"
    db_factory.created.extend(f"{prefix}{name}" for name in DEFINITIONS)
    with _uvicorn_loggers_kept(), test_broker() as broker:
        asyncio.run(ensure_topics(broker.bootstrap))
        base = service_base_port(len(DEFINITIONS))
        served = [
            _serve(name, base + i, broker.bootstrap, pg_server_url, prefix)
            for i, name in enumerate(DEFINITIONS, start=1)
        ]
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            for s in served:
                while not s.server.started:
                    if not s.thread.is_alive():
                        raise RuntimeError(f"{s.name} did not start (see the log above)")
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{s.name} not started after {START_TIMEOUT_S}s")
                    time.sleep(0.05)
            yield {s.name: s.base_url for s in served}
        finally:
            for s in served:
                s.stop()


@pytest.fixture(scope="module")
def api_headers() -> Callable[[str], dict[str, str]]:
    """Headers every fuzzed request carries, per service: the one place where credentials go.
    An admin token (every route open to it), so the fuzzer reaches the routes' inputs; the
    access tests check the refusals for the other roles."""
    identity = test_identity()

    def headers(service: str) -> dict[str, str]:
        return identity.headers("admin")

    return headers
