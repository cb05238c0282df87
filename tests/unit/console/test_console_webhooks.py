"""The webhook pages' pure parts: the event types offered (the partner rule's lists), how the
forms read, and the menu entry only admins get."""

from __future__ import annotations

import pytest

from asn_console.domain import webhooks as rules
from asn_console.domain.access import nav
from asn_platform import topics
from asn_platform.access import GRANTABLE_TOPICS, PERSONAL_TOPICS
from asn_platform.auth.principal import Principal


def test_every_grantable_type_is_offered_once_with_its_personal_flag_and_a_label() -> None:
    options = rules.event_options()
    assert sorted(o.topic for o in options) == sorted(GRANTABLE_TOPICS)
    assert {o.topic for o in options if o.personal} == PERSONAL_TOPICS
    assert all(o.label[0] != o.topic and o.label[1] != o.topic for o in options)
    flags = [o.personal for o in options]
    assert flags == sorted(flags)  # public ones first


def test_the_registration_form_becomes_the_api_body() -> None:
    form = {
        "agency": "  Dinas Kesehatan ",
        "url": " https://dinkes.example/hook ",
        f"type:{topics.SERVICE_GAP_DETECTED}": "1",
        f"type:{topics.SURVEY_SUBMITTED}": "1",
        f"type:{topics.SESSION_CHANGED}": "",
        "csrf": "x",
    }
    assert rules.registration_body(form) == {
        "agency": "Dinas Kesehatan",
        "url": "https://dinkes.example/hook",
        "event_types": sorted([topics.SERVICE_GAP_DETECTED, topics.SURVEY_SUBMITTED]),
        "allow_personal_data": False,
    }
    assert rules.registration_body({"allow_personal_data": "1"})["allow_personal_data"] is True


@pytest.mark.parametrize(
    ("typed", "seconds"),
    [("", None), ("1,5", 5400.0), ("2", 7200.0), ("0", 0.0), ("720", 2592000.0)],
)
def test_the_overlap_is_read_in_hours_with_a_decimal_comma(typed: str, seconds: float) -> None:
    assert rules.overlap_seconds({"overlap_h": typed}) == seconds


@pytest.mark.parametrize("typed", ["lama", "-1", "721", "nan", "inf"])
def test_an_overlap_outside_0_to_30_days_is_refused(typed: str) -> None:
    with pytest.raises(ValueError):
        rules.overlap_seconds({"overlap_h": typed})


def test_a_dead_letter_button_names_one_id_and_anything_else_means_all() -> None:
    assert rules.dead_letter_ids({"id": "42"}) == [42]
    assert rules.dead_letter_ids({}) is None
    assert rules.dead_letter_ids({"id": "0"}) is None
    assert rules.dead_letter_ids({"id": "-3"}) is None
    assert rules.dead_letter_ids({"id": str(2**63)}) is None


def test_only_admins_get_the_webhook_menu_entry() -> None:
    def paths(*roles: str) -> list[str]:
        return [p for p, _, _ in nav(Principal(subject="s", roles=frozenset(roles)))]

    assert "/webhooks" in paths("admin")
    for role in ("auditor", "organizer", "unit-operator", "asn"):
        assert "/webhooks" not in paths(role)
