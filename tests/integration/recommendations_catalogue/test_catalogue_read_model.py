"""The catalogue recommendations decides from is its read model of enrollment's
programme-catalogue-changed events, not the seed data: a programme announced on the topic is
stored, chosen for a gap and named in programme-scheduled; one the rules name before its entry
arrived breaks nothing (the gap is flagged, and decided again when the entry arrives); a
deactivated one is no longer scheduled.

Its own package: it runs a recommendations service with its own rules file, and two services in
the same consumer groups would share the partitions."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from asn_devkit.testing import DatabaseFactory, running_service
from asn_platform.tangsel import CATALOGUE_BY_CODE
from asn_platform.timezone import now_jakarta
from asn_platform.topics import PROGRAMME_SCHEDULED
from asn_platform.vocabulary import ProgrammeKind
from asn_recommendations.bootstrap import build_deps
from asn_recommendations.handlers.follow_ups import sweep_follow_ups
from asn_recommendations.main import DEFINITION
from tests.integration.recommendations.conftest import Recs
from tests.integration.recommendations.helpers import (
    Publisher,
    Tap,
    catalogue_entry,
    gap,
    new_nip,
    new_unit,
    profile,
)

pytestmark = pytest.mark.integration

CODE = f"UJI-{uuid.uuid4().hex[:8].upper()}"  # a programme enrollment created via its API
RULES = f"""\
version: "uji-katalog"
rules:
  - element: U7
    competencies: [manajerial.pelayanan_publik]
    programmes: [{CODE}]
    rationale: Program baru untuk perilaku pelaksana.
    rationale_en: A new programme for staff behaviour.
"""


def new_programme(*, active: bool = True, minutes_later: int = 0) -> Any:
    seed = CATALOGUE_BY_CODE["PLP-PRIMA"]
    entry = catalogue_entry(
        seed, active=active, changed_at=now_jakarta() + timedelta(minutes=minutes_later)
    )
    return entry.model_copy(
        update={
            "code": CODE,
            "title": "Pelatihan Layanan Ramah Warga",
            "kind": ProgrammeKind.TEKNIS,
            "competencies": ["manajerial.pelayanan_publik"],
            "jp": 16,
            "days": 2,
        }
    )


@pytest.fixture(scope="module")
async def recs(
    tmp_path_factory: pytest.TempPathFactory,
    kafka_topics: str,
    pg_server_url: str,
    db_factory: DatabaseFactory,
) -> AsyncIterator[Recs]:
    rules = Path(tmp_path_factory.mktemp("rules")) / "aturan.yaml"
    rules.write_text(RULES, encoding="utf-8")
    prefix = f"asn_test_rccat_{db_factory.run_id}_"
    db_factory.created.append(f"{prefix}recommendations")
    tap = Tap(kafka_topics)
    await tap.start()
    publisher = Publisher(kafka_topics)
    await publisher.start()
    try:
        async with running_service(
            DEFINITION,
            bootstrap=kafka_topics,
            server_url=pg_server_url,
            db_prefix=prefix,
            rules_path=rules,
            follow_up_interval_s=0,  # the test sweeps itself
        ) as (ctx, client):
            pool = await asyncpg.create_pool(ctx.database_dsn, min_size=1, max_size=2)
            try:
                yield Recs(ctx, client, pool, tap, publisher, prefix)
            finally:
                await pool.close()
    finally:
        await publisher.stop()
        await tap.stop()


async def staff_for(recs: Recs, unit: str, n: int = 3) -> list[str]:
    people = [new_nip() for _ in range(n)]
    await recs.publish("recommendations.profiles", *(profile(nip, unit) for nip in people))
    return people


async def flag_reason(recs: Recs, unit: str) -> str | None:
    body = (await recs.client.get("/api/v1/gaps/flagged", params={"unit_id": unit})).json()
    return body["items"][0]["reason"] if body["items"] else None


async def test_a_programme_announced_by_enrollment_is_stored_and_chosen_for_a_gap(
    recs: Recs,
) -> None:
    # The rules name a programme the read model does not hold yet: the service started anyway,
    # and a gap for it is flagged, not dropped and not failed.
    early = new_unit()
    early_people = await staff_for(recs, early)
    await recs.publish("recommendations.gaps", gap(early, "U7"))
    assert await flag_reason(recs, early) == "no_programme_fits"

    # Enrollment creates the programme (POST /api/v1/programmes) and announces it: it is in the
    # read model, and the gap that waited for it is decided again at once.
    await recs.publish("recommendations.catalogue", new_programme())
    row = await recs.db.fetchrow("SELECT * FROM rm_programmes WHERE code = $1", CODE)
    assert row is not None and row["active"] and row["jp"] == 16 and row["days"] == 2
    assert list(row["competencies"]) == ["manajerial.pelayanan_publik"]
    [late] = await recs.tap.wait_for(PROGRAMME_SCHEDULED, lambda e: e.unit_id == early)
    assert late.data.programme_code == CODE
    assert {n for s in late.data.sessions for n in s.cohort} == set(early_people)
    assert await flag_reason(recs, early) is None

    # A gap announced now is scheduled with it directly.
    unit = new_unit()
    people = await staff_for(recs, unit)
    await recs.publish("recommendations.gaps", gap(unit, "U7"))
    [scheduled] = await recs.tap.wait_for(PROGRAMME_SCHEDULED, lambda e: e.unit_id == unit)
    assert scheduled.data.programme_code == CODE
    assert {n for s in scheduled.data.sessions for n in s.cohort} == set(people)

    # Deactivated by enrollment: no longer scheduled for a new gap.
    await recs.publish("recommendations.catalogue", new_programme(active=False, minutes_later=1))
    assert not await recs.db.fetchval("SELECT active FROM rm_programmes WHERE code = $1", CODE)
    other = new_unit()
    await staff_for(recs, other)
    await recs.publish("recommendations.gaps", gap(other, "U7"))
    assert await flag_reason(recs, other) == "no_programme_fits"


async def test_the_sweep_decides_a_gap_flagged_for_want_of_a_programme_again(recs: Recs) -> None:
    """The safety net for a gap flagged while its programme's entry was being applied: the
    sweep retries no_programme_fits like no_eligible_staff and no_dates."""
    await recs.publish("recommendations.catalogue", new_programme(active=False, minutes_later=2))
    unit = new_unit()
    people = await staff_for(recs, unit)
    await recs.publish("recommendations.gaps", gap(unit, "U7"))
    assert await flag_reason(recs, unit) == "no_programme_fits"
    # Reactivated, but as if this gap's flag had committed after the catalogue consumer looked.
    async with recs.db.acquire() as conn, conn.transaction():
        await conn.execute("UPDATE rm_programmes SET active = true WHERE code = $1", CODE)
    sweep = await sweep_follow_ups(recs.ctx.units, build_deps(recs.ctx.settings))
    assert sweep.get("scheduled", 0) >= 1
    [scheduled] = await recs.tap.wait_for(PROGRAMME_SCHEDULED, lambda e: e.unit_id == unit)
    assert scheduled.data.programme_code == CODE
    assert {n for s in scheduled.data.sessions for n in s.cohort} == set(people)
