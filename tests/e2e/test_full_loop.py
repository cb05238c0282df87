"""The whole loop on the real platform: `asn-platform run` as a process, driven over HTTP.

bad survey answers for one unit -> a gap (surveys) -> a programme scheduled (recommendations)
-> sessions opened and the cohort invited (enrollment) -> accept, decline, attend, complete ->
JP balances (enrollment) and recommendations (recommendations) updated; the decline gets a
nudge; the same gap and the same programme decision delivered again change nothing. The steps
are the demo's own functions (asn_devkit.demo), and `asn-demo` itself must exit 0. The contacts
are imported (CSV) before the invitations, and the launcher's mail catcher must then hold each
invitation with an iCalendar file that parses, the decliner's nudge and each certificate; a
second demo run adds no message.

The issue's "done when", on the same platform: a partner follows partners/asn-events/README.md
(a login from `asn-partners add`, the kit's example consumer) and an agency without Kafka runs
services/webhooks/examples/receiver.py registered through the admin API; both see the loop's
events live, the receiver verifying each signature with `standardwebhooks`.

One platform per module (starting it is most of the time). The surveys rate limit stays on: the
demo gets its tokens from the development OpenID provider the launcher starts (client
credentials), and submits as a kiosk client, as a real kiosk would.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import icalendar
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from asn_devkit import demo, mailcatcher
from asn_devkit.embedded.processes import free_port, stop_process, wait_for_port
from asn_devkit.launched import PORTS_USED, launched_platform, wait_ready
from asn_devkit.oidc import token_for
from asn_devkit.testing import launcher_client_options, service_base_port
from asn_platform import topics

pytestmark = [pytest.mark.e2e, pytest.mark.tansu_smoke]

ROOT = Path(__file__).resolve().parents[2]
THRESHOLD = 76.61
U7_COMPETENCIES = {"manajerial.pelayanan_publik", "manajerial.komunikasi", "manajerial.integritas"}


@dataclass
class Platform:
    urls: demo.Urls
    bootstrap: str
    proc: subprocess.Popen[bytes]
    log_dir: Path
    webhooks: str

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


@pytest.fixture(scope="module")
def platform(tmp_path_factory, pg_server_url, db_factory) -> Iterator[Platform]:
    tmp = tmp_path_factory.mktemp("full-loop")
    prefix = f"asn_test_loop_{db_factory.run_id}_"
    db_factory.created += [f"{prefix}{name}" for name in (*demo.SERVICES, "webhooks")]
    # services at base + 1..6 (the console at + 4), the mail catcher at + 25 and + 26
    base = service_base_port(count=PORTS_USED)
    kafka_port = base + 7  # also outside the ephemeral range (see service_base_port)
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
        # No quiet hours here: the nudge must arrive whatever the hour or day the suite runs
        # (quiet hours have their own tests with a clock the test controls).
        ASN_QUIET_START_HOUR="0",
        ASN_QUIET_END_HOUR="0",
        ASN_QUIET_WEEKDAYS="[]",
        ASN_HOLIDAYS="[]",
    )
    data_dir = tmp / "data"
    with launched_platform(
        data_dir, base, kafka_port=kafka_port, env=env, log=tmp / "launcher.out"
    ) as proc:
        running = Platform(
            demo.Urls.on_base_port(base), f"127.0.0.1:{kafka_port}", proc, data_dir,
            f"http://127.0.0.1:{base + 6}",
        )  # fmt: skip
        # seven services starting at once on two busy cores can take more than the default 90 s
        wait_ready(
            [*(running.urls.of(s) for s in demo.SERVICES), running.webhooks], proc, timeout_s=240
        )
        token = token_for(running.urls.issuer, "metrics")
        _METRICS_HEADERS["Authorization"] = f"Bearer {token}"
        yield running


@dataclass
class Scheduled:
    """The loop up to the invitations, shared by the tests below."""

    units: list[demo.UnitPrep]
    gap: dict[str, Any]
    scheduled: demo.Scheduled
    invitations: demo.Invitations
    roster: dict[str, dict[str, Any]]
    contacts: demo.ContactsImport


@dataclass
class Subscribers:
    """The partner's example consumer and the agency's webhook receiver, as processes."""

    kit_out: Path | None  # None on Tansu: no SASL, so no partner logins
    receiver_out: Path
    receiver_err: Path

    def kit_lines(self) -> list[str]:
        return self.kit_out.read_text().splitlines() if self.kit_out else []

    def received(self) -> list[dict[str, Any]]:
        lines = self.receiver_out.read_text().splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]


@pytest.fixture(scope="module")
def subscribers(platform: Platform, tmp_path_factory) -> Iterator[Subscribers]:
    """Started before the loop runs, each as its README says."""
    tmp = tmp_path_factory.mktemp("subscribers")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASN_KAFKA_")}
    env["ASN_DATA_DIR"] = str(platform.log_dir)  # asn-partners finds the launcher's admin login
    sasl = bool(platform.client)
    login = tmp / "bappeda.properties"
    if sasl:
        with login.open("w") as out:
            subprocess.run(
                [str(Path(sys.executable).with_name("asn-partners")), "add", "bappeda",
                 "--topic", "survey-submitted", "--topic", "service-gap-detected"],
                stdout=out, env=env, check=True, timeout=120,
            )  # fmt: skip
    found = Subscribers(
        tmp / "kit.out" if sasl else None, tmp / "receiver.out", tmp / "receiver.err"
    )
    port, secret_file = free_port(), tmp / "wh-secret"
    with ((tmp / "kit.out").open("w") as kit_out, (tmp / "kit.err").open("w") as kit_err,
          found.receiver_out.open("w") as rx_out, found.receiver_err.open("w") as rx_err):  # fmt: skip
        kit = None
        if sasl:
            kit = subprocess.Popen(
                [sys.executable, "-m", "asn_events.example", "--login", str(login)],
                stdout=kit_out, stderr=kit_err, cwd=tmp, env=env,
            )  # fmt: skip
        receiver = subprocess.Popen(
            [sys.executable, str(ROOT / "services/webhooks/examples/receiver.py"),
             "--port", str(port), "--secret-file", str(secret_file)],
            stdout=rx_out, stderr=rx_err, env=env,
        )  # fmt: skip
        try:
            wait_for_port("127.0.0.1", port, 30, receiver)
            admin = {"Authorization": f"Bearer {token_for(platform.urls.issuer, 'admin')}"}
            registered = httpx.post(
                f"{platform.webhooks}/api/v1/webhooks/subscriptions",
                headers=admin,
                json={"agency": "Dinas Kesehatan", "url": f"http://127.0.0.1:{port}/hook",
                      "event_types": [topics.SERVICE_GAP_DETECTED, topics.PROGRAMME_SCHEDULED,
                                      topics.SESSION_CHANGED]},
                timeout=30,
            )  # fmt: skip
            assert registered.status_code == 201, registered.text
            secret_file.write_text(registered.json()["secret"])
            yield found
        finally:
            if kit is not None:
                stop_process(kit)
            stop_process(receiver)


@pytest.fixture(scope="module")
def scheduled(platform: Platform, subscribers: Subscribers) -> Iterator[Scheduled]:
    with platform.api() as api:
        try:
            yield _survey_to_invitations(api)
        except demo.DemoError as err:
            pytest.fail(f"{err}\n{platform.logs()}")


def _survey_to_invitations(api: demo.Api) -> Scheduled:
    ready = demo.check_platform(api)
    assert ready.known_to_recommendations == ready.roster_size > 0
    contacts = demo.import_contacts(api, demo.roster_of(api, demo.FAILING_UNIT))
    assert contacts.imported == contacts.people == ready.roster_size

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
    assert set(contacts.addresses) >= invitations.nips
    return Scheduled(units, gap, scheduled, invitations, roster, contacts)


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


# --- the mailbox ---------------------------------------------------------------------------------


def _expected_mail(api: demo.Api, s: Scheduled) -> demo.Expected:
    """From enrollment's own state: what the loop must have sent to whom."""
    final = demo.session_enrollments(api, s.invitations.sessions)
    address = s.contacts.addresses
    completed = [address[e["nip"]] for e in final if e["status"] == "completed"]
    [declined] = [e for e in final if e["status"] == "declined"]
    return demo.Expected(
        invitation=[address[e["nip"]] for e in final],
        confirmation=completed,
        completion=completed,
        nudge=address[declined["nip"]],
        nudge_nip=declined["nip"],
    )


