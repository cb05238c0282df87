"""Pure rules of the notifications service: quiet hours, backoff, contacts, calendar files,
certificate numbers and PDFs, the WhatsApp error format."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from icalendar import Calendar

from asn_notifications.channels import PermanentFailure, TemporaryFailure
from asn_notifications.channels.whatsapp import failure_of, template_body
from asn_notifications.domain.calendar import CalendarEntry, build_ics, event_uid
from asn_notifications.domain.certificate import CertificateView, certificate_number, render_pdf
from asn_notifications.domain.contacts import (
    Channel,
    ContactError,
    clean_email,
    clean_mobile,
    make_contact,
    parse_csv,
)
from asn_notifications.domain.messages import persuasion_refusal
from asn_notifications.domain.schedule import QuietHours, retry_delay
from asn_notifications.domain.texts import moment_text, number_text
from asn_platform.timezone import JAKARTA

QUIET = QuietHours(20, 8, frozenset({date(2026, 12, 25)}))


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=JAKARTA)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (wib(2026, 10, 6, 10, 0), wib(2026, 10, 6, 10, 0)),  # Tuesday, working hours: now
        (wib(2026, 10, 6, 19, 59), wib(2026, 10, 6, 19, 59)),
        (wib(2026, 10, 6, 20, 0), wib(2026, 10, 7, 8, 0)),  # evening: next morning
        (wib(2026, 10, 7, 5, 0), wib(2026, 10, 7, 8, 0)),  # early: this morning
        (wib(2026, 10, 10, 21, 30), wib(2026, 10, 12, 8, 0)),  # Saturday night: Monday
        (wib(2026, 10, 11, 12, 0), wib(2026, 10, 12, 8, 0)),  # Sunday noon: Monday
        (wib(2026, 12, 25, 10, 0), wib(2026, 12, 26, 8, 0)),  # Christmas: the day after
        (wib(2026, 12, 24, 22, 0), wib(2026, 12, 26, 8, 0)),
    ],
)
def test_quiet_hours(now: datetime, expected: datetime) -> None:
    assert QUIET.next_allowed(now) == expected


def test_quiet_hours_read_utc_as_wib() -> None:
    # 14:00 UTC is 21:00 WIB: quiet.
    from datetime import UTC

    assert QUIET.next_allowed(datetime(2026, 10, 6, 14, 0, tzinfo=UTC)) == wib(2026, 10, 7, 8, 0)


def test_quiet_weekdays_are_settable_and_hours_can_be_lifted() -> None:
    saturdays_too = QuietHours(20, 8, (), weekdays=(5, 6))
    assert saturdays_too.next_allowed(wib(2026, 10, 10, 10, 0)) == wib(2026, 10, 12, 8, 0)
    never_quiet = QuietHours(0, 0, (), weekdays=())  # what the end-to-end test runs with
    assert never_quiet.next_allowed(wib(2026, 10, 11, 23, 0)) == wib(2026, 10, 11, 23, 0)


def test_backoff_doubles_and_is_capped() -> None:
    delays = [retry_delay(n, initial_s=30, max_s=3600).total_seconds() for n in range(1, 10)]
    assert delays[:4] == [30, 60, 120, 240]
    assert max(delays) == 3600


def test_persuasion_refusal() -> None:
    assert persuasion_refusal(opted_out=True, sent_this_week=0, weekly_cap=2) == "opted_out"
    assert persuasion_refusal(opted_out=False, sent_this_week=2, weekly_cap=2) == "weekly_cap"
    assert persuasion_refusal(opted_out=False, sent_this_week=1, weekly_cap=2) is None


def test_contacts_are_normalised_and_refused_field_by_field() -> None:
    assert clean_mobile("0812-3456-7890") == "+6281234567890"
    assert clean_mobile("+62 812 3456 7890") == "+6281234567890"
    assert clean_email(" budi@Example.GO.ID ") == "budi@example.go.id"
    assert clean_email("") is None
    for bad in ("12", "021 7420 5000", "+1 202 555 0100 99"):
        with pytest.raises(ContactError) as err:
            clean_mobile(bad)
        assert err.value.field == "mobile"
    with pytest.raises(ContactError):
        clean_email("budi@")
    with pytest.raises(ContactError) as err:
        make_contact(
            "1" * 18, email=None, mobile=None, channel="email", lang="id", nudge_opt_out=False
        )
    assert err.value.field == "channel"
    c = make_contact(
        "1" * 18, email="a@b.go.id", mobile=None, channel=None, lang="xx", nudge_opt_out=False
    )
    assert c.channel is Channel.EMAIL and c.lang == "id"


def test_csv_last_row_of_a_nip_wins_and_bad_rows_have_their_line() -> None:
    nip = "198504122010011001"
    good, bad = parse_csv(
        "nip,email,mobile,channel,lang,nudge_opt_out\n"
        f"{nip},a@b.go.id,,email,id,\n"
        f"{nip},c@b.go.id,,email,en,ya\n"
        "198504122010011002,,,whatsapp,id,\n"
        "198504122010011003,d@b.go.id,,fax,id,\n"
        "198504122010011004,d@b.go.id,,email,id,maybe\n"
    )
    assert [(c.email, c.lang, c.nudge_opt_out) for c in good] == [("c@b.go.id", "en", True)]
    assert [(e.line, e.field) for e in bad] == [
        (4, "channel"),
        (5, "channel"),
        (6, "nudge_opt_out"),
    ]
    assert parse_csv("email\nx@y.z\n")[1][0].field == "nip"


def _entry(method: str = "REQUEST", sequence: int = 0) -> CalendarEntry:
    return CalendarEntry(
        uid=event_uid("ses-1", "198504122010011001"),
        method=method,
        sequence=sequence,
        summary="Pelatihan Pelayanan Prima",
        description="Manfaat",
        starts_at=wib(2026, 10, 20, 8, 0),
        ends_at=wib(2026, 10, 22, 16, 0),
        location="Aula BKPSDM",
        url=None,
        organizer_email="no-reply@tangerangselatankota.go.id",
        organizer_name="BKPSDM",
        attendee_email="budi@tangerangselatankota.go.id",
        attendee_name="Budi",
        stamp=wib(2026, 10, 6, 10, 0),
    )


def test_the_calendar_file_parses_back_with_jakarta_times_and_a_timezone() -> None:
    cal = Calendar.from_ical(build_ics(_entry(sequence=3)))
    assert str(cal["METHOD"]) == "REQUEST"
    [event] = cal.walk("VEVENT")
    assert int(event["SEQUENCE"]) == 3
    assert event.decoded("DTSTART") == wib(2026, 10, 20, 8, 0)
    assert event["DTSTART"].params["TZID"] == "Asia/Jakarta"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Asia/Jakarta"]
    assert "198504122010011001" not in str(event["UID"])
    cancel = Calendar.from_ical(build_ics(_entry("CANCEL", 4)))
    assert str(cancel["METHOD"]) == "CANCEL"
    assert str(cancel.walk("VEVENT")[0]["STATUS"]) == "CANCELLED"


def test_uid_is_stable_per_session_and_person() -> None:
    assert event_uid("ses-1", "1" * 18) == event_uid("ses-1", "1" * 18)
    assert event_uid("ses-1", "1" * 18) != event_uid("ses-1", "2" * 18)
    assert event_uid("ses-1", "1" * 18) != event_uid("ses-2", "1" * 18)


def test_certificate_number_is_stable_and_readable() -> None:
    done = wib(2026, 10, 22, 16, 0)
    number = certificate_number("enr-1", done)
    assert number == certificate_number("enr-1", done + timedelta(hours=1))
    assert number != certificate_number("enr-2", done)
    assert number.startswith("TS-2026-") and len(number) == 17
    assert not set(number[8:].replace("-", "")) & set("01IO")


def test_certificate_pdf() -> None:
    view = CertificateView(
        number="TS-2026-ABCD-EFGH",
        holder_name="Siti Nur'aini",
        holder_nip="198504122010011001",
        programme_title="Pelatihan Pelayanan Prima",
        competencies=("manajerial.pelayanan_publik",),
        jp=24.5,
        starts_at=wib(2026, 10, 20, 8, 0),
        completed_at=wib(2026, 10, 22, 16, 0),
        issuer="BKPSDM Kota Tangerang Selatan",
        verify_url="https://asn.example/verify/TS-2026-ABCD-EFGH",
    )
    pdf = render_pdf(view)
    assert pdf.startswith(b"%PDF") and b"/Image" in pdf  # the QR code is an image


def test_texts_are_indonesian_first() -> None:
    assert moment_text(wib(2026, 10, 20, 8, 5), "id") == "Selasa, 20 Oktober 2026 pukul 08.05 WIB"
    assert moment_text(wib(2026, 10, 20, 8, 5), "en") == "Tuesday, 20 October 2026 at 08:05 WIB"
    assert number_text(1.5, "id") == "1,5" and number_text(24, "id") == "24"


def test_whatsapp_request_and_error_format() -> None:
    body = template_body(to="+6281234567890", template="t", lang="en", parameters=["a", "b"])
    assert body["to"] == "6281234567890" and body["template"]["language"] == {"code": "en"}
    assert [p["text"] for p in body["template"]["components"][0]["parameters"]] == ["a", "b"]
    invalid = {
        "error": {
            "code": 131026,
            "message": "Message undeliverable",
            "error_data": {"details": "x"},
        }
    }
    assert isinstance(failure_of(400, invalid), PermanentFailure)
    assert "131026" in failure_of(400, invalid).reason
    assert isinstance(
        failure_of(400, {"error": {"code": 130429, "message": "Rate"}}), TemporaryFailure
    )
    assert isinstance(failure_of(503, None), TemporaryFailure)
    assert isinstance(failure_of(404, "nope"), PermanentFailure)


def test_contact_details_are_masked_in_logs_and_failure_reasons() -> None:
    from asn_platform.logmask import mask_contacts

    text = (
        "SMTP 550 recipient refused: <budi.santoso@tangerangselatankota.go.id> (+62 812 3456 7890)"
    )
    masked = mask_contacts(text + " nip 198504122010011001 at 2026-10-06")
    assert "budi.santoso" not in masked and "b***@tangerangselatankota.go.id" in masked
    assert "3456" not in masked and masked.count("890") == 1
    assert "198504122010011001" not in masked and "2026-10-06" in masked
