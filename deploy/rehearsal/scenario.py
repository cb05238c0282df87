"""What the rehearsal does with the running deployment: the demo over the published ports, a
fault round, and a down/up that must keep the data. It talks to the services only over HTTP,
as an operator would, with tokens from the identity provider (client credentials)."""

from __future__ import annotations

import concurrent.futures
import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from compose_cli import Compose
from podman_host import log, podman

ROOT = Path(__file__).resolve().parents[2]
URLS = {
    "surveys": "http://127.0.0.1:8001",
    "enrollment": "http://127.0.0.1:8002",
    "recommendations": "http://127.0.0.1:8003",
}
# Keycloak's public address as the compose file sets it (KC_HOSTNAME): the tokens' issuer.
ISSUER = "http://localhost:8080/realms/asn"
FAULT_UNIT = "dpmptsp"
FAULT_ANSWERS = 120


class StepFailed(Exception):
    pass


def env_values(env_file: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs}


def token(client: tuple[str, str]) -> str:
    with httpx.Client(timeout=10) as http:
        found = http.get(f"{ISSUER}/.well-known/openid-configuration").json()
        r = http.post(
            found["token_endpoint"], data={"grant_type": "client_credentials"}, auth=client
        )
        r.raise_for_status()
        return str(r.json()["access_token"])


