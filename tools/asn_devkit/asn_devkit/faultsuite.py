"""The fault suite: the whole platform under a seeded mixed load while processes are killed, and
its end state compared with a fault-free reference run on the same input.

One run (`run_once`) starts the launcher's `Platform` in this process on free ports and its own
data directory (embedded Apache Kafka with SASL/ACLs, embedded PostgreSQL, the development
identity provider, the services as processes), with a thread that calls `supervise_once()` and,
in the faulted run, injects one fault at a time at seeded moments:
SIGKILL of each service process, SIGKILL of Kafka (restarted on its data), PostgreSQL stopped
and started again, and one service's database connections cut (`pg_terminate_backend`).

The load is rounds of: roster changes (enrollment API); survey answers over HTTP (kiosk token,
fixed `client_ref`, some sent twice) and over the Kafka intake topic (some records produced
twice, some sent again under a new event id); then, as the invitations appear, acceptances, a
decline, attendance and completion (enrollment API, as the demo does: no completion time, so the
service stamps it); then already-published records produced again verbatim (the inboxes must
drop them). Each round waits until the platform is quiet before the next, so the effects whose
outcome depends on order (a cohort chosen from the roster and JP balances of that moment; the
score a gap was detected at) see the same history in both runs. Inside a round, each unit's
answers go through one channel, in order, so the moment a gap crosses the threshold is the same.

The end state is read from the services' databases, normalised (generated ids mapped to natural
keys; timestamps and event ids dropped), and compared table by table: lost (a key of the
reference missing), duplicated (a key more often than in the reference) and divergent (the same
key with other values, or a key the reference does not have).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import random
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from asn_devkit.demo import client as demo_client
from asn_devkit.demo import scenario
from asn_devkit.launcher import Platform
from asn_devkit.testing import launcher_client_options, service_base_port
from asn_platform import topics
from asn_platform.contracts import ResponseIntake
from asn_platform.envelope import encode
from asn_platform.timezone import JAKARTA

DB_SERVICES = ("surveys", "enrollment", "recommendations", "webhooks")
KILLABLE = ("surveys", "enrollment", "recommendations", "console", "webhooks")
# Units whose U7 answers are planned low (a gap each); the others get answers that pass.
FAILING_UNITS = ("disdukcapil", "kec-ciputat", "disnaker", "kec-pamulang", "dinkes", "disdik")
PASSING_HTTP = "dpmptsp"
PASSING_KAFKA = "puskesmas-pamulang"
FAILING_MEANS = dict(scenario.PLANS[0].means)
PASSING_MEANS = dict(scenario.PLANS[1].means)
REDELIVER_TOPICS = (
    topics.RESPONSE_INTAKE,
    topics.SURVEY_SUBMITTED,
    topics.SERVICE_GAP_DETECTED,
    topics.PROGRAMME_SCHEDULED,
    topics.ENROLLMENT_CHANGED,
    topics.TRAINING_COMPLETED,
    topics.ASN_PROFILE_CHANGED,
)
_ENV_CLEARED = ("DATABASE_URL", "ASN_DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "ASN_OIDC_ISSUER",
                "ASN_DATABASE_PREFIX", "ASN_EMBEDDED_BROKER")  # fmt: skip
DECLINE = "Bentrok dengan tugas pelayanan di loket; mohon angkatan berikutnya."


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --- the platform, supervised, with faults -------------------------------------------------------


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


# --- reading the state -------------------------------------------------------------------------

_KEEP_AT = {"starts_at", "ends_at"}
_DROP = {"event_id", "trigger_event_id", "response_id", "waitlist_position", "audit_id", "at"}
# table -> the columns naming an effect (after ids are mapped); the rest are its values.
TABLES: dict[str, dict[str, tuple[str, ...]]] = {
    "surveys": {
        "units": ("unit_id",),
        "responses": ("unit_id", "client_ref"),
        "ikm_buckets": ("unit_id", "period_key", "service"),
        "gap_state": ("unit_id", "period_key", "element"),
    },
    "enrollment": {
        "civil_servants": ("nip",),
        "sessions": ("scheduled_programme_id", "session_ref"),
        "enrollments": ("id",),
        "enrollment_history": ("enrollment_id", "from_status", "to_status"),
        "jp_entries": ("enrollment_id",),
        "scheduled_programmes": ("scheduled_programme_id",),
    },
    "recommendations": {
        "rm_profiles": ("nip",),
        "rm_gaps": ("gap_key",),
        "rm_element_counts": ("unit_id", "element", "period"),
        "rm_completions": ("enrollment_id",),
        "rm_enrollments": ("enrollment_id",),
        "rm_non_attendance": ("enrollment_id", "status"),
        "rm_bookings": ("scheduled_programme_id", "session_ref", "nip"),
        "gap_decisions": ("gap_key",),
        "scheduled_programmes": ("scheduled_programme_id",),
        "scheduled_sessions": ("scheduled_programme_id", "session_ref"),
        "nudges": ("nip", "programme_code", "attempt"),
        "nudge_escalations": ("nip", "programme_code", "reminders_sent"),
        "pending_nudges": ("nip", "programme_code"),
        "issued_recommendations": ("nip", "cause"),
    },
}

Rows = dict[str, list[dict[str, Any]]]  # "service.table" -> normalised rows


async def _retrying(url: str, work: Any, timeout_s: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            conn = await asyncpg.connect(url, timeout=5)
            try:
                return await work(conn)
            finally:
                await conn.close()
        except (
            OSError,
            asyncpg.PostgresError,
            asyncpg.InterfaceError,
            asyncpg.InternalClientError,
            TimeoutError,
        ):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(1.0)


async def read_state(h: Harness) -> Rows:
    async def ids(conn: asyncpg.Connection) -> dict[str, str]:
        out = {}
        for r in await conn.fetch("SELECT id, scheduled_programme_id, session_ref, "
                                  "programme_code, starts_at FROM sessions"):  # fmt: skip
            out[str(r["id"])] = (
                f"session:{r['scheduled_programme_id']}/{r['session_ref']}"
                if (r["scheduled_programme_id"])
                else f"session:{r['programme_code']}@{r['starts_at']}"
            )
        for r in await conn.fetch("SELECT id, session_id, nip FROM enrollments"):
            out[str(r["id"])] = f"enrollment:{r['nip']}@{out[str(r['session_id'])]}"
        return out

    mapping = await _retrying(h.db_url("enrollment"), ids)
    state: Rows = {}
    for service, tables in TABLES.items():

        async def fetch(conn: asyncpg.Connection, tables: Any = tables) -> dict[str, list[str]]:
            return {
                t: [r[0] for r in await conn.fetch(f"SELECT to_jsonb(x)::text FROM {t} x")]
                for t in tables
            }

        raw = await _retrying(h.db_url(service), fetch)
        for table, rows in raw.items():
            state[f"{service}.{table}"] = [_normalise(json.loads(r), mapping) for r in rows]
    return state


def _normalise(row: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    out = {}
    for k, v in row.items():
        if k in _DROP or (k.endswith("_at") and k not in _KEEP_AT):
            continue
        if k == "id" and not isinstance(v, str):
            continue  # bigserial
        out[k] = _map(v, mapping)
    return out


def _map(v: Any, mapping: dict[str, str]) -> Any:
    if isinstance(v, str):
        return mapping.get(v, v)
    if isinstance(v, list):
        return [_map(x, mapping) for x in v]
    if isinstance(v, dict):
        return {k: _map(x, mapping) for k, x in v.items()}
    return v


@dataclass
class Diff:
    lost: int = 0
    duplicated: int = 0
    divergent: int = 0
    rows: int = 0
    examples: list[str] = field(default_factory=list)


def _grouped(rows: list[dict[str, Any]], key_cols: tuple[str, ...]) -> dict[str, Counter[str]]:
    """key -> the multiset of the rows' other values."""
    g: dict[str, Counter[str]] = {}
    for row in rows:
        key = json.dumps([row.get(c) for c in key_cols], default=str)
        rest = {k: v for k, v in row.items() if k not in key_cols}
        g.setdefault(key, Counter())[json.dumps(rest, sort_keys=True, default=str)] += 1
    return g


