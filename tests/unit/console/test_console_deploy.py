"""The console in docker-compose.yml (validated by the real Compose binary) and in Keycloak's
realm: its own image, port 8004, the services' internal URLs, its redirect URI registered."""

import json
import subprocess
from pathlib import Path

import compose

ROOT = Path(__file__).resolve().parents[3]
BINARY = Path(compose.__file__).parent / "docker-compose"


def test_compose_runs_the_console() -> None:
    out = subprocess.run(
        [str(BINARY), "--env-file", str(ROOT / "deploy/dev.env"),
         "-f", str(ROOT / "docker-compose.yml"), "config", "--format", "json"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    console = json.loads(out.stdout)["services"]["console"]
    assert console["build"]["args"]["SERVICE"] == "console"
    env = console["environment"]
    assert env["ASN_SURVEYS_URL"] == "http://surveys:8000"
    assert "ASN_DATABASE_URL" not in env and "ASN_KAFKA_BOOTSTRAP_SERVERS" not in env
    assert [p["published"] for p in console["ports"]] == ["8004"]


def test_keycloak_lets_the_console_sign_in() -> None:
    realm = json.loads((ROOT / "deploy" / "keycloak" / "realm-asn.json").read_text())
    client = next(c for c in realm["clients"] if c["clientId"] == "asn-console")
    assert client["publicClient"] and client["attributes"]["pkce.code.challenge.method"] == "S256"
    assert "http://localhost:8004/*" in client["redirectUris"]
