"""The real launcher as a process: ready services, broker-death recovery (Kafka: restarted on
its data, services keep running and reconnect; Tansu: restarted with the services), clean
Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from asn_devkit.testing import service_base_port

pytestmark = pytest.mark.e2e

SERVICE_OFFSETS = (1, 2, 3, 5, 6)  # surveys, enrollment, recommendations, notifications, webhooks


def _start(tmp_path: Path, env_overrides: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    base = service_base_port(count=6)  # the services, the console at + 4
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "ASN_DATABASE_URL")
    }
    env.update(env_overrides)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "asn_devkit.launcher",
            "run",
            "--data-dir",
            str(tmp_path / "data"),
            "--base-port",
            str(base),
        ],
        env=env,
        stdout=open(tmp_path / "launcher.out", "wb"),
        stderr=subprocess.STDOUT,
    )
    return proc, base


def _logs(tmp_path: Path) -> str:
    """The tail of the launcher's and each service's log, for a failure message."""
    parts = []
    for path in [tmp_path / "launcher.out", *sorted((tmp_path / "data").glob("*.log"))]:
        if path.exists():
            tail = path.read_text(errors="replace").splitlines()[-15:]
            parts.append(f"--- {path.name}\n" + "\n".join(tail))
    return "\n".join(parts)


def _wait_ready(base: int, tmp_path: Path, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    pending = {base + i for i in SERVICE_OFFSETS}
    while pending and time.monotonic() < deadline:
        for port in list(pending):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200:
                    pending.discard(port)
            except httpx.HTTPError:
                pass
        time.sleep(0.3)
    assert not pending, (
        f"services on ports {sorted(pending)} not ready in {timeout_s}s\n{_logs(tmp_path)}"
    )


def _tansu(launcher: psutil.Process) -> psutil.Process:
    found = [p for p in launcher.children(recursive=True) if "tansu" in p.name()]
    assert len(found) == 1, [p.name() for p in launcher.children(recursive=True)]
    return found[0]


def _java(launcher: psutil.Process) -> list[psutil.Process]:
    return [p for p in launcher.children(recursive=True) if p.name() == "java"]


def _service_pids(launcher: psutil.Process) -> set[int]:
    """The services (python children other than the development identity provider and the
    mail catcher, which need no broker)."""
    return {
        p.pid
        for p in launcher.children()
        if "python" in p.name()
        and not any(m in " ".join(p.cmdline()) for m in ("asn_devkit.oidc", "mailcatcher"))
    }


@pytest.mark.tansu_smoke
def test_services_come_back_ready_after_the_broker_dies(tmp_path, pg_server_url, db_factory):
    prefix = f"asn_test_launch_{db_factory.run_id}_"
    db_factory.created += [
        f"{prefix}{name}" for name in ("surveys", "enrollment", "recommendations")
    ]
    proc, base = _start(
        tmp_path,
        {
            "DATABASE_URL": pg_server_url,
            "ASN_DATABASE_PREFIX": prefix,
            "ASN_EMBEDDED_BROKER": "tansu",
        },
    )
    launcher = psutil.Process(proc.pid)
    try:
        _wait_ready(base, tmp_path, timeout_s=120)
        before = _service_pids(launcher)
        old_broker = _tansu(launcher)
        old_broker.kill()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            kids = [p for p in launcher.children(recursive=True) if "tansu" in p.name()]
            if kids and kids[0].pid != old_broker.pid:
                break
            time.sleep(0.2)
        assert _tansu(launcher).pid != old_broker.pid
        _wait_ready(base, tmp_path, timeout_s=120)
        after = _service_pids(launcher)
        assert after and not (after & before), "services were not restarted with the broker"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(60)


@pytest.mark.kafka_only
def test_kafka_killed_is_restarted_on_its_data_and_services_reconnect(
    tmp_path, pg_server_url, db_factory
):
    prefix = f"asn_test_launchk_{db_factory.run_id}_"
    db_factory.created += [
        f"{prefix}{name}" for name in ("surveys", "enrollment", "recommendations")
    ]
    proc, base = _start(
        tmp_path,
        {
            "DATABASE_URL": pg_server_url,
            "ASN_DATABASE_PREFIX": prefix,
            "ASN_EMBEDDED_BROKER": "kafka",
        },
    )
    launcher = psutil.Process(proc.pid)
    try:
        _wait_ready(base, tmp_path, timeout_s=120)
        before = _service_pids(launcher)
        [old] = _java(launcher)
        old.kill()  # SIGKILL, as a crash
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            kids = _java(launcher)
            if kids and kids[0].pid != old.pid:
                break
            time.sleep(0.2)
        [new] = _java(launcher)
        assert new.pid != old.pid
        _wait_ready(base, tmp_path, timeout_s=120)
        assert _service_pids(launcher) == before, "Kafka is durable: services keep running"
        out = (tmp_path / "launcher.out").read_text()
        assert "restarting it on its data" in out
        assert "Apache Kafka" in out and "SASL/SCRAM" in out
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(60)


@pytest.mark.tansu_smoke
def test_ctrl_c_leaves_no_process_behind(tmp_path):
    proc, base = _start(tmp_path, {})  # embedded broker and embedded PostgreSQL
    launcher = psutil.Process(proc.pid)
    _wait_ready(base, tmp_path, timeout_s=120)
    children = launcher.children(recursive=True)
    pgdata = tmp_path / "data" / "postgres"
    postmaster = int((pgdata / "postmaster.pid").read_text().splitlines()[0])
    assert len(children) >= 4  # broker + 3 services (PostgreSQL is daemonised by pg_ctl)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(60) == 0
    _gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, [p.pid for p in alive]
    assert (
        not psutil.pid_exists(postmaster)
        or psutil.Process(postmaster).status() == psutil.STATUS_ZOMBIE
    )


def test_service_logs_written_by_the_launcher_are_json_lines_without_colour(tmp_path):
    proc, base = _start(tmp_path, {})
    try:
        _wait_ready(base, tmp_path, timeout_s=120)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(60)
    for service in ("surveys", "enrollment", "recommendations", "console"):
        text = (tmp_path / "data" / f"{service}.log").read_text()
        assert "\x1b[" not in text, service
        records = [json.loads(line) for line in text.splitlines() if line.strip()]
        assert records, service
        assert {r["service"] for r in records} == {service}
        assert any(r["logger"].startswith("uvicorn") for r in records), service  # libraries too
    for service in ("surveys", "enrollment", "recommendations"):  # the console has no broker
        text = (tmp_path / "data" / f"{service}.log").read_text()
        loggers = {json.loads(line)["logger"] for line in text.splitlines() if line.strip()}
        assert "asn_platform.broker" in loggers, (service, loggers)  # FastStream's broker log
