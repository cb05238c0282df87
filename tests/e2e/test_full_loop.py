"""The whole loop on the real platform: `asn-platform run` as a process, driven over HTTP.

bad survey answers for one unit -> a gap (surveys) -> a programme scheduled (recommendations)
-> sessions opened and the cohort invited (enrollment) -> accept, decline, attend, complete ->
JP balances (enrollment) and recommendations (recommendations) updated; the decline gets a
nudge; the same gap and the same programme decision delivered again change nothing. The steps
are the demo's own functions (asn_platform.demo), and `asn-demo` itself must exit 0.

One platform per module (starting it is most of the time). The surveys rate limit stays on: the
demo gets its tokens from the development OpenID provider the launcher starts (client
credentials), and submits as a kiosk client, as a real kiosk would.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from asn_platform import demo, topics
from asn_platform.devkit_oidc import token_for
from asn_platform.testing import launcher_client_options, service_base_port

pytestmark = [pytest.mark.e2e, pytest.mark.tansu_smoke]

THRESHOLD = 76.61
U7_COMPETENCIES = {"manajerial.pelayanan_publik", "manajerial.komunikasi", "manajerial.integritas"}


@dataclass
class Platform:
    urls: demo.Urls
    bootstrap: str
    proc: subprocess.Popen[bytes]
    log_dir: Path

    @property
    def client(self) -> dict[str, Any]:
        """Admin credentials for the test's own clients (Kafka under the launcher has SASL)."""
        return launcher_client_options(self.log_dir)

    def api(self, **options: Any) -> demo.Api:
        return demo.Api(self.urls, wait_timeout_s=30.0, poll_interval_s=0.2, **options)

    def logs(self) -> str:
        """The tail of every log, for a failing assertion's message."""
        out = []
        for path in [*sorted(self.log_dir.glob("*.log")), self.log_dir.parent / "launcher.out"]:
            if path.exists():
                out.append(f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}")
        return "\n".join(out)


def _wait_ready(urls: demo.Urls, proc: subprocess.Popen[bytes], timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    pending = set(demo.SERVICES)
    while pending and time.monotonic() < deadline:
        assert proc.poll() is None, f"launcher exited with {proc.returncode}"
        for service in list(pending):
            try:
                if httpx.get(f"{urls.of(service)}/ready", timeout=2).status_code == 200:
                    pending.discard(service)
            except httpx.HTTPError:
                pass
        time.sleep(0.3)
    assert not pending, f"{sorted(pending)} not ready within {timeout_s:.0f} s"


@pytest.fixture(scope="module")
def platform(tmp_path_factory, pg_server_url, db_factory) -> Iterator[Platform]:
    tmp = tmp_path_factory.mktemp("full-loop")
    prefix = f"asn_test_loop_{db_factory.run_id}_"
    db_factory.created += [f"{prefix}{name}" for name in demo.SERVICES]
    base = service_base_port(count=5)
    kafka_port = base + 5  # also outside the ephemeral range (see service_base_port)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS", "ASN_DATABASE_URL")
        and not k.startswith("ASN_KAFKA_")
    }
    env.update(
        DATABASE_URL=pg_server_url,
        ASN_DATABASE_PREFIX=prefix,
        ASN_LOG_LEVEL="INFO",
    )
    data_dir = tmp / "data"
    with open(tmp / "launcher.out", "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "asn_platform.launcher", "run", "--data-dir", str(data_dir),
             "--base-port", str(base), "--kafka-port", str(kafka_port)],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    running = Platform(demo.Urls.on_base_port(base), f"127.0.0.1:{kafka_port}", proc, data_dir)
    try:
        _wait_ready(running.urls, proc)
        token = token_for(running.urls.issuer, "metrics")
        _METRICS_HEADERS["Authorization"] = f"Bearer {token}"
        yield running
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@dataclass
class Scheduled:
    """The loop up to the invitations, shared by the tests below."""

    units: list[demo.UnitPrep]
    gap: dict[str, Any]
    scheduled: demo.Scheduled
    invitations: demo.Invitations
    roster: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def scheduled(platform: Platform) -> Iterator[Scheduled]:
    with platform.api() as api:
        try:
            yield _survey_to_invitations(api)
        except demo.DemoError as err:
            pytest.fail(f"{err}\n{platform.logs()}")


