from collections import Counter, defaultdict

from asn_enrollment.domain.nip import parse_nip
from asn_enrollment.domain.roster import CivilServant, rank_order
from asn_enrollment.seed_roster import (
    FIRST_NAMES,
    SEED_REFERENCE_DATE,
    seed_roster,
)
from asn_platform.tangsel import UNITS, UNITS_BY_ID
from asn_platform.vocabulary import PositionType

from .strategies import TODAY

ROSTER = seed_roster()


def test_every_person_is_valid_and_nips_are_unique() -> None:
    assert len({p.nip for p in ROSTER}) == len(ROSTER)
    for person in ROSTER:
        again = CivilServant.model_validate(
            person.model_dump(), context={"today": SEED_REFERENCE_DATE}
        )
        assert again == person
        parse_nip(person.nip, today=TODAY)


def test_every_unit_has_8_to_15_people_in_its_field() -> None:
    sizes = Counter(p.unit_id for p in ROSTER)
    assert set(sizes) == {u.unit_id for u in UNITS}
    assert all(8 <= n <= 15 for n in sizes.values())
    assert all(p.bidang is UNITS_BY_ID[p.unit_id].bidang for p in ROSTER)


def test_one_struktural_head_supervises_everyone_else() -> None:
    by_unit: dict[str, list[CivilServant]] = defaultdict(list)
    for person in ROSTER:
        by_unit[person.unit_id].append(person)
    for people in by_unit.values():
        heads = [p for p in people if p.position_type is PositionType.STRUKTURAL]
        assert len(heads) == 1
        head = heads[0]
        assert head.supervisor_nip is None
        assert all(p.supervisor_nip == head.nip for p in people if p is not head)
        fungsional = [p for p in people if p.position_type is PositionType.FUNGSIONAL]
        assert 2 <= len(fungsional) <= 4
        assert len(people) - 1 - len(fungsional) >= 3


def test_ranks_follow_position_type() -> None:
    for person in ROSTER:
        order = rank_order(person.rank)
        if person.position_type is PositionType.STRUKTURAL:
            assert order >= rank_order("III/d")
        elif person.position_type is PositionType.FUNGSIONAL:
            assert rank_order("III/a") <= order <= rank_order("III/d")
        else:
            assert rank_order("II/a") <= order <= rank_order("III/b")


def test_sex_digit_matches_the_first_name() -> None:
    for person in ROSTER:
        sex = parse_nip(person.nip, today=TODAY).sex
        assert person.name.split()[0] in FIRST_NAMES[sex]


def test_deterministic_and_seed_dependent() -> None:
    assert seed_roster() == ROSTER
    other = seed_roster(seed=7)
    assert other != ROSTER
    assert all(8 <= n <= 15 for n in Counter(p.unit_id for p in other).values())
