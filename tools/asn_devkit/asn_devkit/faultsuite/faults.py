"""The platform, supervised, with faults: one at a time, at seeded moments.

The harness starts the launcher's `Platform` in this process on free ports and its own data
directory (embedded Apache Kafka with SASL/ACLs, embedded PostgreSQL, the development identity
provider, the services as processes), with a thread that calls `supervise_once()` and, in the
faulted run, injects one fault at a time: SIGKILL of each service process, SIGKILL of Kafka
(restarted on its data), PostgreSQL stopped and started again, and one service's database
connections cut (`pg_terminate_backend`).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from asn_devkit.faultsuite.log import log
from asn_devkit.launcher import Platform
from asn_devkit.testing import service_base_port

KILLABLE = ("surveys", "enrollment", "recommendations", "console", "webhooks")
_ENV_CLEARED = ("DATABASE_URL", "ASN_DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "ASN_OIDC_ISSUER",
                "ASN_DATABASE_PREFIX", "ASN_EMBEDDED_BROKER")  # fmt: skip


@dataclass
class Fault:
    kind: str  # kill:<service> | kill:kafka | stop:postgres | cut:<service>
    at_s: float = 0.0  # seconds since the run started
    at_event: int = 0  # events the load had sent
    recovered_s: float = 0.0


@dataclass
class Harness:
    data_dir: Path
    faults: list[str] = field(default_factory=list)  # kinds, in order; empty: no faults
    seed: int = 16
    extra_env: dict[str, str] = field(default_factory=dict)
    platform: Platform | None = None
    injected: list[Fault] = field(default_factory=list)
    started: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    errors: list[str] = field(default_factory=list)
    group_topics: dict[str, set[str]] = field(default_factory=dict)  # group -> topics it reads
    # Faults are due at seeded points of the load (events sent), so each lands while the load
    # runs whatever the machine's speed; the load waits out what a fault breaks.
    triggers: list[int] = field(default_factory=list)
    progress: Any = None  # () -> events sent so far (set by the load)
    # Long form: no load points; the next fault comes a seeded 5-20 s after the last recovered,
    # round after round of the plan, until `stop_faults` is set.
    timed_faults: bool = False
    stop_faults: bool = False

    def start(self) -> None:
        base = service_base_port(count=14)
        self.platform = Platform(
            data_dir=self.data_dir, base_port=base, kafka_port=base + 12, pg_port=base + 13
        )
        saved = {k: os.environ.pop(k) for k in _ENV_CLEARED if k in os.environ}
        saved.update({k: os.environ[k] for k in self.extra_env if k in os.environ})
        os.environ.update({"ASN_LOG_LEVEL": "WARNING", **self.extra_env})
        os.environ["ASN_EMBEDDED_BROKER"] = "kafka"
        try:
            self.platform.start_infrastructure()
            self.platform.start_identity()
            self.platform.start_services()
        finally:
            for k in (*_ENV_CLEARED, "ASN_LOG_LEVEL", *self.extra_env):
                os.environ.pop(k, None)
            os.environ.update(saved)
        if not self.platform.wait_ready(120):
            raise RuntimeError(f"platform not ready; logs in {self.data_dir}")
        self.started = time.monotonic()
        self._thread = threading.Thread(target=self._loop, name="supervisor", daemon=True)
        self._thread.start()

    @property
    def p(self) -> Platform:
        assert self.platform is not None
        return self.platform

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def db_url(self, service: str) -> str:
        return self.p.database_url.rsplit("/", 1)[0] + f"/asn_{service}"

    def healthy(self) -> bool:
        p = self.p
        if p.kafka is None or not p.kafka.alive() or p.postgres is None:
            return False
        if p.postgres.stale_pid() is None:
            return False
        try:
            with httpx.Client(timeout=2.0) as c:
                return all(
                    s.alive() and c.get(f"{s.url}/ready").status_code == 200 for s in p.services
                )
        except httpx.HTTPError:
            return False

    def next_trigger(self) -> int | None:
        """The load point of the next fault not yet injected (None: all injected)."""
        n = len(self.injected)
        if self.timed_faults:
            return None
        return self.triggers[n] if n < len(self.faults) else None

    def faults_done(self) -> bool:
        if self.timed_faults:
            return all(f.recovered_s for f in self.injected)
        return len(self.injected) == len(self.faults) and all(f.recovered_s for f in self.injected)

    def _due(self, done: int, next_at: float) -> bool:
        if self.timed_faults:
            return not self.stop_faults and time.monotonic() >= next_at
        return done >= self.triggers[len(self.injected)]

    def _loop(self) -> None:
        rng = random.Random(f"faults:{self.seed}:moments")
        pending = list(self.faults)
        current: Fault | None = None
        next_at = time.monotonic() + rng.uniform(5.0, 20.0)
        while not self._stop.is_set():
            try:
                if current is not None and self.healthy():
                    current.recovered_s = self.elapsed()
                    log(f"fault {current.kind} recovered at {current.recovered_s:.1f}s")
                    current = None
                    next_at = time.monotonic() + rng.uniform(5.0, 20.0)
                done = self.progress() if self.progress is not None else -1
                if current is None and pending and self._due(done, next_at):
                    current = Fault(pending.pop(0), self.elapsed(), at_event=done)
                    self.injected.append(current)
                    log(f"fault {current.kind} at {current.at_s:.1f}s")
                    self._inject(current.kind, rng)
                self.p.supervise_once()
            except Exception as err:  # keep supervising whatever one step did
                self.errors.append(f"{type(err).__name__}: {err}")
            self._stop.wait(0.3)

    def _inject(self, kind: str, rng: random.Random) -> None:
        what, _, target = kind.partition(":")
        p = self.p
        if kind == "kill:kafka":
            assert p.kafka is not None and p.kafka.proc is not None
            os.kill(p.kafka.proc.pid, signal.SIGKILL)
            p.kafka.proc.wait()
        elif what == "kill":
            svc = next(s for s in p.services if s.name == target)
            assert svc.proc is not None
            os.kill(svc.proc.pid, signal.SIGKILL)
            svc.proc.wait()
        elif kind == "stop:postgres":
            assert p.postgres is not None
            p.postgres.stop()
            time.sleep(rng.uniform(1.0, 3.0))  # an outage, not a blink; supervise_once starts it
        elif what == "cut":
            asyncio.run(self._cut(target))

    async def _cut(self, service: str) -> None:
        conn = await asyncpg.connect(self.p.database_url)
        try:
            n = await conn.fetchval(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = $1 AND application_name = 'asn-platform'",  # the service's own
                f"asn_{service}",
            )
            log(f"cut {n} connection(s) of {service}")
        finally:
            await conn.close()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(90)
        if self.platform is not None:
            self.platform.stop()

    # -- the soak's figures ----------------------------------------------------------------------
    def pids(self) -> dict[str, int]:
        return {s.name: s.proc.pid for s in self.p.services if s.proc is not None and s.alive()}


EVENTS_PER_ROUND = 120  # about what one round sends (the report prints the real figure)


def fault_triggers(seed: int, count: int, rounds: int) -> list[int]:
    """Seeded points of the load (events sent) at which the faults fall due, in order."""
    rng = random.Random(f"faults:{seed}:triggers")
    span = range(3, max(count + 4, int(EVENTS_PER_ROUND * rounds * 0.85)))
    return sorted(rng.sample(span, count))


def fault_plan(seed: int, rounds: int = 1) -> list[str]:
    """Every fault once per round, in a seeded order; the database cut hits a seeded service."""
    out: list[str] = []
    for r in range(rounds):
        rng = random.Random(f"faults:{seed}:plan:{r}")
        kinds = [f"kill:{s}" for s in KILLABLE] + ["kill:kafka", "stop:postgres"]
        kinds.append(f"cut:{rng.choice(('surveys', 'enrollment', 'recommendations'))}")
        rng.shuffle(kinds)
        out += kinds
    return out
