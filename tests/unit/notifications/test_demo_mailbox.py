"""The demo's side of notifications: the contacts CSV it uploads is one the service's own parser
accepts, and its reading of the mailbox spots what is missing and what came twice."""

from __future__ import annotations

from asn_devkit.demo.mailbox import Expected, Mailbox, contacts_csv, demo_email
from asn_notifications.domain.contacts import parse_csv


def test_the_demo_addresses_are_plain_ascii_under_the_reserved_domain() -> None:
    assert demo_email("Dr. Siti Aminah, S.Kom.", "198001012005012001") == (
        "dr.siti.aminah.2001@tangsel.example"
    )
    assert demo_email("Ni Luh Putu Ayu Ṡari", "199002022015022002") == (
        "ni.luh.putu.ayu.sari.2002@tangsel.example"
    )


def test_the_contacts_csv_is_accepted_by_the_service_parser() -> None:
    roster = {
        "198001012005012001": {"name": "Siti Aminah"},
        "199002022015022002": {"name": "Budi Santoso, S.E."},
    }
    text, addresses = contacts_csv(roster)
    good, bad = parse_csv(text)
    assert not bad
    assert {c.nip: c.email for c in good} == addresses
    assert {c.channel.value for c in good} == {"email"} and {c.lang for c in good} == {"id"}


def _mail(kind: str, to: str, mid: str, attachments: list[str] | None = None) -> dict[str, object]:
    return {"kind": kind, "to": f"Nama <{to}>", "message_id": mid, "attachments": attachments or []}


def test_the_mailbox_reading_names_what_is_missing_and_what_came_twice() -> None:
    expected = Expected(
        invitation=["a@tangsel.example", "b@tangsel.example"],
        confirmation=["a@tangsel.example"],
        completion=["a@tangsel.example"],
        nudge="b@tangsel.example",
        nudge_nip="199002022015022002",
    )
    box = Mailbox(
        [
            _mail("invitation", "a@tangsel.example", "<1@x>", ["undangan.ics"]),
            _mail("invitation", "a@tangsel.example", "<1@x>", ["undangan.ics"]),
            _mail("confirmation", "a@tangsel.example", "<2@x>", ["undangan.ics"]),
            _mail("completion", "a@tangsel.example", "<3@x>", ["sertifikat-TS-2026-AAAA-BBBB.pdf"]),
        ]
    )
    assert expected.missing(box, nudge_held=False) == [
        "invitation -> b@tangsel.example",
        "nudge -> b@tangsel.example",
    ]
    assert expected.missing(box, nudge_held=True) == ["invitation -> b@tangsel.example"]
    assert box.duplicates == ["<1@x>"]
    assert box.counts == {"invitation": 2, "confirmation": 1, "completion": 1}
    assert box.with_attachment("completion", ".pdf") == 1