def _survey_to_invitations(api: demo.Api) -> Scheduled:
    ready = demo.check_platform(api)
    assert ready.known_to_recommendations == ready.roster_size > 0

    units = demo.prepare_units(api)
    assert [u.unit_id for u in units] == [p.unit_id for p in demo.PLANS]
    for u in units:
        assert u.served_after == demo.DEMO_SERVED_PER_MONTH
        assert u.required_sample <= demo.MIN_RESPONSES  # 15 people a quarter -> 14 answers

    submitted = demo.submit_surveys(api, units)
    assert [(s.created, s.duplicates, s.conflicts) for s in submitted] == [(14, 0, 0)] * 3

    period = units[0].period_key
    ikm = {u["unit_id"]: u for u in demo.unit_ikm(api, [u.unit_id for u in units], period)}
    for unit_id, u in ikm.items():
        assert u["n"] == 14 and not u["provisional"], u
        scores = {e["code"]: e for e in u["elements"]}
        for code, e in scores.items():
            if unit_id == demo.FAILING_UNIT and code == demo.FAILING_ELEMENT:
                assert e["converted"] < THRESHOLD and e["mutu"] == "D", e
            else:
                assert e["converted"] >= THRESHOLD, (unit_id, e)

    gap = demo.wait_for_gap(api, period=period)
    assert (gap["element"], gap["open"], gap["sample_size"]) == ("U7", True, 14)
    failing = {e["code"]: e for e in ikm[demo.FAILING_UNIT]["elements"]}
    assert gap["score"] == failing[demo.FAILING_ELEMENT]["converted"]
    others = demo.open_gaps(api, [u.unit_id for u in units[1:]], period)
    assert others == {u.unit_id: [] for u in units[1:]}

    scheduled = demo.wait_for_programme(api, gap)
    decision = scheduled.gap["decision"]
    assert decision["outcome"] == "scheduled" and not scheduled.reused
    programme = scheduled.programme
    assert (programme["unit_id"], programme["element"], programme["period"]) == (
        demo.FAILING_UNIT,
        "U7",
        period,
    )
    assert set(programme["competencies"]) & U7_COMPETENCIES, programme["competencies"]
    assert programme["explanation_id"] and programme["sessions"]
    roster = demo.roster_of(api, demo.FAILING_UNIT)
    cohort = scheduled.cohort
    assert cohort and len(set(cohort)) == len(cohort)
    assert set(cohort) <= set(roster), "the cohort is the unit's own staff"

    invitations = demo.wait_for_invitations(api, scheduled)
    assert len(invitations.sessions) == len(programme["sessions"])
    assert all(s["programme_code"] == programme["programme_code"] for s in invitations.sessions)
    assert invitations.nips == set(cohort), "every cohort member invited, nobody else"
    assert {e["status"] for e in invitations.enrollments} == {"invited"}
    return Scheduled(units, gap, scheduled, invitations, roster)


def test_completions_update_jp_and_recommendations_and_a_decline_gets_a_nudge(
    platform: Platform, scheduled: Scheduled
) -> None:
    with platform.api() as api:
        try:
            _completion_to_impact(api, scheduled)
        except demo.DemoError as err:
            pytest.fail(f"{err}\n{platform.logs()}")


def _completion_to_impact(api: demo.Api, s: Scheduled) -> None:
    code = s.scheduled.programme["programme_code"]
    jp_of_programme = api.get("enrollment", f"/api/v1/programmes/{code}")["jp"]
    cohort = sorted(s.invitations.nips)
    person = cohort[0]
    before = demo.wait_for_recommendations(api, person, 0)
    assert before["jp_this_year"] == 0 and not before["completed"]

    answered = demo.answer_invitations(api, s.invitations)
    declined = answered.declined
    assert declined is not None and declined["status"] == "declined"
    assert declined["reason"] == demo.DECLINE_REASON
    assert not answered.refused and not answered.waitlisted
    assert len(answered.accepted) == len(cohort) - 1
    completed = demo.complete_training(api, answered.accepted)
    assert {e["status"] for e in completed} == {"completed"}
    assert all(0 <= e["score"] <= 100 for e in completed)
    completers = {e["nip"] for e in completed}
    if person not in completers:
        person = min(completers)

    # enrollment: the JP ledger credits the programme's JP to each completer
    jp = demo.jp_standing(api, cohort)
    by_nip = {p["nip"]: p for p in jp.people}
    for nip in completers:
        assert by_nip[nip]["jp"] == jp_of_programme, by_nip[nip]
        assert [e["programme_code"] for e in by_nip[nip]["entries"]] == [code]
    assert by_nip[declined["nip"]]["jp"] == 0
    below = {b["nip"] for b in jp.unit["below"]}
    assert declined["nip"] in below and not (below & completers)
    assert jp.unit["headcount"] == len(s.roster)

    # recommendations: its own read model reflects the completion (from events only)
    after = demo.wait_for_recommendations(api, person, float(jp_of_programme))
    assert after["jp_this_year"] == jp_of_programme
    assert [c["programme_code"] for c in after["completed"]] == [code]
    assert code not in {i["programme_code"] for i in after["items"]}, "completed, not again"
    for item in after["items"]:
        assert item["reason_id"] and item["reason_en"] and item["reasons"]

    # a decline is answered by persuasion: a nudge explaining the benefit
    nudge = demo.wait_for_nudge(api, declined["nip"], code)
    assert nudge["attempt"] == 1 and nudge["programme_code"] == code
    assert nudge["message_id"] and nudge["message_en"]
    assert nudge["enrollment_id"] == declined["id"]

    # impact: no survey period after the training has data yet; said plainly
    impact = demo.wait_for_impact(api, s.scheduled, len(completed))
    assert impact["completions"] == len(completed)
    assert impact["status"] in ("no_data_before", "no_data_after"), impact
    assert impact["summary_id"].startswith("Belum ada data"), impact["summary_id"]


