"""Email end to end on real parts: events on Kafka in, messages out to a real SMTP server."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from icalendar import Calendar

from asn_notifications.domain.calendar import event_uid
from asn_platform.contracts.enrollment import SessionChange
from asn_platform.timezone import JAKARTA
from asn_platform.vocabulary import EnrollmentStatus
from tests.integration.notifications.conftest import Notif
from tests.integration.notifications.parts import (
    SmtpServer,
    attachments,
    completed,
    enrollment,
    nudge,
    programme,
    session,
    uid,
)
from tests.integration.recommendations.helpers import eventually, new_nip, profile

pytestmark = pytest.mark.integration
INVITED, ENROLLED = EnrollmentStatus.INVITED, EnrollmentStatus.ENROLLED


def ics_event(msg: object) -> tuple[str, object]:
    """(METHOD, the VEVENT) of the message's calendar file, parsed back with icalendar."""
    files = attachments(msg, "text/calendar")  # type: ignore[arg-type]
    assert len(files) == 1
    cal = Calendar.from_ical(files[0])
    events = [c for c in cal.walk("VEVENT")]
    assert len(events) == 1
    return str(cal["METHOD"]), events[0]


async def person(
    notif: Notif, *, lang: str = "id", supervisor: str | None = None
) -> tuple[str, str]:
    nip = new_nip()
    address = f"p{nip[-6:]}@tangerangselatankota.go.id"
    await notif.publish(
        profile(nip, "disdukcapil", supervisor_nip=supervisor, name=f"Sari {nip[-3:]}")
    )
    await notif.contact(nip, email=address, lang=lang)
    return nip, address


async def opened(notif: Notif, **kwargs: object) -> tuple[str, str]:
    code, sid = uid("PLP").upper(), uid("ses")
    await notif.publish(programme(code), session(sid, code, **kwargs))  # type: ignore[arg-type]
    return code, sid


async def test_invitation_carries_the_benefit_and_a_calendar_request(notif: Notif) -> None:
    code, sid = await opened(notif)
    nip, address = await person(notif)
    await notif.publish(enrollment(uid("enr"), nip, code, sid, INVITED))
    [mail] = await notif.mail(address, "invitation")
    assert mail["Subject"].startswith("Undangan: Pelatihan Pelayanan Prima")
    text = mail.get_body(("plain",)).get_content()
    assert "Melayani warga dengan lebih ramah" in text  # the benefit, in Indonesian
    assert "Dr. Rina Kusuma" in text and "Aula BKPSDM" in text
    assert "Selasa, 20 Oktober 2026 pukul 08.00 WIB" in text
    assert "<p>" in mail.get_body(("html",)).get_content()
    method, event = ics_event(mail)
    assert method == "REQUEST"
    assert str(event["UID"]) == event_uid(sid, nip)
    assert int(event["SEQUENCE"]) == 0
    start = event.decoded("DTSTART")
    assert start == datetime(2026, 10, 20, 8, 0, tzinfo=JAKARTA)
    assert str(start.tzinfo) == "Asia/Jakarta"
    assert nip not in str(event["UID"])


async def test_english_by_preference_and_an_acceptance_confirmation(notif: Notif) -> None:
    code, sid = await opened(notif)
    nip, address = await person(notif, lang="en")
    eid = uid("enr")
    await notif.publish(enrollment(eid, nip, code, sid, INVITED))
    [invitation] = await notif.mail(address, "invitation")
    assert invitation["Subject"].startswith("Invitation: ")
    assert "Serve citizens more kindly" in invitation.get_body(("plain",)).get_content()
    await notif.publish(enrollment(eid, nip, code, sid, ENROLLED, INVITED, minutes=5))
    [confirmation] = await notif.mail(address, "confirmation")
    assert confirmation["Subject"].startswith("Enrollment confirmed")
    method, event = ics_event(confirmation)
    assert method == "REQUEST" and str(event["UID"]) == event_uid(sid, nip)


