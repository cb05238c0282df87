"""Helpers for the recommendations integration tests: input events as the other services
publish them (real CloudEvents via the backbone's envelope), a tap on the output topics, and
waiting for the service to have applied something."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from asn_platform.contracts import (
    AsnProfileChanged,
    EnrollmentChanged,
    Event,
    ProfileChange,
    ServiceGapDetected,
    SurveySubmitted,
    TrainingCompleted,
)
from asn_platform.contracts.enrollment import CatalogueChange, ProgrammeCatalogueChanged
from asn_platform.envelope import Envelope, KafkaRecord, decode, encode
from asn_platform.periods import Period
from asn_platform.tangsel import CATALOGUE, SeedProgramme
from asn_platform.timezone import now_jakarta
from asn_platform.topics import NUDGE_REQUESTED, PROGRAMME_SCHEDULED, RECOMMENDATION_ISSUED
from asn_platform.vocabulary import ELEMENTS, ElementCode, EnrollmentStatus, Mutu

T = TypeVar("T")
_people = itertools.count(1)


def new_unit() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


def new_nip() -> str:
    """A well-formed NIP, unique within the test session."""
    n = next(_people)
    return f"1985{n // 28 % 12 + 1:02d}{n % 28 + 1:02d}2010{n // 336 % 12 + 1:02d}1{n % 1000:03d}"


def catalogue_entry(
    seed: SeedProgramme, *, active: bool = True, changed_at: datetime | None = None
) -> ProgrammeCatalogueChanged:
    """A catalogue entry as enrollment announces it."""
    return ProgrammeCatalogueChanged(
        code=seed.code,
        title=seed.title,
        kind=seed.kind,
        competencies=list(seed.competencies),
        target_fields=list(seed.target_fields),
        jp=seed.jp,
        benefit_id=seed.benefit_id,
        benefit_en=seed.benefit_en,
        default_capacity=seed.capacity,
        days=seed.days,
        active=active,
        change=CatalogueChange.CREATED if active else CatalogueChange.DEACTIVATED,
        changed_at=changed_at or now_jakarta(),
    )


def seed_catalogue() -> list[ProgrammeCatalogueChanged]:
    """The seed catalogue as enrollment publishes it when it seeds (asn_platform.tangsel)."""
    return [catalogue_entry(seed) for seed in CATALOGUE]


def previous_quarter() -> Period:
    today = now_jakarta().date()
    q = (today.month - 1) // 3 + 1
    return Period.parse(f"{today.year - 1}-Q4" if q == 1 else f"{today.year}-Q{q - 1}")


def profile(
    nip: str,
    unit_id: str,
    *,
    position_type: str = "pelaksana",
    supervisor_nip: str | None = None,
    name: str | None = None,
    changed_at: datetime | None = None,
    active: bool = True,
    bidang: str = "administrasi_kependudukan",
) -> AsnProfileChanged:
    return AsnProfileChanged(
        nip=nip,
        name=name or f"Pegawai {nip[-4:]}",
        unit_id=unit_id,
        bidang=bidang,  # type: ignore[arg-type]
        position="Pengadministrasi Kependudukan",
        position_type=position_type,  # type: ignore[arg-type]
        rank="III/a",
        supervisor_nip=supervisor_nip,
        active=active,
        change=ProfileChange.UPDATED if active else ProfileChange.DEACTIVATED,
        changed_at=changed_at or now_jakarta(),
    )


def gap(
    unit_id: str,
    element: str = "U7",
    *,
    period: Period | None = None,
    score: float = 60.25,
    status: str = "opened",
    sample_size: int = 400,
    required_sample: int = 370,
    bidang: str = "administrasi_kependudukan",
    detected_at: datetime | None = None,
) -> ServiceGapDetected:
    p = period or previous_quarter()
    code = ElementCode(element)
    mutu = Mutu.D if score < 65 else Mutu.C if score < 76.61 else Mutu.B
    return ServiceGapDetected(
        status=status,  # type: ignore[arg-type]
        unit_id=unit_id,
        unit_name=f"Unit Uji {unit_id}",
        bidang=bidang,  # type: ignore[arg-type]
        element=code,
        element_name=ELEMENTS[code].name_id,
        score_nrr=score / 25,
        score_converted=score,
        mutu=mutu,
        sample_size=sample_size,
        required_sample=required_sample,
        period=p.key,
        period_label=p.label("id"),
        trend="first",  # type: ignore[arg-type]
        previous_score_converted=None,
        threshold=76.61,
        detected_at=detected_at or now_jakarta(),
    )


def enrollment(
    nip: str,
    status: EnrollmentStatus,
    *,
    programme_code: str = "PLP-PRIMA",
    enrollment_id: str | None = None,
    scheduled_programme_id: str | None = None,
    changed_at: datetime | None = None,
) -> EnrollmentChanged:
    return EnrollmentChanged(
        enrollment_id=enrollment_id or f"enr-{uuid.uuid4().hex[:12]}",
        nip=nip,
        programme_code=programme_code,
        session_id=f"ses-{uuid.uuid4().hex[:8]}",
        status=status,
        previous_status=EnrollmentStatus.INVITED,
        reason="Bertepatan dengan pelayanan keliling." if status.value == "declined" else None,
        changed_at=changed_at or now_jakarta(),
        scheduled_programme_id=scheduled_programme_id,
    )


def completion(
    nip: str,
    unit_id: str,
    *,
    programme_code: str = "INTEGRITAS",
    jp: float = 8,
    completed_at: datetime | None = None,
    scheduled_programme_id: str | None = None,
) -> TrainingCompleted:
    return TrainingCompleted(
        enrollment_id=f"enr-{uuid.uuid4().hex[:12]}",
        nip=nip,
        unit_id=unit_id,
        programme_code=programme_code,
        programme_kind="seminar",  # type: ignore[arg-type]
        competencies=["manajerial.integritas"],
        jp_credited=jp,
        score=88.0,
        completed_at=completed_at or now_jakarta(),
        scheduled_programme_id=scheduled_programme_id,
    )


def survey(unit_id: str, answers: dict[str, int], submitted_at: datetime) -> SurveySubmitted:
    return SurveySubmitted(
        response_id=str(uuid.uuid4()),
        unit_id=unit_id,
        bidang="administrasi_kependudukan",  # type: ignore[arg-type]
        service="KTP-el",
        answers=answers,  # type: ignore[arg-type]
        respondent={  # type: ignore[arg-type]
            "sex": "P",
            "age_band": "30-39",
            "education": "S1",
            "occupation": "Swasta",
        },
        submitted_at=submitted_at,
        channel="web",  # type: ignore[arg-type]
    )


SOURCES = {
    "asn.surveys": "/tangsel/surveys",
    "asn.enrollment": "/tangsel/enrollment",
    "asn.recommendations": "/tangsel/recommendations",
}


def record_of(event: Event, event_id: uuid.UUID | None = None) -> KafkaRecord:
    source = SOURCES[".".join(event.topic.split(".")[:2])]
    return encode(event, source=source, id=event_id)


class Publisher:
    """Publishes events as the owning service's outbox relay would (acks=all, keyed)."""

    def __init__(self, bootstrap: str) -> None:
        self.producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=2)

    async def start(self) -> None:
        await self.producer.start()

    async def stop(self) -> None:
        await self.producer.stop()

    async def send(self, *events: Event | KafkaRecord) -> list[KafkaRecord]:
        records = [e if isinstance(e, KafkaRecord) else record_of(e) for e in events]
        futures = [
            await self.producer.send(r.topic, r.value, key=r.key, headers=r.headers)
            for r in records
        ]
        await asyncio.gather(*futures)
        return records


