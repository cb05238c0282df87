"""The surveys service under uvicorn in a thread, for the browser tests of this folder."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn

from asn_devkit.embedded.processes import free_port
from asn_devkit.testing import DatabaseFactory
from asn_platform.service import create_app
from asn_surveys.main import DEFINITION
from asn_surveys.settings import Settings


@pytest.fixture
def server(kafka_topics: str, pg_server_url: str, db_factory: DatabaseFactory) -> Iterator[str]:
    """The surveys service under uvicorn, in a thread, on a free loopback port."""
    prefix = f"asn_test_sb_{db_factory.run_id}_"
    db_factory.created.append(f"{prefix}surveys")
    port = free_port()
    settings = Settings(
        kafka_bootstrap_servers=kafka_topics,
        database_url=pg_server_url,
        database_prefix=prefix,
        http_host="127.0.0.1",
        http_port=port,
        log_format="text",
    )
    app = create_app(DEFINITION, settings)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
    thread = threading.Thread(target=srv.run, name="surveys-uvicorn", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or not thread.is_alive():
            srv.should_exit = True
            raise RuntimeError("the surveys service did not become ready")
        time.sleep(0.2)
    try:
        yield base
    finally:
        srv.should_exit = True
        thread.join(30)