async def test_reschedule_updates_the_same_uid_and_a_cancellation_removes_it(notif: Notif) -> None:
    code, sid = await opened(notif)
    nip, address = await person(notif)
    await notif.publish(enrollment(uid("enr"), nip, code, sid, INVITED))
    [first] = await notif.mail(address, "invitation")
    _, invited = ics_event(first)
    moved = datetime(2026, 10, 27, 9, 0, tzinfo=JAKARTA)
    await notif.publish(
        session(sid, code, sequence=1, change=SessionChange.RESCHEDULED, starts_at=moved,
                reason="Aula dipakai untuk rapat paripurna.")
    )  # fmt: skip
    [notice] = await notif.mail(address, "rescheduled")
    method, event = ics_event(notice)
    assert method == "REQUEST"
    assert str(event["UID"]) == str(invited["UID"])
    assert int(event["SEQUENCE"]) > int(invited["SEQUENCE"])
    assert event.decoded("DTSTART") == moved
    assert "rapat paripurna" in notice.get_body(("plain",)).get_content()
    await notif.publish(
        session(sid, code, sequence=2, change=SessionChange.CANCELLED, starts_at=moved)
    )
    [cancel] = await notif.mail(address, "cancelled")
    method, event = ics_event(cancel)
    assert method == "CANCEL"
    assert str(event["UID"]) == str(invited["UID"]) and int(event["SEQUENCE"]) == 2
    assert str(event["STATUS"]) == "CANCELLED"


async def test_a_nudge_after_a_decline_and_the_supervisor_after_the_second(notif: Notif) -> None:
    code, sid = await opened(notif)
    boss, boss_address = await person(notif)
    nip, address = await person(notif, supervisor=boss)
    eid = uid("enr")
    await notif.publish(
        enrollment(eid, nip, code, sid, INVITED),
        enrollment(eid, nip, code, sid, EnrollmentStatus.DECLINED, INVITED, minutes=3),
    )
    await notif.publish(nudge(nip, code, 1))
    [first] = await notif.mail(address, "nudge")
    assert "melayani warga dengan lebih ramah" in first.get_body(("plain",)).get_content()
    assert not notif.mailbox.to(boss_address, "escalation")
    await notif.publish(nudge(nip, code, 2, supervisor_nip=boss))
    await notif.mail(address, "nudge", count=2)
    [escalation] = await notif.mail(boss_address, "escalation")
    assert f"Sari {nip[-3:]}" in escalation["Subject"]
    assert "bukan teguran" in escalation.get_body(("plain",)).get_content()


async def test_nothing_is_sent_twice_when_every_event_comes_twice(notif: Notif) -> None:
    code, sid = uid("PLP").upper(), uid("ses")
    boss, boss_address = await person(notif)
    nip, address = await person(notif, supervisor=boss)
    eid = uid("enr")
    events = [
        programme(code),
        session(sid, code),
        enrollment(eid, nip, code, sid, INVITED),
        enrollment(eid, nip, code, sid, ENROLLED, INVITED, minutes=1),
        session(sid, code, sequence=1, change=SessionChange.RESCHEDULED,
                starts_at=datetime(2026, 10, 21, 8, 0, tzinfo=JAKARTA)),
        nudge(nip, code, 2, supervisor_nip=boss),
        completed(eid, nip, code, sid),
    ]  # fmt: skip
    records = await notif.publish(*events)
    await notif.publisher.send(*records)  # the same records again (a redelivery)
    again = await notif.publish(*events)  # and the same facts under new event ids
    await notif.applied(records)
    assert len(again) == len(records)
    rows = await notif.settled(nip)
    kinds = sorted(r["kind"] for r in rows)
    assert kinds == ["completion", "confirmation", "invitation", "nudge", "rescheduled"]
    assert all(r["status"] == "sent" for r in rows), [(r["kind"], r["last_error"]) for r in rows]
    for kind in kinds:
        assert len(notif.mailbox.to(address, kind)) == 1, kind
    await notif.settled(boss)
    assert len(notif.mailbox.to(boss_address, "escalation")) == 1
    ids = [m["Message-ID"] for m in notif.mailbox.to(address)]
    assert len(ids) == len(set(ids)) == 5


async def test_smtp_down_for_a_while_then_up_every_message_arrives_once(notif: Notif) -> None:
    code, sid = await opened(notif)
    people = [await person(notif) for _ in range(3)]
    notif.smtp.stop()
    try:
        await notif.publish(*[enrollment(uid("enr"), nip, code, sid, INVITED) for nip, _ in people])

        async def all_failed_at_least_twice() -> bool:
            for nip, _ in people:
                rows = await notif.rows(nip)
                if not rows or rows[0]["attempts"] < 2 or rows[0]["status"] == "sent":
                    return False
                assert "unreachable" in (rows[0]["last_error"] or "")
            return True

        await eventually(all_failed_at_least_twice, 30, "the sender to retry while SMTP is down")
        listed = (await notif.client.get("/api/v1/deliveries")).json()["items"]
        assert {nip for nip, _ in people} <= {i["recipient_nip"] for i in listed}
    finally:
        notif.smtp = SmtpServer(notif.mailbox, notif.smtp.port)
        notif.smtp.start()
    for nip, address in people:
        await notif.mail(address, "invitation")
        [row] = await notif.settled(nip)
        assert row["status"] == "sent"
    for _, address in people:
        assert len(notif.mailbox.to(address, "invitation")) == 1


