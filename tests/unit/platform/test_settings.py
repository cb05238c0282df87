import subprocess
import sys

import pytest

from asn_platform.settings import PlatformSettings, describe_error


def test_prefixed_variables_are_read(monkeypatch):
    monkeypatch.setenv("ASN_HTTP_PORT", "9123")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "k1:9092")
    settings = PlatformSettings()
    assert settings.http_port == 9123
    assert settings.kafka_bootstrap_servers == "k1:9092"


def test_prefixed_name_wins_over_the_plain_alias(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://plain/db")
    monkeypatch.setenv("ASN_DATABASE_URL", "postgresql://prefixed/db")
    assert PlatformSettings().database_url == "postgresql://prefixed/db"


@pytest.mark.parametrize(
    ("var", "value", "expected"),
    [
        ("ASN_HTTP_PORT", "abc", "ASN_HTTP_PORT"),
        ("ASN_HTTP_PORT", "70000", "ASN_HTTP_PORT"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL"),
        ("ASN_LOG_LEVEL", "LOUD", "ASN_LOG_LEVEL"),
    ],
)
def test_a_bad_value_is_reported_by_variable_name(monkeypatch, var, value, expected):
    monkeypatch.setenv(var, value)
    with pytest.raises(Exception) as info:
        PlatformSettings()
    assert describe_error(PlatformSettings, info.value).startswith(expected + ":")


def test_a_service_with_a_bad_setting_exits_with_one_line_and_no_traceback():
    proc = subprocess.run(
        [sys.executable, "-m", "asn_surveys"],
        env={"ASN_HTTP_PORT": "not-a-port", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("configuration error: ASN_HTTP_PORT:")
    assert "Traceback" not in proc.stderr
