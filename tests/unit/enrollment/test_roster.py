from typing import Any

import pytest
from pydantic import ValidationError

from asn_enrollment.domain.roster import RANKS, CivilServant, normalize_rank, rank_order
from asn_platform.vocabulary import Bidang, PositionType

from .strategies import TODAY

HEAD = "197701202002042001"
STAFF = "198504122010011001"


def profile(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "nip": STAFF,
        "name": "Budi Santoso",
        "unit_id": "disdukcapil",
        "bidang": "administrasi_kependudukan",
        "position": "Operator Perekaman KTP-el",
        "position_type": "pelaksana",
        "rank": "II/c",
        "supervisor_nip": HEAD,
    }
    data.update(overrides)
    return data


def validate(**overrides: Any) -> CivilServant:
    return CivilServant.model_validate(profile(**overrides), context={"today": TODAY})


def error_fields(error: ValidationError) -> set[str]:
    return {str(e["loc"][0]) for e in error.errors()}


def test_valid_profile() -> None:
    person = validate()
    assert person.bidang is Bidang.ADMINISTRASI_KEPENDUDUKAN
    assert person.position_type is PositionType.PELAKSANA
    assert person.active is True
    assert person.supervisor_nip == HEAD


def test_codes_are_case_insensitive_and_text_is_trimmed() -> None:
    person = validate(bidang=" Kesehatan ", position_type="Struktural", name="  Siti Aminah ")
    assert person.bidang is Bidang.KESEHATAN
    assert person.position_type is PositionType.STRUKTURAL
    assert person.name == "Siti Aminah"


@pytest.mark.parametrize(
    ("raw", "rank"), [("III/a", "III/a"), ("iii / A", "III/a"), ("IV/e", "IV/e")]
)
def test_rank_is_normalised(raw: str, rank: str) -> None:
    assert normalize_rank(raw) == rank
    assert validate(rank=raw).rank == rank


@pytest.mark.parametrize(
    "raw", ["III/e", "II/e", "I/e", "IV/f", "V/a", "3/a", "IIIa", "", "III/ab"]
)
def test_invalid_ranks_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match=r"^golongan harus"):
        normalize_rank(raw)
    with pytest.raises(ValidationError) as caught:
        validate(rank=raw)
    assert error_fields(caught.value) == {"rank"}


def test_rank_scale() -> None:
    assert len(RANKS) == 17
    assert RANKS[0] == "I/a" and RANKS[-1] == "IV/e"
    assert rank_order("III/d") < rank_order("IV/a")


def test_invalid_nip_names_the_part() -> None:
    with pytest.raises(ValidationError) as caught:
        validate(nip="198502302010011001")
    assert error_fields(caught.value) == {"nip"}
    assert "tanggal lahir tidak valid" in str(caught.value)


def test_supervisor_must_not_be_self() -> None:
    with pytest.raises(ValidationError) as caught:
        validate(supervisor_nip=STAFF)
    assert error_fields(caught.value) == {"supervisor_nip"}
    assert "atasan tidak boleh dirinya sendiri" in str(caught.value)


def test_supervisor_must_be_a_valid_nip_and_blank_means_none() -> None:
    with pytest.raises(ValidationError) as caught:
        validate(supervisor_nip="12345")
    assert error_fields(caught.value) == {"supervisor_nip"}
    assert validate(supervisor_nip="  ").supervisor_nip is None
    assert validate(supervisor_nip=None).supervisor_nip is None


def test_future_appointment_is_judged_against_the_given_today() -> None:
    future = "198504122026071001"
    with pytest.raises(ValidationError):
        validate(nip=future)
    later = TODAY.replace(year=2027)
    person = CivilServant.model_validate(profile(nip=future), context={"today": later})
    assert person.nip == future


def test_required_text_and_known_codes() -> None:
    with pytest.raises(ValidationError) as caught:
        validate(name=" ", bidang="kesehatan_hewan", position_type="honorer")
    assert error_fields(caught.value) == {"name", "bidang", "position_type"}
    assert "bidang tidak dikenal" in str(caught.value)


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError):
        validate(golongan="III/a")


def test_repr_masks_nips() -> None:
    text = repr(validate())
    assert STAFF not in text and HEAD not in text
    assert "1985***********001" in text


def test_validating_without_the_date_is_a_programming_error() -> None:
    # The domain reads no clock: the caller passes today; a TypeError is no 422 for a client.
    with pytest.raises(TypeError, match="today"):
        CivilServant.model_validate(profile())
