"""Personal recommendations: ranking, exclusions, reasons with their data and decimal comma."""

from __future__ import annotations

import json
import random
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from asn_platform.periods import Period
from asn_platform.vocabulary import Bidang, ElementCode, Mutu, PositionType
from asn_recommendations.domain.recommend import (
    ReasonKind,
    Recommendation,
    jp_status_id,
    recommend_for,
)
from tests.unit.recommendations.builders import CATALOGUE, default_rules, gap, person, record

U7_GAP = gap(element=ElementCode.U7, score=60.25, mutu=Mutu.D, sample_size=312)
U3_GAP = gap(element=ElementCode.U3, score=72.5, mutu=Mutu.C, sample_size=312)


def recommend(
    position: PositionType = PositionType.PELAKSANA,
    jp: float = 8,
    completed: tuple[tuple[str, date], ...] = (),
    gaps: tuple = (U7_GAP, U3_GAP),
    bidang: Bidang | None = Bidang.ADMINISTRASI_KEPENDUDUKAN,
    unit_id: str = "disdukcapil",
) -> tuple[Recommendation, ...]:
    return recommend_for(
        person(1, position, unit_id=unit_id, bidang=bidang),
        record(1, jp=jp, completed=completed),
        year=2026,
        unit_gaps=list(gaps),
        rules=default_rules(),
        catalogue=CATALOGUE,
    )


def codes(items: tuple[Recommendation, ...]) -> list[str]:
    return [r.programme_code for r in items]


def test_ranking_for_front_office_staff_short_of_jp() -> None:
    items = recommend()
    assert codes(items) == [
        "PLP-PRIMA",
        "SOP-SP",
        "KOMUNIKASI",
        "INTEGRITAS",
        "PERUBAHAN",
        "ADMINDUK",
    ]
    assert [r.rank for r in items] == list(range(1, len(items) + 1))
    assert [r.score for r in items] == sorted((r.score for r in items), reverse=True)
    top = items[0]
    assert [r.kind for r in top.reasons] == [ReasonKind.UNIT_GAP, ReasonKind.JP_MINIMUM]


def test_explanation_strings_use_the_decimal_comma_and_cite_their_data() -> None:
    top = recommend()[0]
    gap_reason, jp_reason = top.reasons
    assert gap_reason.reason_id.startswith(
        "Skor unsur Perilaku Pelaksana di Disdukcapil 2,41 (mutu D) dari 312 responden pada "
        "Triwulan III 2026, setara 60,25 pada skala 25-100."
    )
    assert gap_reason.reason_en.startswith(
        "The Staff behaviour score at Disdukcapil is 2.41 (grade D, very poor) from 312 "
        "respondents in Q3 2026"
    )
    assert gap_reason.data["element"] == "U7"
    assert gap_reason.data["nrr"] == 2.41
    assert gap_reason.data["sample_size"] == 312
    assert gap_reason.data["period"] == "2026-Q3"
    assert gap_reason.data["rule_version"] == "2026.1"
    assert jp_reason.reason_id == (
        "JP Anda tahun 2026 baru 8 dari minimal 20 JP; program ini (24 JP) menutup kekurangan "
        "12 JP."
    )
    assert jp_reason.data == {
        "year": 2026,
        "jp_this_year": 8,
        "minimum": 20,
        "shortfall": 12,
        "programme_jp": 24,
    }
    assert top.reason_id == f"{gap_reason.reason_id} {jp_reason.reason_id}"
    evidence = top.evidence
    assert evidence["score"] == top.score
    assert [r["kind"] for r in evidence["reasons"]] == ["unit_gap", "jp_minimum"]  # type: ignore[index, union-attr]
    assert json.loads(json.dumps(evidence)) == evidence
    assert jp_status_id(2026, 8) == "JP Anda tahun 2026 baru 8 dari minimal 20 JP"
    assert jp_status_id(2026, 7.5) == "JP Anda tahun 2026 baru 7,5 dari minimal 20 JP"


def test_worse_gap_ranks_higher() -> None:
    items = recommend(gaps=(U3_GAP, U7_GAP))
    assert codes(items)[0] == "PLP-PRIMA"  # mutu D outranks mutu C
    gap_scores = {r.programme_code: r.reasons[0].weight for r in items}
    assert gap_scores["PLP-PRIMA"] > gap_scores["SOP-SP"]


def test_completed_programmes_are_never_recommended() -> None:
    done = (("PLP-PRIMA", date(2026, 2, 1)), ("ADMINDUK", date(2025, 2, 1)))
    items = recommend(completed=done)
    assert "PLP-PRIMA" not in codes(items) and "ADMINDUK" not in codes(items)
    assert codes(items)[0] == "SOP-SP"


