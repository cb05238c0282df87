from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from asn_enrollment.domain.catalogue import (
    Programme,
    Session,
    SessionMode,
    session_for,
)
from asn_enrollment.seed import seed_catalogue, seed_catalogue_by_code
from asn_platform.tangsel import CATALOGUE
from asn_platform.timezone import JAKARTA
from asn_platform.vocabulary import Bidang, ProgrammeKind

START = datetime(2026, 7, 6, 8, 0, tzinfo=JAKARTA)
END = datetime(2026, 7, 6, 16, 0, tzinfo=JAKARTA)


def session(**overrides: Any) -> Session:
    data: dict[str, Any] = {
        "programme_code": "PLP-PRIMA",
        "programme_kind": "teknis",
        "starts_at": START,
        "ends_at": END,
        "place": "Aula BKPSDM, Jl. Maruga Raya No. 1, Ciputat",
        "capacity": 30,
    }
    data.update(overrides)
    return Session.model_validate(data)


def programme(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": "TEST-1",
        "title": "Pelatihan Uji",
        "kind": "teknis",
        "competencies": ["manajerial.komunikasi", "teknis.kesehatan"],
        "target_fields": ["kesehatan"],
        "jp": 8,
        "benefit_id": "Manfaat",
        "benefit_en": "Benefit",
        "default_capacity": 20,
    }
    data.update(overrides)
    return data


def test_seed_catalogue_mirrors_the_shared_seed() -> None:
    programmes = seed_catalogue()
    assert [p.code for p in programmes] == [s.code for s in CATALOGUE]
    for built, seed in zip(programmes, CATALOGUE, strict=True):
        assert built.jp == seed.jp and built.default_capacity == seed.capacity
        assert built.competencies == seed.competencies
        assert built.benefit_id == seed.benefit_id and built.benefit_en == seed.benefit_en
    assert seed_catalogue_by_code()["ADMINDUK"].target_fields == (Bidang.ADMINISTRASI_KEPENDUDUKAN,)


def test_programme_openness_by_field() -> None:
    by_code = seed_catalogue_by_code()
    assert by_code["PLP-PRIMA"].is_open_to(Bidang.KESEHATAN)
    assert by_code["MANKES"].is_open_to(Bidang.KESEHATAN)
    assert not by_code["MANKES"].is_open_to(Bidang.PENDIDIKAN)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": "plp prima"}, "code"),
        ({"jp": 0}, "jp"),
        ({"jp": -4}, "jp"),
        ({"default_capacity": 0}, "default_capacity"),
        ({"competencies": []}, "competencies"),
        ({"competencies": ["manajerial.berenang"]}, "competencies"),
        ({"competencies": ["komunikasi"]}, "competencies"),
        ({"competencies": ["teknis.kesehatan", "teknis.kesehatan"]}, "competencies"),
        ({"target_fields": ["perikanan"]}, "target_fields"),
        ({"kind": "kursus"}, "kind"),
        ({"benefit_id": "  "}, "benefit_id"),
    ],
)
def test_invalid_programme_fields(overrides: dict[str, Any], field: str) -> None:
    Programme.model_validate(programme())  # the base is valid
    with pytest.raises(ValidationError) as caught:
        Programme.model_validate(programme(**overrides))
    assert {str(e["loc"][0]) for e in caught.value.errors()} == {field}


def test_session_times_are_held_in_jakarta() -> None:
    s = session(starts_at=datetime(2026, 7, 6, 1, 0, tzinfo=UTC), ends_at=END)
    assert s.starts_at.tzinfo == JAKARTA
    assert s.starts_at == START
    assert s.starts_at.hour == 8


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValidationError, match="zona waktu"):
        session(starts_at=START.replace(tzinfo=None))


@pytest.mark.parametrize("end", [START, START - timedelta(minutes=1)])
def test_end_must_be_after_start(end: datetime) -> None:
    with pytest.raises(ValidationError, match="waktu selesai harus setelah waktu mulai"):
        session(ends_at=end)


def test_place_or_link_or_both() -> None:
    assert session().mode is SessionMode.OFFLINE
    online = session(place=None, online_url="https://zoom.us/j/123")
    assert online.mode is SessionMode.ONLINE
    assert session(online_url="https://zoom.us/j/123").mode is SessionMode.HYBRID
    with pytest.raises(ValidationError, match="isi tempat atau tautan daring"):
        session(place=None)
    with pytest.raises(ValidationError, match="isi tempat atau tautan daring"):
        session(place="  ", online_url="")


@pytest.mark.parametrize("url", ["zoom.us/j/1", "ftp://x.example/a", "https://", "javascript:x"])
def test_online_link_must_be_http(url: str) -> None:
    with pytest.raises(ValidationError, match="tautan harus"):
        session(online_url=url)


def test_capacity_at_least_one() -> None:
    with pytest.raises(ValidationError):
        session(capacity=0)


@pytest.mark.parametrize("kind", [ProgrammeKind.SEMINAR, ProgrammeKind.WORKSHOP])
def test_seminars_and_workshops_need_a_speaker_with_a_topic(kind: ProgrammeKind) -> None:
    with pytest.raises(ValidationError, match="narasumber"):
        session(programme_kind=kind)
    with pytest.raises(ValidationError):
        session(programme_kind=kind, speakers=[{"name": "Dr. Rina", "topic": " "}])
    ok = session(programme_kind=kind, speakers=[{"name": "Dr. Rina", "topic": "Anti pungli"}])
    assert ok.speakers[0].topic == "Anti pungli"


def test_other_kinds_may_have_no_speaker() -> None:
    assert session(programme_kind=ProgrammeKind.BIMTEK).speakers == ()


def test_session_for_copies_code_kind_and_default_capacity() -> None:
    integritas = seed_catalogue_by_code()["INTEGRITAS"]
    s = session_for(
        integritas,
        starts_at=START,
        ends_at=END,
        place="Pendopo",
        speakers=[{"name": "Inspektorat", "topic": "Pungli"}],
    )
    assert (s.programme_code, s.programme_kind, s.capacity) == ("INTEGRITAS", "seminar", 100)
    assert (
        session_for(
            integritas,
            starts_at=START,
            ends_at=END,
            place="P",
            capacity=5,
            speakers=[{"name": "A", "topic": "B"}],
        ).capacity
        == 5
    )


def test_errors_point_at_the_field_for_field_level_http_messages() -> None:
    with pytest.raises(ValidationError) as caught:
        session(ends_at=START)
    assert [e["loc"] for e in caught.value.errors()] == [("ends_at",)]
    with pytest.raises(ValidationError) as caught:
        session(programme_kind="seminar")
    assert [e["loc"] for e in caught.value.errors()] == [("speakers",)]
    with pytest.raises(ValidationError) as caught:
        session(starts_at=START.replace(tzinfo=None))
    assert [e["loc"] for e in caught.value.errors()] == [("starts_at",)]
