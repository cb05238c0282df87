"""Replay rebuilds the read models to the state live consumption built; a bad rules file
stops the service at start with the line and the reason."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from rich.console import Console

from asn_devkit.testing import DatabaseFactory, running_service
from asn_platform.db import ensure_database, migrate, with_database
from asn_platform.timezone import now_jakarta
from asn_platform.vocabulary import EnrollmentStatus
from asn_recommendations.main import DEFINITION
from asn_recommendations.replay import replay
from asn_recommendations.rules_file import RulesFileError
from asn_recommendations.settings import Settings
from asn_recommendations.store.readmodels import dump_read_models
from tests.integration.recommendations.conftest import Recs
from tests.integration.recommendations.helpers import (
    completion,
    enrollment,
    eventually,
    gap,
    new_nip,
    new_unit,
    profile,
    survey,
)

pytestmark = pytest.mark.integration


async def settled_dump(pool: asyncpg.Pool) -> dict[str, list[tuple[Any, ...]]]:
    """The read models once nothing changes any more (the relay and the bookings consumer
    may still be finishing what the last events caused)."""
    previous: dict[str, list[tuple[Any, ...]]] | None = None
    for _ in range(100):
        async with pool.acquire() as conn:
            current = await dump_read_models(conn)
            pending = await conn.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
        if current == previous and pending == 0:
            return current
        previous = current
        await asyncio.sleep(0.3)
    raise AssertionError("read models did not settle")


async def test_replay_rebuilds_the_same_read_models(
    recs: Recs, kafka_topics: str, pg_server_url: str, db_factory: DatabaseFactory
) -> None:
    unit, boss, nip = new_unit(), new_nip(), new_nip()
    now = now_jakarta()
    newer = profile(nip, unit, supervisor_nip=boss, name="Nama Baru", changed_at=now)
    older = profile(
        nip, unit, supervisor_nip=boss, name="Nama Lama", changed_at=now - timedelta(days=1)
    )
    [dup] = await recs.publish("recommendations.profiles", newer)
    await recs.publish(
        "recommendations.profiles", older, profile(boss, unit, position_type="struktural")
    )
    await recs.publisher.send(dup)  # a duplicate in the log: applied once, live and replayed
    answers = {f"U{i}": 2 if i == 3 else 3 for i in range(1, 10)}
    await recs.publish(
        "recommendations.surveys",
        *(survey(unit, answers, now - timedelta(days=100 + i)) for i in range(20)),
    )
    await recs.publish("recommendations.gaps", gap(unit, "U3"), gap(unit, "U9"))
    await recs.publish(
        "recommendations.enrollments",
        enrollment(nip, EnrollmentStatus.DECLINED, programme_code="SOP-SP"),
    )
    await recs.publish("recommendations.completions", completion(nip, unit, jp=8))

    live = await settled_dump(recs.db)
    mine = [r for r in live["rm_profiles"] if r[0] == nip]
    assert mine and mine[0][1] == "Nama Baru"  # last writer by change time, not arrival
    counts = [r for r in live["rm_element_counts"] if r[0] == unit and r[1] == "U3"]
    assert {r[3] for r in counts} == {"M", "Q", "S", "Y"}
    assert sum(r[6] for r in counts if r[3] == "Y") == 20  # answer_count over the year

    settings = Settings(
        kafka_bootstrap_servers=kafka_topics,
        database_url=pg_server_url,
        database_prefix=recs.prefix,
    )
    out = io.StringIO()
    report = await replay(settings, idle_ms=600, console=Console(file=out, width=120))
    assert report.applied > 0
    assert {f.name for f in report.feeds} >= {"gaps", "surveys", "profiles", "bookings"}
    profiles = next(f for f in report.feeds if f.name == "profiles")
    assert profiles.duplicates >= 1
    async with recs.db.acquire() as conn:
        assert await dump_read_models(conn) == live

    # From nothing: --all into a fresh database gives the same read models as live.
    prefix = f"asn_test_rcall_{db_factory.run_id}_"
    db_factory.created.append(f"{prefix}recommendations")
    await ensure_database(pg_server_url, f"{prefix}recommendations")
    dsn = with_database(pg_server_url, f"{prefix}recommendations")
    await migrate(dsn, DEFINITION.migration_packages)
    env = {
        **os.environ,
        "ASN_KAFKA_BOOTSTRAP_SERVERS": kafka_topics,
        "ASN_DATABASE_URL": pg_server_url,
        "ASN_DATABASE_PREFIX": prefix,
    }
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "asn_recommendations.replay", "--all", "--idle-ms", "600"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "applied" in done.stderr
    conn = await asyncpg.connect(dsn)
    try:
        rebuilt = await dump_read_models(conn)
    finally:
        await conn.close()
    live_now = await settled_dump(recs.db)
    assert rebuilt == live_now


BAD_RULES = """\
version: "uji-1"
rules:
  - element: U7
    competencies: [manajerial.komunikasi]
    programmes: [PLP-PRIMA, PLP-PRIMA]
    rationale: Alasan.
    rationale_en: Reason.