# --- redelivery ---------------------------------------------------------------------------------


def _records(bootstrap: str, topic: str, client: dict[str, Any]) -> list[Any]:
    async def read() -> list[Any]:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, **client)
        await consumer.start()
        try:
            partitions = [
                TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []
            ]
            if not partitions:
                await consumer._client.force_metadata_update()
                partitions = [
                    TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []
                ]
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            ends = await consumer.end_offsets(partitions)
            found: list[Any] = []
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and any(
                [await consumer.position(tp) < ends[tp] for tp in partitions]
            ):
                batch = await consumer.getmany(timeout_ms=500)
                for records in batch.values():
                    found.extend(records)
            return found
        finally:
            await consumer.stop()

    return asyncio.run(read())


def _redeliver(bootstrap: str, record: Any, new_id: bool, client: dict[str, Any]) -> None:
    headers = [
        (k, str(uuid.uuid4()).encode() if new_id and k == "ce_id" else v) for k, v in record.headers
    ]

    async def send() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **client)
        await producer.start()
        try:
            await producer.send_and_wait(
                record.topic, record.value, key=record.key, partition=record.partition,
                headers=headers,
            )  # fmt: skip
        finally:
            await producer.stop()

    asyncio.run(send())


_METRICS_HEADERS: dict[str, str] = {}  # a Prometheus client's token (role metrics)


def _handled(url: str, topic: str) -> int:
    """Messages of a topic a service's consumer finished (FastStream metrics, any status)."""
    text = httpx.get(f"{url}/metrics", timeout=5, headers=_METRICS_HEADERS).text
    pattern = re.compile(
        r'^faststream_received_processed_messages_total\{[^}]*handler="'
        + re.escape(topic)
        + r'"[^}]*\} ([0-9.e+]+)$',
        re.M,
    )
    return int(sum(float(v) for v in pattern.findall(text)))


