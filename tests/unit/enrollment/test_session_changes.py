from datetime import datetime, timedelta

import pytest

from asn_enrollment.domain.catalogue import Session
from asn_enrollment.domain.session_changes import (
    SessionCancelled,
    SessionStarted,
    cancelled_with_session,
    check_changeable,
    told_to_invitees,
)
from asn_platform.timezone import JAKARTA
from asn_platform.vocabulary import EnrollmentStatus as S

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=JAKARTA)


def test_a_future_session_may_change() -> None:
    check_changeable(cancelled=False, starts_at=NOW + timedelta(minutes=1), now=NOW)


@pytest.mark.parametrize("starts_in", [timedelta(0), timedelta(hours=-2)])
def test_a_started_session_may_not(starts_in: timedelta) -> None:
    with pytest.raises(SessionStarted) as err:
        check_changeable(cancelled=False, starts_at=NOW + starts_in, now=NOW)
    assert err.value.code == "session_started" and "started" in err.value.message_en


def test_a_cancelled_session_may_not_even_before_its_start() -> None:
    with pytest.raises(SessionCancelled):
        check_changeable(cancelled=True, starts_at=NOW + timedelta(days=3), now=NOW)


def test_only_open_enrollments_end_with_their_session() -> None:
    open_ones = {s for s in S if cancelled_with_session(s)}
    assert open_ones == {S.INVITED, S.WAITLISTED, S.ENROLLED, S.ATTENDED}


BEFORE = Session.model_validate(
    {
        "programme_code": "PLP-PRIMA",
        "programme_kind": "teknis",
        "starts_at": NOW + timedelta(days=7),
        "ends_at": NOW + timedelta(days=7, hours=8),
        "place": "Aula BKPSDM",
        "capacity": 20,
    }
)


@pytest.mark.parametrize(
    ("change", "told"),
    [
        ({"capacity": 25}, False),
        ({"place": "Aula BKPSDM"}, False),
        ({"place": "Ruang Rapat Lt. 3"}, True),
        ({"online_url": "https://zoom.example/j/42"}, True),
        ({"speakers": [{"name": "Dr. Sari", "topic": "Etika pelayanan"}]}, True),
    ],
)
def test_invitees_hear_of_where_how_and_who_but_not_of_seats(
    change: dict[str, object], told: bool
) -> None:
    after = Session.model_validate({**BEFORE.model_dump(), **change})
    assert told_to_invitees(BEFORE, after) is told
