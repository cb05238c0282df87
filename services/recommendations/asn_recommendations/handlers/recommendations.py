"""Personal recommendations: ranked for one person on request, and issued (recommendation-
issued) when a person's situation changed: invited to a programme for their unit's gap, or a
training completed (their JP and history changed)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from asn_platform.contracts import ProgrammeScheduled, RecommendationIssued, RecommendationItem
from asn_platform.uow import UnitOfWork
from asn_platform.vocabulary import Bidang
from asn_recommendations.domain.catalogue import Catalogue
from asn_recommendations.domain.facts import Gap, LearningRecord, StaffProfile
from asn_recommendations.domain.ids import clip
from asn_recommendations.domain.recommend import Recommendation, recommend_for
from asn_recommendations.handlers.deps import Deps
from asn_recommendations.store import decisions as store
from asn_recommendations.store import queries as q
from asn_recommendations.store import readmodels as rm
from asn_recommendations.store.catalogue import active_programmes
from asn_recommendations.store.conn import Conn
from asn_recommendations.store.readmodels import Fact


def recommendation_items(recs: Sequence[Recommendation]) -> list[RecommendationItem]:
    return [
        RecommendationItem(
            rank=r.rank,
            programme_code=r.programme_code,
            reason_id=clip(r.reason_id),
            reason_en=clip(r.reason_en),
            evidence={"title": r.title, "jp": r.jp, **r.evidence},  # type: ignore[dict-item]
        )
        for r in recs
    ]


async def recommend(
    conn: Conn,
    deps: Deps,
    person: StaffProfile,
    catalogue: Catalogue,
    record: LearningRecord | None = None,
    *,
    limit: int | None = None,
    unit_gaps: Sequence[Gap] | None = None,
) -> tuple[LearningRecord, tuple[Recommendation, ...]]:
    """One person's ranked recommendations and the learning record they rest on."""
    year = deps.clock().year
    if record is None:
        record = await q.learning_record(conn, person.nip, year)
    if unit_gaps is None:
        unit_gaps = await q.open_gaps(conn, person.unit_id)
    recs = recommend_for(
        person,
        record,
        year=year,
        unit_gaps=unit_gaps,
        rules=deps.rules,
        catalogue=catalogue,
        unit_bidang=await q.unit_bidang(conn, person.unit_id),
        limit=limit if limit is not None else deps.recommendation_limit,
    )
    return record, recs


async def issue_recommendations(
    uow: UnitOfWork, deps: Deps, nips: Iterable[str], *, cause: str
) -> int:
    """Publish recommendation-issued for each active person among `nips`; how many."""
    conn = uow.conn
    wanted = sorted(set(nips))
    people = await q.profiles(conn, wanted)
    now = deps.clock()
    records = await q.learning_records(conn, wanted, now.year)
    catalogue = await active_programmes(conn)
    gaps_of_unit: dict[str, list[Gap]] = {}
    bidang_of_unit: dict[str, Bidang | None] = {}
    events: list[RecommendationIssued] = []
    for person in (people[nip] for nip in wanted if nip in people):
        if not person.active:
            continue
        unit = person.unit_id
        if unit not in gaps_of_unit:
            gaps_of_unit[unit] = await q.open_gaps(conn, unit)
            bidang_of_unit[unit] = await q.unit_bidang(conn, unit)
        recs = recommend_for(
            person,
            records.get(person.nip) or LearningRecord(nip=person.nip),
            year=now.year,
            unit_gaps=gaps_of_unit[unit],
            rules=deps.rules,
            catalogue=catalogue,
            unit_bidang=bidang_of_unit[unit],
            limit=deps.recommendation_limit,
        )
        if recs:
            items = recommendation_items(recs)
            events.append(
                RecommendationIssued(nip=person.nip, unit_id=unit, items=items, issued_at=now)
            )
    if not events:
        return 0
    ids = await uow.publish_many(events)  # one statement for the lot
    await store.insert_recommendations(
        conn,
        [
            (event_id, e.nip, e.unit_id, cause, [i.model_dump(mode="json") for i in e.items])
            for event_id, e in zip(ids, events, strict=True)
        ],
        issued_at=now,
    )
    return len(events)


async def apply_programmes_scheduled(
    uow: UnitOfWork, deps: Deps, facts: Sequence[Fact[ProgrammeScheduled]]
) -> None:
    """Bookings (no double booking), then tell each cohort member what they are invited to.

    Done when our own programme-scheduled event comes back, not in the gap's transaction: the
    gap's programme goes out without waiting for ~60 personal recommendations, and whichever
    instance scheduled it, each cohort hears it once."""
    await rm.apply_bookings(uow.conn, facts)
    for fact in facts:
        nips = [nip for s in fact.event.sessions for nip in s.cohort]
        await issue_recommendations(uow, deps, nips, cause="gap_scheduled")