def _wait_handled(url: str, topic: str, count: int, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while _handled(url, topic) < count:
        assert time.monotonic() < deadline, f"{url}: {topic} not handled {count} times"
        time.sleep(0.2)


def test_the_same_gap_and_decision_delivered_again_schedule_nothing_more(
    platform: Platform, scheduled: Scheduled
) -> None:
    sp_id = scheduled.scheduled.scheduled_programme_id
    code = scheduled.scheduled.programme["programme_code"]
    with platform.api() as api:

        def state() -> tuple[Any, ...]:
            programmes = api.get("recommendations", "/api/v1/programmes",
                                 unit_id=demo.FAILING_UNIT)["items"]  # fmt: skip
            sessions = api.get("enrollment", "/api/v1/sessions", programme_code=code, limit=500)
            decision = api.get(
                "recommendations", "/api/v1/gaps", status="all", unit_id=demo.FAILING_UNIT
            )["items"]
            return (
                sorted((p["scheduled_programme_id"], p["cohort_size"]) for p in programmes),
                sorted(s["id"] for s in sessions),
                len(demo.session_enrollments(api, sessions)),
                sorted((d["gap_key"], (d["decision"] or {}).get("decided_at")) for d in decision),
            )

        before = state()
        assert before[0] == [(sp_id, len(scheduled.scheduled.cohort))]

        gap_records = [
            r
            for r in _records(platform.bootstrap, topics.SERVICE_GAP_DETECTED, platform.client)
            if json.loads(r.value)["unit_id"] == demo.FAILING_UNIT
            and json.loads(r.value)["element"] == demo.FAILING_ELEMENT
            and json.loads(r.value)["status"] == "opened"
        ]
        scheduled_records = [
            r
            for r in _records(platform.bootstrap, topics.PROGRAMME_SCHEDULED, platform.client)
            if json.loads(r.value)["scheduled_programme_id"] == sp_id
        ]
        assert len(gap_records) == 1 and len(scheduled_records) == 1
        rec_url, enr_url = platform.urls.recommendations, platform.urls.enrollment
        gaps_seen = _handled(rec_url, topics.SERVICE_GAP_DETECTED)
        decisions_seen = _handled(enr_url, topics.PROGRAMME_SCHEDULED)

        # The same event again (inbox duplicate), and the same gap as a new event (new ce_id):
        # recommendations decides each gap key once. Likewise the programme decision at
        # enrollment: unique scheduled programme id and idempotency key.
        for new_id in (False, True):
            _redeliver(platform.bootstrap, gap_records[0], new_id, platform.client)
            _redeliver(platform.bootstrap, scheduled_records[0], new_id, platform.client)
        _wait_handled(rec_url, topics.SERVICE_GAP_DETECTED, gaps_seen + 2)
        _wait_handled(enr_url, topics.PROGRAMME_SCHEDULED, decisions_seen + 2)
        time.sleep(0.5)  # anything a redelivery published would have travelled by now
        assert state() == before


def test_asn_demo_runs_against_the_platform(platform: Platform, scheduled: Scheduled) -> None:
    """The console script, as a newcomer runs it; here a second run on the same platform
    (after the tests above drove the loop), so it also shows the demo is safe to repeat."""
    script = Path(sys.executable).with_name("asn-demo")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "asn_platform.demo"]
    urls = platform.urls
    result = subprocess.run(
        [*command, "--surveys-url", urls.surveys, "--enrollment-url", urls.enrollment,
         "--recommendations-url", urls.recommendations, "--issuer", urls.issuer,
         "--timeout", "30"],
        capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "120"},
    )  # fmt: skip
    assert result.returncode == 0, f"{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
    out = result.stdout
    for expected in ("Langkah 10/10", "PLP-PRIMA", "Belum ada data", "Selesai"):
        assert expected in out, out[-4000:]
    assert "sudah tercatat pada run sebelumnya" in out  # answers not counted twice


def test_on_the_running_platform_protected_routes_answer_401_and_the_audit_shows_the_demo(
    platform: Platform, scheduled: Scheduled
) -> None:
    """Over real HTTP: every non-public route of every service refuses an anonymous caller;
    the audit trails name the demo's client and the kiosk as the actors of their changes."""
    public = {"/health", "/ready", "/asyncapi.json"}
    for service in demo.SERVICES:
        url = platform.urls.of(service)
        spec = httpx.get(f"{url}/openapi.json", timeout=10).json()
        for path, item in spec["paths"].items():
            if path in public or path.startswith("/s"):
                continue
            for method in item:
                concrete = re.sub(r"{[^}]+}", "x", path)
                r = httpx.request(method.upper(), f"{url}{concrete}", timeout=10)
                assert r.status_code == 401, (service, method, path, r.status_code)
    auditor = {"Authorization": f"Bearer {token_for(platform.urls.issuer, 'auditor')}"}
    trail = httpx.get(
        f"{platform.urls.enrollment}/api/v1/audit",
        params={"limit": 1000},
        headers=auditor,
        timeout=10,
    ).json()["items"]
    changes = [e for e in trail if e["outcome"] == "ok"]
    assert changes, trail[:3]
    assert {e["username"] for e in changes} >= {"service-account-asn-demo"}
    assert any(e["route"] == "/api/v1/enrollments/{enrollment_id}/transitions" for e in changes)
    assert all(e["at"].endswith("+07:00") for e in trail)
    intake = httpx.get(
        f"{platform.urls.surveys}/api/v1/audit",
        params={"route": "/api/v1/responses", "outcome": "ok", "limit": 5},
        headers=auditor,
        timeout=10,
    ).json()["items"]
    assert intake and intake[0]["client_id"] == "asn-kiosk" and intake[0]["roles"] == ["kiosk"]