def test_leadership_track_for_structural_posts_one_rung_at_a_time() -> None:
    items = recommend(PositionType.STRUKTURAL, jp=30)
    assert "PKP" in codes(items) and "PKA" not in codes(items)
    assert "PLP-PRIMA" not in codes(items)  # U7 targets the front office
    pkp = next(r for r in items if r.programme_code == "PKP")
    assert pkp.reasons[0].kind is ReasonKind.LEADERSHIP
    after_pkp = recommend(PositionType.STRUKTURAL, jp=30, completed=(("PKP", date(2024, 1, 1)),))
    assert "PKA" in codes(after_pkp) and "PKP" not in codes(after_pkp)
    for position in (PositionType.PELAKSANA, PositionType.FUNGSIONAL):
        assert not {"PKP", "PKA"} & set(codes(recommend(position)))


def test_field_training_in_the_persons_bidang() -> None:
    items = recommend(gaps=(), jp=30, bidang=Bidang.KESEHATAN, unit_id="dinkes")
    assert codes(items) == ["MANKES"]
    assert items[0].reasons[0].reason_id == (
        "Pelatihan teknis untuk bidang Kesehatan, bidang kerja Anda."
    )
    assert items[0].reasons[0].data == {"bidang": "kesehatan"}


def test_jp_met_means_no_jp_reasons() -> None:
    items = recommend(jp=20)
    assert all(r.kind is not ReasonKind.JP_MINIMUM for item in items for r in item.reasons)


def test_jp_shortfall_alone_brings_the_smallest_programme_that_closes_it() -> None:
    items = recommend(gaps=(), jp=0, bidang=Bidang.KEPEGAWAIAN, unit_id="bkpsdm")
    assert codes(items) == ["PLP-PRIMA"]  # 24 JP: the smallest open programme >= 20 JP
    assert items[0].reasons[0].kind is ReasonKind.JP_MINIMUM
    items = recommend(gaps=(), jp=12, bidang=Bidang.KEPEGAWAIAN, unit_id="bkpsdm")
    assert codes(items) == ["INTEGRITAS"]  # 8 JP closes an 8 JP shortfall; code breaks the tie


def test_provisional_and_facility_gaps_do_not_drive_training() -> None:
    provisional = gap(element=ElementCode.U7, provisional=True, sample_size=20)
    facilities = gap(element=ElementCode.U9)
    items = recommend(gaps=(provisional, facilities), jp=30)
    assert all(r.kind is not ReasonKind.UNIT_GAP for item in items for r in item.reasons)


def test_gaps_of_other_units_are_ignored() -> None:
    other = gap(unit_id="dinkes", element=ElementCode.U8)
    assert "PENGADUAN" not in codes(recommend(gaps=(other,), jp=30))


@settings(max_examples=80, deadline=None)
@given(
    position=st.sampled_from(list(PositionType)),
    jp=st.integers(0, 40),
    completed=st.lists(st.sampled_from(sorted(CATALOGUE)), unique=True, max_size=6),
    elements=st.lists(st.sampled_from(list(ElementCode)), unique=True, max_size=5),
    seed=st.integers(0, 1000),
)
def test_recommendation_properties(position, jp, completed, elements, seed) -> None:  # type: ignore[no-untyped-def]
    done = tuple((c, date(2025, 1, 1)) for c in completed)
    gaps = [gap(element=e, score=55 + 3 * i) for i, e in enumerate(elements)]
    items = recommend(position, jp=jp, completed=done, gaps=tuple(gaps))
    assert not set(codes(items)) & set(completed)
    assert len(set(codes(items))) == len(items)
    assert [r.score for r in items] == sorted((r.score for r in items), reverse=True)
    if position is not PositionType.STRUKTURAL:
        assert not {"PKP", "PKA"} & set(codes(items))
    for item in items:
        assert (
            item.reason_id and item.reason_en and item.score == sum(r.weight for r in item.reasons)
        )
    random.Random(seed).shuffle(gaps)
    assert recommend(position, jp=jp, completed=done, gaps=tuple(gaps)) == items


def test_one_reason_per_element_from_its_latest_gap() -> None:
    older = gap(element=ElementCode.U7, score=55.0, period=Period.parse("2026-Q2"))
    items = recommend(gaps=(older, U7_GAP), jp=30)
    top = items[0]
    assert top.programme_code == "PLP-PRIMA"
    gap_reasons = [r for r in top.reasons if r.kind is ReasonKind.UNIT_GAP]
    assert len(gap_reasons) == 1 and gap_reasons[0].data["period"] == "2026-Q3"