@dataclass
class Tap:
    """Reads the service's output topics from the beginning (no group) into memory."""

    bootstrap: str
    events: list[Envelope[Any]] = field(default_factory=list)
    _consumer: AIOKafkaConsumer | None = None
    _task: asyncio.Task[None] | None = None

    TOPICS = (PROGRAMME_SCHEDULED, RECOMMENDATION_ISSUED, NUDGE_REQUESTED)

    async def start(self) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=20,
        )
        await consumer.start()
        await consumer._client.force_metadata_update()
        tps = [
            TopicPartition(t, p)
            for t in self.TOPICS
            for p in sorted(consumer.partitions_for_topic(t) or ())
        ]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        self._consumer = consumer
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self._consumer is not None
        while True:
            batch = await self._consumer.getmany(timeout_ms=100)
            for records in batch.values():
                for r in records:
                    self.events.append(
                        decode(r.topic, r.headers, r.value, key=r.key, partition=r.partition)
                    )

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._consumer is not None:
            await self._consumer.stop()

    def matching(self, topic: str, where: Callable[[Any], bool]) -> list[Envelope[Any]]:
        return [e for e in self.events if e.topic == topic and where(e.data)]

    async def wait_for(
        self, topic: str, where: Callable[[Any], bool], count: int = 1, timeout_s: float = 20
    ) -> list[Envelope[Any]]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = self.matching(topic, where)
            if len(found) >= count:
                return found
            await asyncio.sleep(0.05)
        raise AssertionError(
            f"expected {count} event(s) on {topic}, got {len(self.matching(topic, where))}"
        )


async def eventually(
    check: Callable[[], Awaitable[T | None]], timeout_s: float = 20, what: str = "condition"
) -> T:
    """Poll until check() returns something truthy; its value."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = await check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def later(seconds: float) -> datetime:
    return now_jakarta() + timedelta(seconds=seconds)