def _by_kind(store: mailcatcher.Store, kind: str) -> dict[str, list[Any]]:
    """The caught messages of one kind, by recipient address."""
    out: dict[str, list[Any]] = {}
    for path in store.files():
        msg = store.read(int(path.stem))
        if msg["X-ASN-Message-Kind"] == kind:
            out.setdefault(msg["To"].addresses[0].addr_spec, []).append(msg)
    return out


def test_the_mailbox_holds_invitations_with_calendars_the_nudge_and_certificates(
    platform: Platform, scheduled: Scheduled
) -> None:
    with platform.api() as api:
        expected = _expected_mail(api, scheduled)
        try:
            box = demo.wait_for_mail(api, expected, scheduled.contacts.addresses.values())
        except demo.DemoError as err:
            pytest.fail(f"{err}\n{platform.logs()}")
        assert box is not None and not box.held and not box.duplicates
        store = mailcatcher.Store(platform.log_dir / "mail")

        invitations = _by_kind(store, "invitation")
        assert sorted(invitations) == sorted(expected.invitation)
        uids = set()
        for address, [msg] in invitations.items():  # one each
            [ics] = [a for a in msg.iter_attachments() if a.get_content_type() == "text/calendar"]
            calendar = icalendar.Calendar.from_ical(ics.get_content())
            assert calendar["METHOD"] == "REQUEST"
            [event] = calendar.walk("VEVENT")
            assert str(event["ATTENDEE"]).lower() == f"mailto:{address}"
            assert event["DTSTART"].dt.utcoffset().total_seconds() == 7 * 3600  # WIB
            assert event["DTSTART"].params["TZID"] == "Asia/Jakarta"
            uids.add(str(event["UID"]))
        assert len(uids) == len(invitations), "one UID per session and person"

        [nudges] = _by_kind(store, "nudge").values()
        assert [m["To"].addresses[0].addr_spec for m in nudges] == [expected.nudge]

        certificates = _by_kind(store, "completion")
        assert sorted(certificates) == sorted(expected.completion)
        for [msg] in certificates.values():
            [pdf] = [a for a in msg.iter_attachments() if a.get_content_type() == "application/pdf"]
            assert pdf.get_content().startswith(b"%PDF")
            number = re.fullmatch(r"sertifikat-(TS-.+)\.pdf", pdf.get_filename())
            assert number is not None, pdf.get_filename()
            check = api.get("notifications", f"/api/v1/certificates/{number[1]}/verification")
            assert check["valid"] is True


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
    (after the tests above drove the loop), so it also shows the demo is safe to repeat: no
    answer counted twice, no message sent twice."""
    store = mailcatcher.Store(platform.log_dir / "mail")
    before = sorted(mailcatcher.listing(store), key=lambda m: m["number"])
    assert before, "the loop above filled the mailbox"
    script = Path(sys.executable).with_name("asn-demo")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "asn_devkit.demo"]
    urls = platform.urls
    result = subprocess.run(
        [*command, "--surveys-url", urls.surveys, "--enrollment-url", urls.enrollment,
         "--recommendations-url", urls.recommendations, "--issuer", urls.issuer,
         "--notifications-url", urls.notifications, "--mail-url", urls.mail, "--timeout", "30"],
        capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "120"},
    )  # fmt: skip
    assert result.returncode == 0, f"{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
    out = result.stdout
    for expected in (
        "Langkah 12/12",
        "PLP-PRIMA",
        "Belum ada data",
        "Kotak surat lokal",
        "Selesai",
    ):
        assert expected in out, out[-4000:]
    assert "sudah tercatat pada run sebelumnya" in out  # answers not counted twice
    assert "setiap Message-ID sekali" in out and urls.mail in out
    # Nothing the second run might have planned is still waiting: what was sent is all there is.
    with platform.api() as api:
        for status in ("pending", "sending"):
            assert api.get("notifications", "/api/v1/deliveries", status=status)["items"] == []
    after = sorted(mailcatcher.listing(store), key=lambda m: m["number"])
    assert after == before, "a second demo run sent messages again"


def test_on_the_running_platform_protected_routes_answer_401_and_the_audit_shows_the_demo(
    platform: Platform, scheduled: Scheduled
) -> None:
    """Over real HTTP: every non-public route of every service refuses an anonymous caller;
    the audit trails name the demo's client and the kiosk as the actors of their changes."""
    public = {"/health", "/ready", "/asyncapi.json", "/api/v1/certificates/{number}/verification"}
    for service in demo.SERVICES:
        url = platform.urls.of(service)
        spec = httpx.get(f"{url}/openapi.json", timeout=10).json()
        for path, item in spec["paths"].items():
            if path in public or path.startswith(("/s", "/verify/")):
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