@dataclass
class Scenario:
    compose: Compose
    timings: dict[str, float]
    demo_timeout_s: float = 90.0
    snapshots: list[dict[str, Any]] = field(default_factory=list)

    @property
    def admin_client(self) -> tuple[str, str]:
        return ("asn-demo", env_values(self.compose.env_file)["KEYCLOAK_SECRET_DEMO"])

    @property
    def kiosk_client(self) -> tuple[str, str]:
        return ("asn-kiosk", env_values(self.compose.env_file)["KEYCLOAK_SECRET_KIOSK"])

    def _timed(self, name: str, started: float) -> None:
        self.timings[name] = time.monotonic() - started
        log(f"{name}: {self.timings[name]:.1f} s")

    def up(self, services: list[str], timeout_s: float, name: str) -> None:
        started = time.monotonic()
        self.compose.run("up", "-d", "--no-build")
        self.compose.wait_healthy(services, timeout_s)
        if "keycloak" in services:
            wait_for_issuer(ISSUER, timeout_s=120)
        self._timed(name, started)

    def demo(self) -> None:
        started = time.monotonic()
        cmd = [
            str(Path(sys.executable).parent / "asn-demo"),
            "--surveys-url", URLS["surveys"],
            "--enrollment-url", URLS["enrollment"],
            "--recommendations-url", URLS["recommendations"],
            "--issuer", ISSUER,
            "--client", ":".join(self.admin_client),
            "--kiosk-client", ":".join(self.kiosk_client),
            "--timeout", str(self.demo_timeout_s),
        ]  # fmt: skip
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        if out.returncode != 0:
            raise StepFailed(
                f"demo exited {out.returncode}: {out.stdout[-3000:]}{out.stderr[-1000:]}"
            )
        self._timed("demo", started)

    # --- state as the APIs show it --------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token(self.admin_client)}"}
        with httpx.Client(timeout=15, headers=headers) as http:

            def get(service: str, path: str, **params: Any) -> Any:
                r = http.get(f"{URLS[service]}{path}", params=params)
                if r.status_code != 200:
                    raise StepFailed(f"{service} {path}: {r.status_code} {r.text[:300]}")
                return r.json()

            units = {
                u: get("surveys", f"/api/v1/ikm/units/{u}", period=_quarter())["n"]
                for u in ("disdukcapil", "dpmptsp", "puskesmas-pamulang")
            }
            roster = get("enrollment", "/api/v1/asn", limit=1000)
            people = [p["nip"] for p in roster["items"]]
            jp = {nip: get("enrollment", f"/api/v1/asn/{nip}/jp")["jp"] for nip in people}
            programmes = get("recommendations", "/api/v1/programmes", limit=500)["items"]
            nudges = get("recommendations", "/api/v1/nudges", limit=500)["items"]
        return {
            "responses": units,
            "roster": len(people),
            "jp": jp,
            "programmes": sorted(p["scheduled_programme_id"] for p in programmes),
            "nudges": len(nudges),
        }

    # --- faults ---------------------------------------------------------------------------------
    def faults(self) -> None:
        """Answers keep coming while Kafka restarts and surveys is killed: each is counted once."""
        started = time.monotonic()
        before = self.snapshot()
        kiosk = {"Authorization": f"Bearer {token(self.kiosk_client)}"}
        refs = [f"rehearsal-{uuid.uuid4()}" for _ in range(FAULT_ANSWERS)]
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            futures = [
                pool.submit(_submit_until_accepted, kiosk, ref, i) for i, ref in enumerate(refs)
            ]
            time.sleep(2.0)
            log("fault: restarting the kafka container")
            self.compose.run("restart", "kafka")
            time.sleep(2.0)
            victim = self.compose.container_id("surveys")
            # SIGKILL to the container's process from outside, as a crash would: `podman kill`
            # counts as an operator's stop, which restart policies leave alone.
            pid = int(podman("inspect", victim, "--format", "{{.State.Pid}}").strip())
            log(f"fault: SIGKILL to the surveys container's process (pid {pid})")
            os.kill(pid, signal.SIGKILL)
            for f in futures:
                f.result()
        self.compose.wait_healthy(["kafka", "surveys"], 180)
        expected = dict(before["responses"])
        expected[FAULT_UNIT] += FAULT_ANSWERS
        after = self._wait_for(lambda s: s["responses"] == expected, 120)
        for key in ("roster", "jp", "programmes", "nudges"):
            if after[key] != before[key]:
                raise StepFailed(f"faults changed {key}: {before[key]} -> {after[key]}")
        restarts = podman("inspect", victim, "--format", "{{.RestartCount}}").strip()
        log(f"surveys came back by its restart policy (restart count {restarts})")
        self.snapshots.append(after)
        self._timed("faults", started)

    def _wait_for(self, ok: Any, timeout_s: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while True:
            snap = self.snapshot()
            if ok(snap):
                return snap
            if time.monotonic() > deadline:
                raise StepFailed(f"state never converged: {snap['responses']}")
            time.sleep(2.0)

    def restart_keeps_data(self, services: list[str], timeout_s: float) -> None:
        before = self.snapshots[-1] if self.snapshots else self.snapshot()
        started = time.monotonic()
        self.compose.run("down")
        self._timed("down", started)
        self.up(services, timeout_s, "second up (volumes kept)")
        after = self.snapshot()
        if after != before:
            diff = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
            raise StepFailed(f"data changed across down/up: {diff}")
        log("down/up kept IKM counts, roster, JP, programmes and nudges")


def _quarter() -> str:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    now = datetime.now(ZoneInfo("Asia/Jakarta"))
    return f"{now.year}-Q{(now.month - 1) // 3 + 1}"


def _submit_until_accepted(headers: dict[str, str], client_ref: str, i: int) -> None:
    """A kiosk that resends until it hears back (same client_ref: counted once)."""
    body = {
        "unit_id": FAULT_UNIT,
        "service": "Izin Usaha",
        "answers": {f"U{k}": 3 + (i + k) % 2 for k in range(1, 10)},
        "respondent": {"sex": "P" if i % 2 else "L", "age": 20 + i % 50, "education": "S1", "occupation": "Swasta"},
        "client_ref": client_ref,
    }  # fmt: skip
    deadline = time.monotonic() + 240
    with httpx.Client(timeout=10, headers=headers) as http:
        while time.monotonic() < deadline:
            try:
                r = http.post(f"{URLS['surveys']}/api/v1/responses", json=body)
                if r.status_code in (200, 201):
                    return
                if r.status_code < 500 and r.status_code != 429:
                    raise StepFailed(f"answer refused: {r.status_code} {r.text[:300]}")
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
    raise StepFailed(f"answer {client_ref} never accepted")


def wait_for_issuer(issuer: str, timeout_s: float) -> None:
    """Keycloak's readiness (management port 9000) can say UP a moment before its public
    port 8080 listens: an operator, like the demo, waits for the discovery document."""
    deadline = time.monotonic() + timeout_s
    url = f"{issuer}/.well-known/openid-configuration"
    while True:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise StepFailed(f"identity provider not answering at {url} after {timeout_s:.0f}s")
        time.sleep(1.0)