async def test_quiet_hours_hold_nudges_but_not_session_notices(notif: Notif) -> None:
    saturday_night = datetime(2026, 10, 10, 21, 30, tzinfo=JAKARTA)
    notif.clock.set(saturday_night)
    code, sid = await opened(notif)
    nip, address = await person(notif)
    await notif.publish(enrollment(uid("enr"), nip, code, sid, INVITED), nudge(nip, code, 1))
    await notif.mail(address, "invitation")  # a session notice goes at once, even at night
    rows = {r["kind"]: r for r in await notif.rows(nip)}
    held = rows["nudge"]
    assert held["status"] == "pending"
    assert held["not_before"] == datetime(2026, 10, 12, 8, 0, tzinfo=JAKARTA)  # Monday 08:00
    await notif.wiring.sender.run_once()  # type: ignore[union-attr]
    # the two events come from different topics, so the rows' order is not the events' order
    still = {r["kind"]: r for r in await notif.rows(nip)}
    assert still["nudge"]["status"] == "pending"
    assert not notif.mailbox.to(address, "nudge")
    notif.clock.set(datetime(2026, 10, 12, 8, 0, 1, tzinfo=JAKARTA))
    await notif.mail(address, "nudge")


async def test_opt_out_and_weekly_cap_skip_nudges_with_the_reason_and_admin_resends(
    notif: Notif,
) -> None:
    code, sid = await opened(notif)
    nip, address = await person(notif)
    await notif.contact(nip, email=address, nudge_opt_out=True)
    await notif.publish(nudge(nip, code, 1))
    [row] = await notif.rows(nip)
    assert row["status"] == "skipped" and row["last_error"] == "opted_out"
    await notif.publish(enrollment(uid("enr"), nip, code, sid, INVITED))
    await notif.mail(address, "invitation")  # never opted out of one's own sessions

    other, other_address = await person(notif)
    await notif.publish(nudge(other, code, 1), nudge(other, code, 2), nudge(other, code, 3))
    rows = await notif.rows(other)
    assert [r["status"] for r in rows].count("skipped") == 1
    capped = next(r for r in rows if r["status"] == "skipped")
    assert capped["last_error"] == "weekly_cap"
    await notif.mail(other_address, "nudge", count=2)
    response = await notif.client.post(f"/api/v1/deliveries/{capped['id']}/resend")
    assert response.status_code == 200, response.text
    await notif.mail(other_address, "nudge", count=3)
    again = await notif.client.post(f"/api/v1/deliveries/{capped['id']}/resend")
    assert again.status_code == 409


async def test_completion_brings_a_certificate_that_the_public_page_verifies(
    notif: Notif, identity: object
) -> None:
    code, sid = await opened(notif)
    nip, address = await person(notif)
    eid = uid("enr")
    await notif.publish(completed(eid, nip, code, sid))
    [mail] = await notif.mail(address, "completion")
    assert "24 JP" in mail["Subject"]
    [pdf] = attachments(mail, "application/pdf")
    assert pdf.startswith(b"%PDF")
    [cert] = (await notif.client.get(f"/api/v1/asn/{nip}/certificates")).json()["items"]
    number = cert["number"]
    assert number in mail.get_body(("plain",)).get_content()
    assert f"http://verify.test/verify/{number}" in mail.get_body(("plain",)).get_content()
    page = await notif.client.get(f"/verify/{number}", headers={"Authorization": ""})
    assert page.status_code == 200 and "SAH / VALID" in page.text
    assert f"Sari {nip[-3:]}" in page.text and nip not in page.text
    check = (await notif.client.get(f"/api/v1/certificates/{number}/verification",
                                    headers={"Authorization": ""})).json()  # fmt: skip
    assert check["valid"] is True and check["holder_name"] == f"Sari {nip[-3:]}"
    assert set(check) == {"number", "valid", "holder_name", "message", "message_en"}
    bogus = (await notif.client.get("/api/v1/certificates/TS-2026-2222-2222/verification",
                                    headers={"Authorization": ""})).json()  # fmt: skip
    assert bogus["valid"] is False and bogus["holder_name"] is None
    download = await notif.client.get(f"/api/v1/asn/{nip}/certificates/{number}.pdf")
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    stranger = await notif.client.get(
        f"/api/v1/asn/{nip}/certificates/{number}.pdf",
        headers=identity.headers("asn"),  # type: ignore[attr-defined]
    )
    assert stranger.status_code == 403