"""


async def test_a_bad_rules_file_stops_the_start_with_line_and_reason(
    tmp_path: Path, kafka_topics: str, pg_server_url: str, db_factory: DatabaseFactory
) -> None:
    bad = tmp_path / "aturan.yaml"
    bad.write_text(BAD_RULES, encoding="utf-8")
    env = {**os.environ, "ASN_RULES_PATH": str(bad), "ASN_KAFKA_BOOTSTRAP_SERVERS": kafka_topics}
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "asn_recommendations"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert f"{bad} baris 5: kode program 'PLP-PRIMA' disebut dua kali" in lines[0]

    missing = {**env, "ASN_RULES_PATH": str(tmp_path / "nope.yaml")}
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "asn_recommendations"],
        env=missing,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "tidak dapat dibaca" in done.stderr

    # In-process (the shared runtime): on_start refuses it before the broker starts.
    prefix = f"asn_test_rcbad_{db_factory.run_id}_"
    db_factory.created.append(f"{prefix}recommendations")
    with pytest.raises(RulesFileError, match="baris 5"):
        async with running_service(
            DEFINITION,
            bootstrap=kafka_topics,
            server_url=pg_server_url,
            db_prefix=prefix,
            rules_path=bad,
        ):
            pass


async def test_an_impact_is_measured_after_completion(recs: Recs) -> None:
    """Kirkpatrick 4: the gap's quarter against the first adequate quarter after completion."""
    unit = new_unit()
    people = [new_nip() for _ in range(2)]
    await recs.publish("recommendations.profiles", *(profile(n, unit) for n in people))
    before = gap(unit, "U6", score=62.5)
    await recs.publish("recommendations.gaps", before)
    sp = await eventually(
        lambda: recs.db.fetchrow("SELECT * FROM scheduled_programmes WHERE unit_id = $1", unit),
        what="the programme",
    )
    body = (await recs.client.get("/api/v1/impact", params={"unit_id": unit})).json()
    assert body["items"][0]["status"] == "not_completed"

    done_at = now_jakarta().replace(
        year=sp["last_day"].year, month=sp["last_day"].month, day=sp["last_day"].day, hour=16
    )
    await recs.publish(
        "recommendations.completions",
        *(
            completion(
                n,
                unit,
                programme_code=sp["programme_code"],
                jp=32,
                completed_at=done_at,
                scheduled_programme_id=sp["scheduled_programme_id"],
            )
            for n in people
        ),
    )
    body = (await recs.client.get("/api/v1/impact", params={"unit_id": unit})).json()
    assert body["items"][0]["status"] == "no_data_after"
    assert "Belum ada data" in body["items"][0]["summary_id"]

    # The next quarter after completion: answers (3 of 4 on U6) and the surveys service's
    # recovered announcement, which says how many answers that quarter needs.
    from asn_platform.periods import Period

    q = (done_at.month - 1) // 3 + 1
    nxt = Period.parse(f"{done_at.year + 1}-Q1" if q == 4 else f"{done_at.year}-Q{q + 1}")
    moment = now_jakarta().replace(year=nxt.first_day.year, month=nxt.first_day.month, day=10)
    answers = {f"U{i}": 3 for i in range(1, 10)}
    await recs.publish(
        "recommendations.surveys", *(survey(unit, answers, moment) for _ in range(12))
    )
    await recs.publish(
        "recommendations.gaps",
        gap(
            unit,
            "U6",
            period=nxt,
            score=75.0,
            status="recovered",
            sample_size=12,
            required_sample=10,
        ),
    )
    [item] = (await recs.client.get("/api/v1/impact", params={"unit_id": unit})).json()["items"]
    assert item["status"] == "measured", item
    assert item["before"]["period"] == before.period and item["after"]["period"] == nxt.key
    assert item["direction"] == "up" and item["delta_converted"] == pytest.approx(12.5)
    assert "naik" in item["summary_id"]
