"""A gap that persists after its programme becomes a gap of the later period (pure), and the
request/reply question is read leniently where the old responder was."""

from __future__ import annotations

from fractions import Fraction

from asn_platform.vocabulary import Bidang, ElementCode, Mutu
from asn_recommendations.domain.follow_ups import OpenGap, mutu_of, persisting_gap
from asn_recommendations.handlers.rpc import read_question


def open_gap(answer_sum: int, answer_count: int, required: int = 10) -> OpenGap:
    return OpenGap(
        unit_id="disdukcapil",
        unit_name="Disdukcapil",
        bidang=Bidang.ADMINISTRASI_KEPENDUDUKAN,
        element=ElementCode.U7,
        threshold=76.61,
        required_sample=required,
        later_period="2026-Q4",
        answer_sum=answer_sum,
        answer_count=answer_count,
    )


def test_still_weak_in_the_later_period_is_a_gap_of_that_period() -> None:
    gap = persisting_gap(open_gap(answer_sum=24, answer_count=12))  # mean 2 -> 50
    assert gap is not None
    assert gap.key == "disdukcapil:U7:2026-Q4"
    assert gap.score == Fraction(50) and gap.mutu is Mutu.D
    assert not gap.provisional


def test_few_answers_make_it_provisional_and_none_or_recovery_no_gap() -> None:
    gap = persisting_gap(open_gap(answer_sum=10, answer_count=5))
    assert gap is not None and gap.provisional
    assert persisting_gap(open_gap(answer_sum=0, answer_count=0)) is None
    assert persisting_gap(open_gap(answer_sum=40, answer_count=12)) is None  # 83.33 >= 76.61


def test_mutu_bands_on_the_score_shown_to_two_decimals() -> None:
    assert mutu_of(Fraction(8831, 100)) is Mutu.A
    assert mutu_of(Fraction(88305, 1000)) is Mutu.A  # shows as 88,31
    assert mutu_of(Fraction(7661, 100)) is Mutu.B
    assert mutu_of(Fraction(65)) is Mutu.C
    assert mutu_of(Fraction(6499, 100)) is Mutu.D


def test_the_question_is_typed_and_read_as_leniently_as_before() -> None:
    nip = "198501012010011001"
    question = read_question({"nip": nip, "lang": "fr"})
    assert question is not None and (question.nip, question.lang) == (nip, "id")
    assert read_question({"nip": nip, "lang": "en"}).lang == "en"  # type: ignore[union-attr]
    assert read_question({"nip": "12345"}) is None
    assert read_question({}) is None
