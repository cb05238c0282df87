"""The console's pure rules: who lands where and may open what, WIB input values, mutu
labels from the platform's one definition, the JP gauge."""

from __future__ import annotations

from asn_console.domain import formatting as fmt
from asn_console.domain.access import allowed_transitions, may_open_unit, start_page, unit_scope
from asn_console.domain.charts import jp_chart
from asn_console.domain.processing import mutu_band, mutu_label
from asn_platform.auth.principal import Principal


def _p(*roles: str, units: tuple[str, ...] = (), nip: str | None = None) -> Principal:
    return Principal("s", frozenset(roles), frozenset(units), nip)


def test_each_role_starts_on_its_page() -> None:
    assert start_page(_p("auditor")) == "/dashboard"
    assert start_page(_p("unit-operator", units=("dpmptsp", "disdukcapil"))) == "/units/disdukcapil"
    assert start_page(_p("organizer")) == "/sessions"
    assert start_page(_p("asn", nip="1" * 18)) == "/me"
    assert start_page(_p()) is None


def test_unit_operators_stay_in_their_units() -> None:
    op = _p("unit-operator", units=("disdukcapil",))
    assert may_open_unit(op, "disdukcapil") and not may_open_unit(op, "dpmptsp")
    assert unit_scope(op, "dpmptsp") == "disdukcapil"
    assert unit_scope(_p("organizer"), "dpmptsp") == "dpmptsp"
    assert unit_scope(_p("auditor"), None) is None


def test_transitions_offered_per_role() -> None:
    assert allowed_transitions(_p("organizer")) == {"attended", "no_show", "completed"}
    assert allowed_transitions(_p("asn")) == {"enrolled", "declined"}
    assert allowed_transitions(_p("auditor")) == set()
    assert len(allowed_transitions(_p("admin"))) == 5


def test_wib_input_values_for_datetime_local() -> None:
    assert fmt.wib_input("2026-12-16T01:00:00+00:00") == "2026-12-16T08:00"
    assert fmt.wib_input(None) == ""


def test_mutu_from_the_platform() -> None:
    assert mutu_band(None) is None and mutu_band(12.0) is None  # outside 25..100
    assert mutu_label("A") == ("Sangat Baik", "Very good") and mutu_label("X") is None


def test_jp_gauge() -> None:
    assert jp_chart(None, "id") is None
    gauge = jp_chart({"jp": 32, "minimum": 20}, "en")
    assert gauge == {"kind": "gauge", "value": 32.0, "max": 32.0, "target": 20.0,
                     "name": "JP this year"}  # fmt: skip