def compare(reference: Rows, run: Rows) -> dict[str, Diff]:
    out: dict[str, Diff] = {}
    for name, ref_rows in reference.items():
        service, table = name.split(".")
        key_cols = TABLES[service][table]
        diff = Diff(rows=len(ref_rows))
        ref, got = _grouped(ref_rows, key_cols), _grouped(run.get(name, []), key_cols)
        for key in sorted(set(ref) | set(got)):
            r, g = ref.get(key, Counter()), got.get(key, Counter())
            nr, ng = sum(r.values()), sum(g.values())
            if ng < nr:
                diff.lost += nr - ng
            elif ng > nr:
                diff.duplicated += ng - nr
            diverged = sum(((g - r) if nr else g).values()) - max(0, ng - nr)
            diff.divergent += max(0, diverged)
            if (ng != nr or diverged > 0) and len(diff.examples) < 3:
                diff.examples.append(f"{key}: reference {dict(r)} vs run {dict(g)}"[:600])
        out[name] = diff
    return out


# --- quiet ---------------------------------------------------------------------------------------


def consumer_lag(h: Harness) -> dict[str, int]:
    """Lag per consumer group, via the admin client: committed offsets against the log end, and
    a partition of a topic the group reads but has never committed on counts from the log start
    (the first event on a topic, while its consumer is down, is lag too). The topics a group
    reads are remembered from its members' assignments, which a killed service no longer shows."""
    from confluent_kafka import ConsumerGroupTopicPartitions
    from confluent_kafka import TopicPartition as CTP
    from confluent_kafka.admin import AdminClient, OffsetSpec

    assert h.p.kafka is not None
    admin = AdminClient({**h.p.kafka.admin_config(), "log_level": 0})
    groups = [g.group_id for g in admin.list_consumer_groups(request_timeout=5).result(10).valid]
    if groups:
        for gid, fut in admin.describe_consumer_groups(groups, request_timeout=10).items():
            for m in fut.result(timeout=10).members:
                if m.assignment is not None:
                    h.group_topics.setdefault(gid, set()).update(
                        tp.topic for tp in m.assignment.topic_partitions
                    )
    metadata = admin.list_topics(timeout=10).topics
    lag: dict[str, int] = {}
    for gid in groups:
        futures = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(gid)])
        committed = {(tp.topic, tp.partition): tp.offset
                     for tp in futures[gid].result(timeout=10).topic_partitions
                     if tp.offset >= 0}  # fmt: skip
        read = {t for t in h.group_topics.get(gid, set()) if t in metadata
                and not t.startswith(topics.INTERNAL_PREFIX) and not t.endswith(".dlq")}  # fmt: skip
        wanted = set(committed) | {(t, p) for t in read for p in metadata[t].partitions}
        if not wanted:
            lag[gid] = 0
            continue
        ends = admin.list_offsets({CTP(t, p): OffsetSpec.latest() for t, p in wanted},
                                  request_timeout=10)  # fmt: skip
        missing = wanted - set(committed)
        starts = admin.list_offsets({CTP(t, p): OffsetSpec.earliest() for t, p in missing},
                                    request_timeout=10) if missing else {}  # fmt: skip
        total = 0
        for t, p in wanted:
            end = ends[CTP(t, p)].result(timeout=10).offset
            begin = committed.get((t, p))
            if begin is None:
                begin = starts[CTP(t, p)].result(timeout=10).offset
            total += max(0, end - begin)
        lag[gid] = total
    return lag