def _eventually(check: Any, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, what
        time.sleep(0.3)


def test_a_partner_and_an_agency_without_kafka_see_the_loop_live(
    platform: Platform, subscribers: Subscribers, scheduled: Scheduled
) -> None:
    """partners/asn-events/README.md and services/webhooks/README.md, followed: the example
    consumer prints the demo's answers and the gap; the receiver prints the gap, the programme
    and its sessions, each only after `standardwebhooks` verified its signature."""
    period = scheduled.units[0].period_key
    gap_line = f"gap     unit={demo.FAILING_UNIT} element=U7 status=opened period={period}"
    answers = 3 * demo.MIN_RESPONSES

    def kit_saw_all() -> bool:
        lines = subscribers.kit_lines()
        return gap_line in lines and sum(x.startswith("survey  unit=") for x in lines) >= answers

    if subscribers.kit_out is not None:
        _eventually(kit_saw_all, 30, f"the kit's example printed the gap and {answers} answers")
    sp_id = scheduled.scheduled.scheduled_programme_id
    sessions = {s["id"] for s in scheduled.invitations.sessions}

    def receiver_saw_all() -> bool:
        got = subscribers.received()
        kinds = {(e["type"], e["subject"]) for e in got}
        return (
            any(e["type"] == topics.SERVICE_GAP_DETECTED
                and e["data"]["unit_id"] == demo.FAILING_UNIT for e in got)
            and any(e["type"] == topics.PROGRAMME_SCHEDULED
                    and e["data"]["scheduled_programme_id"] == sp_id for e in got)
            and {f"sessions/{i}" for i in sessions}
            <= {subject for kind, subject in kinds if kind == topics.SESSION_CHANGED}
        )  # fmt: skip

    _eventually(receiver_saw_all, 60, f"the receiver's events: {subscribers.received()}")
    assert "refused" not in subscribers.receiver_err.read_text()
    ids = [e["id"] for e in subscribers.received()]
    assert len(ids) == len(set(ids))  # printed once per webhook-id
    assert all(e["specversion"] == "1.0" and e["source"].startswith("/tangsel/")
               for e in subscribers.received())  # fmt: skip
