from datetime import UTC, datetime

import pytest

from asn_enrollment.domain.jp_ledger import (
    JpEntry,
    PersonStanding,
    RosterMember,
    jp_by_person_year,
    jp_for_year,
    ledger_year,
    person_standings,
    shortfall,
    unit_compliance,
)
from asn_platform.timezone import JAKARTA
from asn_platform.vocabulary import ANNUAL_JP_MINIMUM


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_year_is_the_jakarta_calendar_year() -> None:
    assert ledger_year(utc(2026, 12, 31, 20, 0)) == 2027  # 03:00 WIB on 1 January
    assert ledger_year(utc(2026, 12, 31, 16, 59)) == 2026  # 23:59 WIB
    assert ledger_year(utc(2026, 12, 31, 17, 0)) == 2027  # 00:00 WIB
    assert ledger_year(datetime(2027, 1, 1, 0, 30, tzinfo=JAKARTA)) == 2027


def test_completion_across_the_year_boundary_counts_in_the_jakarta_year() -> None:
    entries = [
        JpEntry("e1", "A", 16, utc(2026, 6, 1, 3, 0)),
        JpEntry("e2", "A", 8, utc(2026, 12, 31, 20, 0)),  # 2027 in Jakarta
        JpEntry("e3", "B", 24, utc(2026, 12, 31, 16, 0)),  # 23:00 WIB, still 2026
    ]
    assert jp_by_person_year(entries) == {"A": {2026: 16, 2027: 8}, "B": {2026: 24}}
    assert jp_for_year(entries, 2026) == {"A": 16, "B": 24}
    assert jp_for_year(entries, 2027) == {"A": 8}


def test_a_redelivered_completion_is_counted_once() -> None:
    entry = JpEntry("e1", "A", 16, utc(2026, 6, 1))
    assert jp_for_year([entry, entry, JpEntry("e1", "A", 16, utc(2026, 6, 1))], 2026) == {"A": 16}


def test_two_different_entries_under_one_id_are_an_error() -> None:
    with pytest.raises(ValueError, match="tercatat dua kali"):
        jp_for_year(
            [JpEntry("e1", "A", 16, utc(2026, 6, 1)), JpEntry("e1", "A", 8, utc(2026, 6, 1))], 2026
        )


def test_entries_refuse_zero_jp_and_naive_times() -> None:
    with pytest.raises(ValueError):
        JpEntry("e", "A", 0, utc(2026, 1, 1))
    with pytest.raises(ValueError):
        JpEntry("e", "A", 8, datetime(2026, 1, 1))


@pytest.mark.parametrize(("jp", "missing"), [(0, 20), (8, 12), (19, 1), (20, 0), (32, 0)])
def test_shortfall(jp: int, missing: int) -> None:
    assert ANNUAL_JP_MINIMUM == 20
    assert shortfall(jp) == missing
    standing = PersonStanding("A", 2026, jp)
    assert standing.shortfall == missing
    assert standing.compliant is (missing == 0)


def test_unit_compliance_counts_people_without_completions_and_skips_inactive() -> None:
    members = [
        RosterMember("A", "disdukcapil"),
        RosterMember("B", "disdukcapil"),
        RosterMember("C", "disdukcapil"),
        RosterMember("D", "disdukcapil", active=False),
        RosterMember("E", "dinkes"),
        RosterMember("F", "dinkes"),
    ]
    entries = [
        JpEntry("1", "A", 24, utc(2026, 3, 1)),
        JpEntry("2", "B", 8, utc(2026, 3, 1)),
        JpEntry("3", "B", 8, utc(2026, 12, 31, 20, 0)),  # 2027: does not help B in 2026
        JpEntry("4", "D", 4, utc(2026, 3, 1)),
        JpEntry("5", "E", 16, utc(2026, 3, 1)),
        JpEntry("6", "E", 4, utc(2026, 9, 1)),
        JpEntry("7", "F", 32, utc(2026, 9, 1)),
        JpEntry("8", "Z", 32, utc(2026, 9, 1)),  # not on the roster: ignored
    ]
    report = {u.unit_id: u for u in unit_compliance(members, entries, 2026)}
    assert list(report) == ["dinkes", "disdukcapil"]

    dukcapil = report["disdukcapil"]
    assert dukcapil.headcount == 3
    assert dukcapil.below_count == 2
    assert dukcapil.compliant_count == 1
    assert [(p.nip, p.jp, p.shortfall) for p in dukcapil.below] == [("C", 0, 20), ("B", 8, 12)]
    assert dukcapil.percent_compliant == pytest.approx(100 / 3)

    dinkes = report["dinkes"]
    assert (dinkes.headcount, dinkes.below_count, dinkes.percent_compliant) == (2, 0, 100.0)


def test_person_standings_and_empty_units() -> None:
    members = [RosterMember("A", "u"), RosterMember("B", "u", active=False)]
    assert person_standings(members, [], 2026) == [PersonStanding("A", 2026, 0)]
    assert unit_compliance([], [], 2026) == []
    only_inactive = unit_compliance([RosterMember("B", "u", active=False)], [], 2026)
    assert only_inactive == []