async def outbox_pending(h: Harness) -> dict[str, int]:
    out = {}
    for s in DB_SERVICES:

        async def count(conn: asyncpg.Connection) -> int:
            return int(await conn.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL"))

        out[s] = await _retrying(h.db_url(s), count)
    return out


class Stalled(TimeoutError):
    """The platform did not get quiet: what was still pending, per service and group."""


async def wait_quiet(h: Harness, what: str, timeout_s: float = 150.0) -> None:
    """Every process up and ready, outboxes empty, every group's lag zero, and the state the
    same twice in a row."""
    deadline = time.monotonic() + timeout_s
    last: Rows | None = None
    seen = "nothing checked yet"
    while True:
        try:
            if not await asyncio.to_thread(h.healthy):
                raise RuntimeError("not every process is up and ready")
            pending = await outbox_pending(h)
            lag = await asyncio.to_thread(consumer_lag, h)
            quiet = not sum(pending.values()) and not sum(lag.values())
            seen = (f"outbox pending {pending}, lag "
                    f"{ {g: n for g, n in lag.items() if n} }")  # fmt: skip
        except Exception as err:  # broker or database coming back
            quiet = False
            seen = f"{type(err).__name__}: {err}"
        if quiet:
            state = await read_state(h)
            if state == last:
                return
            last = state
        else:
            last = None
        if time.monotonic() > deadline:
            raise Stalled(f"not quiet {timeout_s:.0f}s after {what}: {seen}")
        await asyncio.sleep(1.0)


# --- the load ------------------------------------------------------------------------------------


@dataclass
class Sent:
    http: int = 0
    http_resent: int = 0
    kafka: int = 0
    kafka_redelivered: int = 0
    roster: int = 0
    transitions: int = 0
    redelivered_events: int = 0
    retries: int = 0

    def total(self) -> int:
        return (self.http + self.http_resent + self.kafka + self.kafka_redelivered + self.roster
                + self.transitions + self.redelivered_events)  # fmt: skip


class Load:
    """The seeded load, the same in both runs (nothing in it depends on timing)."""

    def __init__(
        self, h: Harness, seed: int, rounds: int, rate: float, until: float | None = None
    ) -> None:
        self.h, self.seed, self.rounds, self.rate = h, seed, rounds, rate
        self.until = until  # long form: rounds go on until this monotonic time (the reference
        # run then does as many rounds as the faulted one did)
        self.rounds_done = 0
        self.stalled = ""
        self.sent = Sent()
        self.urls = demo_client.Urls.on_base_port(h.p.base_port)
        self.kafka_opts = launcher_client_options(h.data_dir)
        self.headers: dict[str, str] = {}
        self.kiosk: dict[str, str] = {}
        h.progress = self.sent.total

    def tokens(self) -> None:
        api = demo_client.Api(self.urls)
        self.headers = {"Authorization": str(api.client.headers["Authorization"])}
        self.kiosk = dict(api.kiosk_headers)
        api.close()

    async def call(self, service: str, method: str, path: str, *, ok: tuple[int, ...] = (200, 201),
                   kiosk: bool = False, **kw: Any) -> httpx.Response:  # fmt: skip
        """One request, again until it gets an answer in `ok` (or a 409/404 the caller reads):
        a connection refused, a 5xx or 503 while a fault lasts is waited out."""
        await self.checkpoint()
        deadline = time.monotonic() + 180
        while True:
            try:
                headers = self.kiosk if kiosk else self.headers
                r = await self.client.request(
                    method, self.urls.of(service) + path, headers=headers, **kw
                )
                if r.status_code in ok or r.status_code in (404, 409, 422):
                    return r
                if r.status_code == 401:
                    await asyncio.to_thread(self.tokens)
            except (httpx.HTTPError, demo_client.DemoError):
                pass
            self.sent.retries += 1
            if time.monotonic() > deadline:
                raise RuntimeError(f"{method} {path}: no answer for 180 s")
            await asyncio.sleep(1.0)

    async def checkpoint(self) -> None:
        """At a fault's load point, wait until it is injected (after the one before recovered):
        every fault then strikes while the load runs, and the load goes on through it."""
        # The supervisor thread injects it: polled, as an asyncio.Event cannot cross threads.
        while (due := self.h.next_trigger()) is not None and self.sent.total() >= due:  # noqa: ASYNC110
            await asyncio.sleep(0.1)

    async def run(self) -> Sent:
        await asyncio.to_thread(self.tokens)
        self.producer = AIOKafkaProducer(
            bootstrap_servers=self.h.p.bootstrap, acks="all", request_timeout_ms=15000,
            **self.kafka_opts,
        )  # fmt: skip
        await self.producer.start()
        try:
            async with httpx.AsyncClient(timeout=20.0) as self.client:
                r = 0
                while (r < self.rounds) if self.until is None else (time.monotonic() < self.until):
                    try:
                        await self.round(r)
                    except Stalled as err:  # the rest of the load could not go on: report it
                        self.stalled = str(err)
                        log(f"STALLED: {err}")
                        break
                    r += 1
                    self.rounds_done = r
        finally:
            await self.producer.stop()
        return self.sent

    async def round(self, r: int) -> None:
        rng = random.Random(f"faults:{self.seed}:round:{r}")
        failing = FAILING_UNITS[r % len(FAILING_UNITS)] if r < len(FAILING_UNITS) else None
        log(f"round {r}: roster ({failing or 'no failing unit'})")
        if failing:
            await self.roster(rng, failing, r)
            await wait_quiet(self.h, f"round {r} roster")
        log(f"round {r}: survey answers")
        await self.surveys(rng, r, failing)
        if failing:
            await self.wait_decided(failing)
        await wait_quiet(self.h, f"round {r} surveys")
        if failing:
            log(f"round {r}: invitations")
            await self.answer(rng, failing)
            await wait_quiet(self.h, f"round {r} answers")
            await self.complete(failing)
        log(f"round {r}: redelivered events")
        await self.redeliver(rng)
        await wait_quiet(self.h, f"round {r} end")

    # -- roster ------------------------------------------------------------------------------
    async def roster(self, rng: random.Random, unit: str, r: int) -> None:
        staff = (await self.call("enrollment", "GET", "/api/v1/asn",
                                 params={"unit_id": unit, "limit": 1000})).json()["items"]  # fmt: skip
        unit_bidang = staff[0]["bidang"]
        for i in range(2):
            nip = f"1991{(i % 12) + 1:02d}1{rng.randint(1, 9)}2016{(r % 12) + 1:02d}1{900 + r * 10 + i}"
            body = {"nip": nip, "name": f"Pegawai Uji {r}-{i}", "unit_id": unit,
                    "bidang": unit_bidang, "position": "Pengadministrasi Umum",
                    "position_type": "pelaksana", "rank": "II/c"}  # fmt: skip
            resp = await self.call("enrollment", "POST", "/api/v1/asn", json=body)
            if resp.status_code not in (201, 409):
                raise RuntimeError(f"roster add: {resp.status_code} {resp.text[:300]}")
            self.sent.roster += 1
        pelaksana = sorted(p["nip"] for p in staff if p["position_type"] == "pelaksana"
                           and p["active"])  # fmt: skip
        if len(pelaksana) >= 2:
            moved, promoted = rng.sample(pelaksana, 2)
            await self.call("enrollment", "DELETE", f"/api/v1/asn/{moved}")
            await self.call("enrollment", "PATCH", f"/api/v1/asn/{promoted}",
                            json={"rank": "III/a", "position": "Analis Pelayanan"})  # fmt: skip
            self.sent.roster += 2

    # -- survey answers ------------------------------------------------------------------------
    async def unit_services(self, unit: str) -> tuple[list[str], str]:
        await self.call("surveys", "PATCH", f"/api/v1/units/{unit}",
                        json={"served_per_month": scenario.DEMO_SERVED_PER_MONTH})  # fmt: skip
        u = (await self.call("surveys", "GET", f"/api/v1/ikm/units/{unit}")).json()
        info = (await self.call("surveys", "GET", f"/api/v1/units/{unit}")).json()
        return list(info["services"]), u["period"]["key"]

    def answers(self, unit: str, means: dict[str, float], services: list[str], period: str,
                n: int, r: int) -> list[dict[str, Any]]:  # fmt: skip
        bodies = scenario.survey_answers(scenario.UnitPlan(unit, means), services, period, n)
        for i, b in enumerate(bodies):
            b["client_ref"] = f"faults-{self.seed}-r{r}-{unit}-{i:03d}"
        return bodies

    async def surveys(self, rng: random.Random, r: int, failing: str | None) -> None:
        n = scenario.MIN_RESPONSES + 2
        http_units = [(PASSING_HTTP, PASSING_MEANS)] + (
            [(failing, FAILING_MEANS)] if failing else []
        )
        jobs = []
        for unit, means in http_units:
            services, period = await self.unit_services(unit)
            jobs.append(self.send_http(rng, self.answers(unit, means, services, period, n, r)))
        services, period = await self.unit_services(PASSING_KAFKA)
        jobs.append(self.send_kafka(rng, self.answers(PASSING_KAFKA, PASSING_MEANS, services,
                                                      period, n, r)))  # fmt: skip
        await asyncio.gather(*jobs)

    async def pace(self) -> None:
        await asyncio.sleep(1.0 / self.rate)

    async def send_http(self, rng: random.Random, bodies: list[dict[str, Any]]) -> None:
        # In order, one at a time: the answer that crosses a threshold is the same every run.
        for i, body in enumerate(bodies):
            resp = await self.call("surveys", "POST", "/api/v1/responses", json=body, kiosk=True,
                                   ok=(200, 201))  # fmt: skip
            if resp.status_code not in (200, 201):
                raise RuntimeError(f"response: {resp.status_code} {resp.text[:300]}")
            self.sent.http += 1
            if i % 5 == 2:  # the kiosk did not see the answer and sends it again
                await self.call("surveys", "POST", "/api/v1/responses", json=body, kiosk=True)
                self.sent.http_resent += 1
            await self.pace()

    async def produce(self, topic: str, value: bytes, key: bytes | None, headers: Any,
                      partition: int | None = None) -> None:  # fmt: skip
        await self.checkpoint()
        deadline = time.monotonic() + 180
        while True:
            try:
                await self.producer.send_and_wait(topic, value, key=key, headers=headers,
                                                  partition=partition)  # fmt: skip
                return
            except Exception:  # broker away: the same record again (a duplicate is allowed)
                self.sent.retries += 1
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(1.0)

    async def send_kafka(self, rng: random.Random, bodies: list[dict[str, Any]]) -> None:
        for i, body in enumerate(bodies):
            event = ResponseIntake.model_validate(
                {**body, "submitted_at": datetime.now(JAKARTA).replace(microsecond=0)}
            )
            rec = encode(event, source="/faults/kiosk")
            await self.produce(rec.topic, rec.value, rec.key, rec.headers)
            self.sent.kafka += 1
            if i % 4 == 1:  # the same record twice (at-least-once producer)
                await self.produce(rec.topic, rec.value, rec.key, rec.headers)
                self.sent.kafka_redelivered += 1
            if i % 4 == 3:  # the kiosk sends the answer again: new event id, same client_ref
                again = encode(event, source="/faults/kiosk")
                await self.produce(again.topic, again.value, again.key, again.headers)
                self.sent.kafka_redelivered += 1
            await self.pace()

    async def wait_decided(self, unit: str, timeout_s: float = 240.0) -> None:
        """recommendations decided the unit's gaps (its U7 answers are planned low)."""
        deadline = time.monotonic() + timeout_s

        async def decided(conn: asyncpg.Connection) -> int:
            return int(await conn.fetchval(
                "SELECT count(*) FROM gap_decisions WHERE unit_id = $1", unit))  # fmt: skip

        while not await _retrying(self.h.db_url("recommendations"), decided):
            if time.monotonic() > deadline:
                raise TimeoutError(f"no decision on the gaps of {unit}")
            await asyncio.sleep(1.0)

    # -- invitations, attendance, completion -----------------------------------------------------
    async def enrollments_of(self, unit: str) -> list[asyncpg.Record]:
        async def rows(conn: asyncpg.Connection) -> list[asyncpg.Record]:
            return list(await conn.fetch(
                "SELECT e.id, e.nip, e.status FROM enrollments e JOIN civil_servants c "
                "USING (nip) WHERE c.unit_id = $1 ORDER BY e.nip, e.scheduled_programme_id",
                unit))  # fmt: skip

        return await _retrying(self.h.db_url("enrollment"), rows)

    async def transition(self, enrollment_id: Any, body: dict[str, Any]) -> str:
        """The status after the change; a retry of a change that committed gets a 409 with the
        status it already has, which counts as done."""
        resp = await self.call("enrollment", "POST", f"/api/v1/enrollments/{enrollment_id}/"
                               "transitions", json=body)  # fmt: skip
        self.sent.transitions += 1
        if resp.status_code == 200:
            return str(resp.json()["status"])
        got = await self.call("enrollment", "GET", f"/api/v1/enrollments/{enrollment_id}")
        return str(got.json()["status"])

    async def answer(self, rng: random.Random, unit: str) -> None:
        invited = [e for e in await self.enrollments_of(unit) if e["status"] == "invited"]
        if not invited:
            return
        declined = rng.choice(invited)["id"]
        for e in invited:
            if e["id"] == declined:
                await self.transition(e["id"], {"to": "declined", "reason": DECLINE})
            else:
                await self.transition(e["id"], {"to": "enrolled"})

    async def complete(self, unit: str) -> None:
        for e in await self.enrollments_of(unit):
            if e["status"] != "enrolled":
                continue
            status = await self.transition(e["id"], {"to": "attended"})
            if status == "attended":
                await self.transition(e["id"], {"to": "completed",
                                                "score": scenario.score_for(e["nip"])})  # fmt: skip

    # -- redelivered events -----------------------------------------------------------------
    async def redeliver(self, rng: random.Random, per_topic: int = 3) -> None:
        """Records already published, produced again verbatim (same ce_id): inboxes drop them."""
        for topic in REDELIVER_TOPICS:
            found = await self.records_retrying(topic)
            found.sort(key=lambda m: (m.partition, m.offset))
            for m in rng.sample(found, min(per_topic, len(found))):
                await self.produce(m.topic, m.value, m.key, list(m.headers), m.partition)
                self.sent.redelivered_events += 1

    async def records_retrying(self, topic: str) -> list[Any]:
        deadline = time.monotonic() + 180
        while True:
            try:
                return await self.records(topic)
            except Exception:  # broker away
                self.sent.retries += 1
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(1.0)

    async def records(self, topic: str) -> list[Any]:
        consumer = AIOKafkaConsumer(bootstrap_servers=self.h.p.bootstrap,
                                    enable_auto_commit=False, **self.kafka_opts)  # fmt: skip
        try:
            await consumer.start()
            await consumer._client.force_metadata_update()
            parts = [TopicPartition(topic, p) for p in
                     sorted(consumer.partitions_for_topic(topic) or [])]  # fmt: skip
            if not parts:
                return []
            consumer.assign(parts)
            await consumer.seek_to_beginning(*parts)
            ends = await consumer.end_offsets(parts)
            found: list[Any] = []
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and any(
                [await consumer.position(tp) < ends[tp] for tp in parts]
            ):
                for recs in (await consumer.getmany(timeout_ms=300)).values():
                    found.extend(recs)
            return found
        finally:
            await consumer.stop()


# --- the soak's samples ------------------------------------------------------------------------


@dataclass
class Sample:
    t: float
    rss_mb: dict[str, float]
    pg_connections: int
    lag: dict[str, int]
    outbox: dict[str, int]


async def sample(h: Harness) -> Sample | None:
    try:
        rss = {}
        for name, pid in h.pids().items():
            with contextlib.suppress(psutil.Error):
                rss[name] = psutil.Process(pid).memory_info().rss / 2**20

        async def conns(conn: asyncpg.Connection) -> int:
            return int(await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname LIKE 'asn_%'"))  # fmt: skip

        n = await _retrying(h.p.database_url, conns, timeout_s=5)
        lag = await asyncio.to_thread(consumer_lag, h)
        return Sample(h.elapsed(), rss, n, lag, await outbox_pending(h))
    except Exception:  # a fault in progress: skip this sample
        return None


def growth(samples: list[Sample]) -> list[str]:
    """Mean of the first third against the last third, per figure."""
    if len(samples) < 3:
        return ["too few samples"]
    third = max(1, len(samples) // 3)
    first, last = samples[:third], samples[-third:]

    def mean(xs: list[float]) -> float:
        return sum(xs) / len(xs) if xs else 0.0

    lines = []
    for name in sorted(samples[-1].rss_mb):
        a = mean([s.rss_mb.get(name, 0) for s in first if name in s.rss_mb])
        b = mean([s.rss_mb.get(name, 0) for s in last if name in s.rss_mb])
        lines.append(f"RSS {name}: {a:.1f} -> {b:.1f} MB ({b - a:+.1f})")
    a, b = mean([s.pg_connections for s in first]), mean([s.pg_connections for s in last])
    lines.append(f"PostgreSQL connections: {a:.1f} -> {b:.1f}")
    for g in sorted({g for s in samples for g in s.lag}):
        a = mean([s.lag.get(g, 0) for s in first])
        b = mean([s.lag.get(g, 0) for s in last])
        mx = max(s.lag.get(g, 0) for s in samples)
        lines.append(f"lag {g}: {a:.1f} -> {b:.1f} (max {mx})")
    for svc in DB_SERVICES:
        a = mean([s.outbox.get(svc, 0) for s in first])
        b = mean([s.outbox.get(svc, 0) for s in last])
        mx = max(s.outbox.get(svc, 0) for s in samples)
        lines.append(f"outbox {svc}: {a:.1f} -> {b:.1f} pending (max {mx})")
    return lines


# --- one run, and the comparison ---------------------------------------------------------------


@dataclass
class RunResult:
    state: Rows
    sent: Sent
    faults: list[Fault]
    seconds: float
    samples: list[Sample] = field(default_factory=list)
    supervisor_errors: list[str] = field(default_factory=list)
    purge_checked: dict[str, bool] = field(default_factory=dict)
    rounds: int = 0
    stalled: str = ""  # why the platform did not get quiet (then the load stopped there)


OLD_INBOX_GROUP = "faults-purge-probe"


async def _plant_old_inbox_rows(h: Harness) -> None:
    """A row 400 days old in each inbox: the scheduled purge must take it away."""
    for s in DB_SERVICES:

        async def plant(conn: asyncpg.Connection) -> None:
            await conn.execute(
                "INSERT INTO inbox (consumer_group, event_id, topic, partition, \"offset\", "
                "processed_at) VALUES ($1, $2, 'probe', 0, 0, now() - interval '400 days')",
                OLD_INBOX_GROUP, uuid.uuid4(),
            )  # fmt: skip

        await _retrying(h.db_url(s), plant)


async def _purged(h: Harness) -> dict[str, bool]:
    out = {}
    for s in DB_SERVICES:

        async def left(conn: asyncpg.Connection) -> int:
            return int(await conn.fetchval(
                "SELECT count(*) FROM inbox WHERE consumer_group = $1", OLD_INBOX_GROUP))  # fmt: skip

        out[s] = not await _retrying(h.db_url(s), left)
    return out


async def _drive(
    h: Harness, seed: int, rounds: int, rate: float, soak: bool, minutes: float | None
) -> RunResult:
    t0 = time.monotonic()
    samples: list[Sample] = []
    if soak:
        await _plant_old_inbox_rows(h)

    async def sampler() -> None:
        while True:
            s = await sample(h)
            if s is not None:
                samples.append(s)
            await asyncio.sleep(10.0)

    task = asyncio.create_task(sampler()) if soak else None
    try:
        until = time.monotonic() + minutes * 60 if minutes else None
        load = Load(h, seed, rounds, rate, until)
        sent = await load.run()
        h.progress = lambda: 1 << 60  # the load is over: any fault still due falls due now
        h.stop_faults = True
        # Every planned fault happens before the end state is read (the supervisor thread's).
        while not h.faults_done():  # noqa: ASYNC110
            await asyncio.sleep(1.0)
        stalled = load.stalled
        if not stalled:
            try:
                await wait_quiet(h, "the end")
            except Stalled as err:
                stalled = str(err)
                log(f"STALLED: {err}")
        state = await read_state(h)
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    purge = await _purged(h) if soak else {}
    return RunResult(state, sent, list(h.injected), time.monotonic() - t0, samples,
                     list(h.errors), purge, load.rounds_done, stalled)  # fmt: skip


def run_once(data_dir: Path, *, seed: int, rounds: int, rate: float, faults: list[str],
             soak: bool = False, minutes: float | None = None) -> RunResult:  # fmt: skip
    # The test's own clients retry through the faults; their "broker away" lines are noise.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    env = {"ASN_INBOX_PURGE_INTERVAL_S": "20"} if soak else {}
    h = Harness(
        data_dir,
        faults=faults,
        seed=seed,
        extra_env=env,
        triggers=fault_triggers(seed, len(faults), rounds),
        timed_faults=bool(minutes),
    )
    try:
        h.start()
        log(f"platform up ({'faults: ' + ', '.join(faults) if faults else 'reference, no faults'})")
        return asyncio.run(_drive(h, seed, rounds, rate, soak, minutes))
    finally:
        h.stop()


@contextlib.contextmanager
def timed(what: str) -> Iterator[None]:
    t = time.monotonic()
    yield
    log(f"{what}: {time.monotonic() - t:.1f}s")


def report(ref: RunResult, run: RunResult) -> tuple[dict[str, Diff], list[str]]:
    diffs = compare(ref.state, run.state)
    s = run.sent
    lines = [
        f"events sent per run: {s.total()} (HTTP answers {s.http} + resent {s.http_resent}, "
        f"Kafka intake {s.kafka} + again {s.kafka_redelivered}, roster {s.roster}, "
        f"transitions {s.transitions}, redelivered events {s.redelivered_events}); "
        f"retries during faults {s.retries} (reference {ref.sent.retries})",
        "faults: "
        + ", ".join(
            f"{f.kind} at {f.at_s:.1f}s/event {f.at_event} (back at {f.recovered_s:.1f}s)"
            for f in run.faults
        ),
        f"duration: reference {ref.seconds:.1f}s, faulted {run.seconds:.1f}s",
        f"{'table':45} {'rows':>6} {'lost':>5} {'dup':>5} {'div':>5}",
    ]
    for name, d in diffs.items():
        lines.append(f"{name:45} {d.rows:6} {d.lost:5} {d.duplicated:5} {d.divergent:5}")
        lines += [f"    {e}" for e in d.examples]
    total = Diff(
        lost=sum(d.lost for d in diffs.values()),
        duplicated=sum(d.duplicated for d in diffs.values()),
        divergent=sum(d.divergent for d in diffs.values()),
    )
    lines.append(f"TOTAL lost {total.lost}, duplicated {total.duplicated}, "
                 f"divergent {total.divergent}")  # fmt: skip
    if run.stalled:
        lines.append(f"STALLED (faulted run): {run.stalled}")
    if ref.stalled:
        lines.append(f"STALLED (reference run): {ref.stalled}")
    if run.supervisor_errors:
        lines.append(f"supervisor errors: {run.supervisor_errors[:5]}")
    return diffs, lines