async def test_a_civil_servant_downloads_their_own_certificate_and_no_one_elses(
    notif: Notif, identity: object
) -> None:
    """An `asn` token (ika.yuliani, claim nip) passes only on its own NIP's path, and there
    only for a certificate that NIP holds: another holder's number is a 404, not the PDF."""
    ika = "197506281998022015"
    code, sid = await opened(notif)
    other, _ = await person(notif)
    await notif.publish(
        completed(uid("enr"), ika, code, sid), completed(uid("enr"), other, code, sid)
    )
    as_ika = identity.headers("asn", user="ika.yuliani")  # type: ignore[attr-defined]
    listed = await notif.client.get(f"/api/v1/asn/{ika}/certificates", headers=as_ika)
    assert listed.status_code == 200
    [mine] = [c for c in listed.json()["items"] if c["programme_code"] == code]
    [theirs] = (await notif.client.get(f"/api/v1/asn/{other}/certificates")).json()["items"]
    own = await notif.client.get(mine["download"], headers=as_ika)
    assert own.status_code == 200 and own.content.startswith(b"%PDF")
    not_hers = await notif.client.get(
        f"/api/v1/asn/{ika}/certificates/{theirs['number']}.pdf", headers=as_ika
    )
    assert not_hers.status_code == 404
    their_path = await notif.client.get(f"/api/v1/asn/{other}/certificates", headers=as_ika)
    assert their_path.status_code == 403


async def test_the_day_before_reminder_is_planned_once(notif: Notif) -> None:
    starts = datetime(2026, 10, 7, 8, 0, tzinfo=JAKARTA)  # the clock says Tuesday 6th
    code, sid = await opened(notif, starts_at=starts)
    nip, address = await person(notif)
    eid = uid("enr")
    await notif.publish(
        enrollment(eid, nip, code, sid, INVITED),
        enrollment(eid, nip, code, sid, ENROLLED, INVITED, minutes=1),
    )
    job = notif.wiring.reminders
    assert job is not None
    notif.clock.set(starts - timedelta(days=2))
    await job.run_once()
    notif.clock.set(starts - timedelta(hours=20))
    assert await job.run_once() >= 1
    await job.run_once()
    [reminder] = await notif.mail(address, "reminder")
    assert "besok" in reminder["Subject"]
    await notif.settled(nip)
    assert len(notif.mailbox.to(address, "reminder")) == 1


async def test_cancelling_the_session_then_its_enrollments_tells_each_person_once(
    notif: Notif,
) -> None:
    code, sid = await opened(notif)
    nip, address = await person(notif)
    eid = uid("enr")
    await notif.publish(enrollment(eid, nip, code, sid, INVITED))
    await notif.mail(address, "invitation")
    await notif.publish(session(sid, code, sequence=1, change=SessionChange.CANCELLED))
    await notif.publish(
        enrollment(eid, nip, code, sid, EnrollmentStatus.CANCELLED, INVITED, minutes=9)
    )
    await notif.mail(address, "cancelled")
    rows = await notif.settled(nip)
    assert sorted(r["kind"] for r in rows) == ["cancelled", "invitation"]
    assert len(notif.mailbox.to(address, "cancelled")) == 1


async def test_an_enrollment_cancelled_alone_cancels_its_calendar_entry(notif: Notif) -> None:
    code, sid = await opened(notif)
    nip, address = await person(notif)
    eid = uid("enr")
    await notif.publish(
        enrollment(eid, nip, code, sid, INVITED),
        enrollment(eid, nip, code, sid, ENROLLED, INVITED, minutes=1),
        enrollment(eid, nip, code, sid, EnrollmentStatus.CANCELLED, ENROLLED, minutes=2),
    )
    [cancel] = await notif.mail(address, "cancelled")
    method, event = ics_event(cancel)
    assert method == "CANCEL" and str(event["UID"]) == event_uid(sid, nip)
    assert "Keikutsertaan Anda" in cancel.get_body(("plain",)).get_content()
