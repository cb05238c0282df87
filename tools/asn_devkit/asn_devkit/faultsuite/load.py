"""The seeded mixed load, the same in both runs (nothing in it depends on timing).

Rounds of: roster changes (enrollment API); survey answers over HTTP (kiosk token, fixed
`client_ref`, some sent twice) and over the Kafka intake topic (some records produced twice, some
sent again under a new event id); then, as the invitations appear, acceptances, a decline,
attendance and completion (enrollment API, as the demo does: no completion time, so the service
stamps it); then already-published records produced again verbatim (the inboxes must drop them).
Each round waits until the platform is quiet before the next, so the effects whose outcome
depends on order (a cohort chosen from the roster and JP balances of that moment; the score a gap
was detected at) see the same history in both runs. Inside a round, each unit's answers go
through one channel, in order, so the moment a gap crosses the threshold is the same.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from asn_devkit.demo import client as demo_client
from asn_devkit.demo import scenario
from asn_devkit.faultsuite.db import retrying
from asn_devkit.faultsuite.faults import Harness
from asn_devkit.faultsuite.log import log
from asn_devkit.faultsuite.quiet import Stalled, wait_quiet
from asn_devkit.testing import launcher_client_options
from asn_platform import topics
from asn_platform.contracts import ResponseIntake
from asn_platform.envelope import encode
from asn_platform.timezone import JAKARTA

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
DECLINE = "Bentrok dengan tugas pelayanan di loket; mohon angkatan berikutnya."


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

        while not await retrying(self.h.db_url("recommendations"), decided):
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

        return await retrying(self.h.db_url("enrollment"), rows)

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
            found = await self.recordsretrying(topic)
            found.sort(key=lambda m: (m.partition, m.offset))
            for m in rng.sample(found, min(per_topic, len(found))):
                await self.produce(m.topic, m.value, m.key, list(m.headers), m.partition)
                self.sent.redelivered_events += 1

    async def recordsretrying(self, topic: str) -> list[Any]:
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
