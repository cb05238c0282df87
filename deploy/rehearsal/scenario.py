"""What the rehearsal does with the running deployment: the demo over the published ports, a
fault round, and a down/up that must keep the data. It talks to the services only over HTTP,
as an operator would, with tokens from the identity provider (client credentials)."""

from __future__ import annotations

import concurrent.futures
import json
import os
import signal
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from compose_cli import Compose
from guide import Operator
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
APP = ("surveys", "enrollment", "recommendations", "notifications", "webhooks")
# recommendations' count of the answers it applied (its read model of survey-submitted events)
APPLIED_ANSWERS = "SELECT coalesce(sum(answer_count), 0) FROM rm_element_counts WHERE period_kind = 'Q' AND element = 'U1'"


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
    operator: Operator
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

    def up(self, step: str, services: list[str], timeout_s: float, name: str) -> None:
        """The guide's step that starts the deployment, then every service healthy and the
        identity provider answering."""
        started = time.monotonic()
        self.operator.run(step, env={"TIMEOUT": str(int(timeout_s))})
        self.compose.wait_healthy(services, timeout_s)
        if "keycloak" in services:
            wait_for_issuer(ISSUER, timeout_s=timeout_s)
        self._timed(name, started)

    def demo(self) -> None:
        started = time.monotonic()
        try:
            self.operator.run("demo", env={"ASN_DEMO_TIMEOUT": str(self.demo_timeout_s)})
        except Exception as err:
            raise StepFailed(f"demo exited: {err}") from err
        self._timed("demo", started)

    # --- the operators' guide, step by step -----------------------------------------------------
    def metrics(self) -> None:
        """Prometheus reaches every service with its token (`up` 1 for each)."""
        started = time.monotonic()
        deadline = time.monotonic() + 180
        while True:
            out = self.operator.run("metrics")
            results = _json_documents(out)
            up = {r["metric"].get("instance"): r["value"][1] for r in results[0]["data"]["result"]}
            requests = results[1]["data"]["result"]
            if len(up) >= 5 and set(up.values()) == {"1"} and requests:
                break
            if time.monotonic() > deadline:
                raise StepFailed(f"Prometheus does not scrape every service: up={up}")
            time.sleep(5)
        log(f"metrics: up=1 for {sorted(up)}")
        self._timed("metrics", started)

    def unhealthy(self) -> None:
        """PostgreSQL stops; surveys turns unhealthy; the guide's steps bring it back."""
        started = time.monotonic()
        self.compose.run("stop", "postgres")
        deadline = time.monotonic() + 300
        while self._health("surveys") != "unhealthy":
            if time.monotonic() > deadline:
                raise StepFailed("surveys never reported unhealthy with PostgreSQL stopped")
            time.sleep(2)
        out = self.operator.run("unhealthy")
        if "unhealthy" not in out or '"database":"unreachable"' not in out.replace(" ", ""):
            raise StepFailed(f"the guide's commands did not show what is unhealthy and why:\n{out}")
        self.compose.wait_healthy([*APP, "postgres"], 300)
        log("unhealthy: surveys reported unhealthy, the guide's steps made it healthy again")
        self._timed("unhealthy", started)

    def _health(self, service: str) -> str:
        cid = self.compose.container_id(service)
        return podman("inspect", cid, "--format", "{{.State.Health.Status}}", check=False).strip()

    def partner(self) -> None:
        """A partner added by the guide reads survey-submitted with its own login."""
        started = time.monotonic()
        out = self.operator.run("partner")
        if "dinkes" not in out:
            raise StepFailed(f"asn-partners list does not show the partner:\n{out}")
        settings = dict(
            line.split("=", 1)
            for line in (self.operator.folder / "partner-dinkes.txt").read_text().splitlines()
            if "=" in line and not line.startswith("#")
        )
        read = self.kafka_probe(
            settings["sasl.username"], settings["sasl.password"], "asn.surveys.survey-submitted.v1"
        )
        if not read.startswith("read "):
            raise StepFailed(f"the partner could not read survey-submitted: {read}")
        log(f"partner: partner-dinkes {read} from survey-submitted with its own login")
        self._timed("partner", started)

    def kafka_probe(self, user: str, password: str, topic: str) -> str:
        """Reads `topic` from the start as `user` in a container on the project's network:
        'read N', or the error."""
        code = f"""
import asyncio
from aiokafka import AIOKafkaConsumer
async def main():
    c = AIOKafkaConsumer({topic!r}, bootstrap_servers="kafka:9092", group_id={user + ".rehearsal"!r},
        security_protocol="SASL_PLAINTEXT", sasl_mechanism="SCRAM-SHA-512",
        sasl_plain_username={user!r}, sasl_plain_password={password!r},
        auto_offset_reset="earliest", enable_auto_commit=False)
    try:
        await c.start()
        got = await c.getmany(timeout_ms=15000, max_records=50)
        n = sum(len(v) for v in got.values())
        if n:
            await c.commit()
        print(f"read {{n}}")
    except Exception as err:
        print(f"error {{type(err).__name__}}: {{err}}")
    finally:
        await c.stop()
asyncio.run(main())
"""
        out = podman(
            "run", "--rm", "--network", f"{self.compose.project}_default",
            "localhost/asn-surveys:rehearsal", "python3", "-c", code,
        )  # fmt: skip
        return out.strip().splitlines()[-1] if out.strip() else "no output"

    def psql(self, database: str, sql: str) -> str:
        out = self.compose.run(
            "exec", "-T", "postgres", "psql", "-U", "asn", "-d", database, "-Atc", sql,
            capture=True,
        )  # fmt: skip
        return out.strip()

    def backup_and_restore(self) -> None:
        """The guide's backup; then answers arrive; then the guide restores recommendations'
        database and rewinds its offsets: it re-reads the answers since the backup and ends
        where it was, each answer applied once."""
        started = time.monotonic()
        self.operator.run("backup")
        dumps = sorted(p.name for p in (self.operator.folder / "backup").glob("*.dump"))
        if "asn_recommendations.dump" not in dumps:
            raise StepFailed(f"the backup holds no database of recommendations: {dumps}")
        at_backup = int(self.psql("asn_recommendations", APPLIED_ANSWERS))
        self._answers(40)
        applied = self._wait_applied(at_backup + 40, 300)
        oid = self.psql(
            "postgres", "SELECT oid FROM pg_database WHERE datname = 'asn_recommendations'"
        )
        out = self.operator.run("restore")
        new_oid = self.psql(
            "postgres", "SELECT oid FROM pg_database WHERE datname = 'asn_recommendations'"
        )
        if new_oid == oid:
            raise StepFailed("asn_recommendations was not restored (same database)")
        self._wait_applied(applied, 300)
        time.sleep(5)  # anything applied twice would show now
        final = int(self.psql("asn_recommendations", APPLIED_ANSWERS))
        if final != applied:
            raise StepFailed(f"after the restore recommendations counts {final}, not {applied}")
        log(
            f"backup: {len(dumps)} databases and the offsets; restore: recommendations' "
            f"database back to {at_backup} answers, replayed to {final} (each once); "
            f"{out.count('asn.')} partitions rewound"
        )
        self._timed("backup and restore", started)

    def _answers(self, n: int) -> list[str]:
        wait_for_issuer(ISSUER, timeout_s=300)  # a step before may have recreated Keycloak
        kiosk = {"Authorization": f"Bearer {token(self.kiosk_client)}"}
        refs = [f"rehearsal-{uuid.uuid4()}" for _ in range(n)]
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            list(
                pool.map(
                    lambda a: _submit_until_accepted(kiosk, *a),
                    [(r, i) for i, r in enumerate(refs)],
                )
            )
        return refs

    def _wait_applied(self, expected: int, timeout_s: float) -> int:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                got = int(self.psql("asn_recommendations", APPLIED_ANSWERS))
            except RuntimeError:
                got = -1  # restarting
            if got == expected:
                return got
            if got > expected or time.monotonic() > deadline:
                raise StepFailed(f"recommendations counts {got} answers, expected {expected}")
            time.sleep(2)

    def upgrade(self) -> None:
        """A new release replaces the services one at a time while answers arrive: each
        container is new, every answer is counted once."""
        started = time.monotonic()
        before = {s: self.compose.container_id(s) for s in (*APP, "console")}
        applied = int(self.psql("asn_recommendations", APPLIED_ANSWERS))
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            answers = pool.submit(self._answers, 60)
            self.operator.run("upgrade", env={"ASN_RELEASE": f"rehearsal-{uuid.uuid4().hex[:8]}"})
            answers.result()
        after = {s: self.compose.container_id(s) for s in before}
        same = [s for s in before if before[s] == after[s]]
        if same:
            raise StepFailed(f"the upgrade did not replace {same}")
        self._wait_applied(applied + 60, 300)
        log(
            "upgrade: every service replaced one at a time; 60 answers during it, each counted once"
        )
        self._timed("upgrade", started)

    def rotate(self) -> None:
        """New Kafka password for surveys and a new PostgreSQL password: the old Kafka one is
        refused, answers still flow."""
        started = time.monotonic()
        old = env_values(self.compose.env_file)["KAFKA_PASSWORD_SURVEYS"]
        self.operator.run("rotate")
        new = env_values(self.compose.env_file)["KAFKA_PASSWORD_SURVEYS"]
        # aiokafka reports a refused SASL login as a failed bootstrap; the new password, from
        # the same container, shows that the broker itself is reachable
        topic = "asn.surveys.survey-submitted.v1"
        with_new = self.kafka_probe("svc-surveys", new, topic)
        with_old = self.kafka_probe("svc-surveys", old, topic)
        if new == old or "Unable to bootstrap" in with_new:
            raise StepFailed(f"surveys' new Kafka password does not log in: {with_new}")
        if "Unable to bootstrap" not in with_old:
            raise StepFailed(f"the old Kafka password of surveys still works: {with_old}")
        wait_for_issuer(ISSUER, timeout_s=300)  # recreated too: its port opens after /health
        applied = int(self.psql("asn_recommendations", APPLIED_ANSWERS))
        self._answers(5)
        self._wait_applied(applied + 5, 300)
        log("rotate: the old password refused; answers flow with the new ones")
        self._timed("rotate", started)

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
        self.compose.wait_healthy(["kafka", "surveys"], 300)
        expected = dict(before["responses"])
        expected[FAULT_UNIT] += FAULT_ANSWERS
        after = self._wait_for(lambda s: s["responses"] == expected, 300)
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
        before = self.snapshot()
        self.up("down-up", services, timeout_s, "second up (volumes kept)")
        after = self.snapshot()
        if after != before:
            diff = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
            raise StepFailed(f"data changed across down/up: {diff}")
        log("down/up kept IKM counts, roster, JP, programmes and nudges")


def _json_documents(text: str) -> list[Any]:
    """The JSON documents printed one after another (curl prints no newline between them)."""
    decoder = json.JSONDecoder()
    docs: list[Any] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        doc, i = decoder.raw_decode(text, i)
        docs.append(doc)
    return docs


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
