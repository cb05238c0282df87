"""The rules file: the default loads and encodes docs/domain.md's map; bad files are refused with
the line and the reason."""

from __future__ import annotations

import textwrap

import pytest

from asn_platform.tangsel import UNITS
from asn_platform.vocabulary import Bidang, ElementCode, PositionType
from asn_recommendations.domain.catalogue import fitting_programmes
from asn_recommendations.domain.rules import (
    RuleAction,
    RulesError,
    Tone,
    load_rules,
)
from asn_recommendations.rules_file import default_rules_text
from tests.unit.recommendations.builders import CATALOGUE, default_rules

MINIMAL = textwrap.dedent(
    """\
    version: "2026.1"
    settings:
      cooldown_days: 90
      lead_time_days: 14
      nudges:
        max_per_programme: 3
        supervisor_after_declines: 2
        tone: ramah
    rules:
      - element: U7
        competencies: [manajerial.pelayanan_publik, manajerial.komunikasi]
        programmes: [PLP-PRIMA, KOMUNIKASI]
        positions: [pelaksana, fungsional]
        rationale: Petugas perlu pelayanan prima.
      - element: U9
        action: flag_management
        rationale: Soal anggaran.
    """
)


def refused(text: str, **kwargs: object) -> RulesError:
    kwargs.setdefault("catalogue", CATALOGUE)  # the code checks need a catalogue to check against
    with pytest.raises(RulesError) as info:
        load_rules(text, **kwargs)  # type: ignore[arg-type]
    return info.value


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


# -- the default file ---------------------------------------------------------------------


def test_default_rules_load_with_version_and_settings() -> None:
    rules = default_rules()
    assert rules.version == "2026.1"
    assert default_rules_text().lstrip().splitlines()[-1]  # shipped, non-empty
    s = rules.settings
    assert (s.cooldown_days, s.lead_time_days) == (90, 14)
    assert (s.nudges.max_per_programme, s.nudges.supervisor_after_declines) == (3, 2)
    assert s.nudges.tone is Tone.RAMAH


def test_every_element_has_a_general_rule() -> None:
    rules = default_rules()
    for element in ElementCode:
        assert rules.rule_for(element, None) is not None, element


def test_u9_flags_management_and_schedules_nothing() -> None:
    rule = default_rules().rule_for(ElementCode.U9, Bidang.ADMINISTRASI_KEPENDUDUKAN)
    assert rule is not None
    assert rule.action is RuleAction.FLAG_MANAGEMENT
    assert rule.programmes == ()


@pytest.mark.parametrize(
    ("bidang", "code"),
    [
        (Bidang.ADMINISTRASI_KEPENDUDUKAN, "ADMINDUK"),
        (Bidang.KESEHATAN, "MANKES"),
        (Bidang.PENDIDIKAN, "KURIKULUM"),
        (Bidang.PERIZINAN, "PERIZINAN-OSS"),
        (Bidang.KETENAGAKERJAAN, "TEKNIS-NAKER"),
        (Bidang.PEMERINTAHAN_UMUM, "PATEN"),
        (Bidang.KEPEGAWAIAN, "SOP-SP"),  # no technical programme of its own: general rule
    ],
)
def test_u6_is_technical_training_in_the_units_field(bidang: Bidang, code: str) -> None:
    rule = default_rules().rule_for(ElementCode.U6, bidang)
    assert rule is not None
    assert fitting_programmes(rule.programmes, bidang, CATALOGUE)[0].code == code


@pytest.mark.parametrize(
    ("element", "expected"),
    [
        (ElementCode.U7, ("PLP-PRIMA", "KOMUNIKASI", "INTEGRITAS")),
        (ElementCode.U2, ("SOP-SP", "PERUBAHAN")),
        (ElementCode.U3, ("SOP-SP", "PERUBAHAN")),
        (ElementCode.U5, ("SOP-SP", "PERUBAHAN")),
        (ElementCode.U4, ("INTEGRITAS",)),
        (ElementCode.U8, ("PENGADUAN", "KOMUNIKASI")),
        (ElementCode.U1, ("ADMINDUK", "KOMUNIKASI")),
    ],
)
def test_starting_map_for_disdukcapil(element: ElementCode, expected: tuple[str, ...]) -> None:
    rule = default_rules().rule_for(element, Bidang.ADMINISTRASI_KEPENDUDUKAN)
    assert rule is not None
    assert rule.programmes == expected
    assert rule.rationale_id and rule.rationale_en


def test_u7_targets_the_front_office() -> None:
    rule = default_rules().rule_for(ElementCode.U7, Bidang.KESEHATAN)
    assert rule is not None
    assert rule.positions == {PositionType.PELAKSANA, PositionType.FUNGSIONAL}
    assert "manajerial.pelayanan_publik" in rule.competencies


def test_every_seed_unit_gets_a_fitting_programme_for_every_training_element() -> None:
    rules = default_rules()
    for unit in UNITS:
        for element in ElementCode:
            rule = rules.rule_for(element, unit.bidang)
            assert rule is not None
            if rule.action is RuleAction.SCHEDULE:
                assert fitting_programmes(rule.programmes, unit.bidang, CATALOGUE), (unit, element)


def test_minimal_file_and_defaults() -> None:
    rules = load_rules(
        'version: "1"\nrules:\n  - element: U4\n    competencies: '
        "[manajerial.integritas]\n    programmes: [INTEGRITAS]\n    rationale: x\n"
    )
    assert rules.settings.cooldown_days == 90
    assert rules.settings.lead_time_days == 14
    assert rules.settings.nudges.supervisor_after_declines == 2
    assert rules.rules[0].line == 3
    assert rules.rule_for(ElementCode.U7, None) is None


def test_unquoted_version_keeps_its_text() -> None:
    assert load_rules(MINIMAL.replace('"2026.1"', "2026.10")).version == "2026.10"


def test_narrow_rule_beats_general_rule() -> None:
    text = MINIMAL + (
        "  - element: U7\n"
        "    bidang: kesehatan\n"
        "    competencies: [teknis.kesehatan]\n"
        "    programmes: [MANKES]\n"
        "    rationale: Khusus kesehatan.\n"
    )
    rules = load_rules(text)
    narrow = rules.rule_for(ElementCode.U7, Bidang.KESEHATAN)
    general = rules.rule_for(ElementCode.U7, Bidang.PENDIDIKAN)
    assert narrow is not None and narrow.programmes == ("MANKES",)
    assert general is not None and general.programmes == ("PLP-PRIMA", "KOMUNIKASI")


# -- refusals: line and reason ---------------------------------------------------------------


def test_unknown_programme_code_names_line_and_reason() -> None:
    text = MINIMAL.replace("[PLP-PRIMA, KOMUNIKASI]", "[PLP-PRIMA, XYZ]")
    err = refused(text)
    line = line_of(text, "XYZ")
    assert str(err) == f"rules.yaml baris {line}: kode program 'XYZ' tidak ada di katalog"
    assert (err.line, err.reason) == (line, "kode program 'XYZ' tidak ada di katalog")


def test_error_in_the_shipped_file_points_at_its_real_line() -> None:
    text = default_rules_text().replace("[PENGADUAN, KOMUNIKASI]", "[PENGADUAN, KOMUNIKASII]")
    err = refused(text, source="default_rules.yaml")
    assert str(err).startswith(f"default_rules.yaml baris {line_of(text, 'KOMUNIKASII')}: ")


def test_code_checked_against_the_given_catalogue() -> None:
    small = {code: CATALOGUE[code] for code in ("INTEGRITAS", "KOMUNIKASI")}
    err = refused(MINIMAL, catalogue=small)
    assert err.reason == "kode program 'PLP-PRIMA' tidak ada di katalog"


def test_unknown_element() -> None:
    text = MINIMAL.replace("element: U7", "element: U10")
    err = refused(text)
    assert err.line == line_of(text, "U10")
    assert "unsur 'U10' tidak dikenal" in err.reason


@pytest.mark.parametrize(
    ("old", "new", "needle", "fragment"),
    [
        ("version:", "versi: 1\nversion:", "versi:", "kunci 'versi' tidak dikenal"),
        (
            "    rationale: Petugas",
            "    programme: [KOMUNIKASI]\n    rationale: Petugas",
            "programme: [KOMUNIKASI]",
            "kunci 'programme' tidak dikenal di aturan",
        ),
        ("  lead_time_days: 14", "  lead_time: 14", "lead_time:", "kunci 'lead_time' tidak"),
        ("    tone: ramah", "    tone: ramah\n    nada: formal", "nada:", "kunci 'nada'"),
    ],
)
def test_unknown_keys_are_errors(old: str, new: str, needle: str, fragment: str) -> None:
    text = MINIMAL.replace(old, new, 1)
    err = refused(text)
    assert err.line == line_of(text, needle)
    assert fragment in err.reason


def test_bad_yaml_reports_its_line() -> None:
    text = MINIMAL.replace("[PLP-PRIMA, KOMUNIKASI]", "[PLP-PRIMA, KOMUNIKASI")
    err = refused(text)
    assert err.reason.startswith("YAML tidak valid")
    assert err.line >= line_of(text, "[PLP-PRIMA, KOMUNIKASI")
    assert str(err).startswith(f"rules.yaml baris {err.line}: YAML tidak valid")


def test_tab_indentation_is_bad_yaml_with_line() -> None:
    text = MINIMAL.replace("  cooldown_days: 90", "\tcooldown_days: 90")
    err = refused(text)
    assert err.line == line_of(text, "cooldown_days")
    assert "YAML tidak valid" in err.reason


@pytest.mark.parametrize(
    ("old", "new", "needle", "fragment"),
    [
        (
            "cooldown_days: 90",
            "cooldown_days: sembilan",
            "cooldown_days",
            "cooldown_days harus berupa bilangan bulat",
        ),
        ("cooldown_days: 90", "cooldown_days: -5", "cooldown_days", "bilangan bulat"),
        ("lead_time_days: 14", "lead_time_days: 900", "lead_time_days", "antara 0 dan 365"),
        ("tone: ramah", "tone: galak", "tone:", "tone 'galak' tidak dikenal"),
        (
            "supervisor_after_declines: 2",
            "supervisor_after_declines: 0",
            "supervisor_after_declines",
            "antara 1 dan 20",
        ),
        (
            "manajerial.komunikasi]",
            "manajerial.sopan]",
            "manajerial.sopan",
            "kompetensi manajerial 'sopan' tidak dikenal",
        ),
        ("manajerial.komunikasi]", "komunikasi]", "  competencies:", "'<jenis>.<kode>'"),
        (
            "positions: [pelaksana, fungsional]",
            "positions: [pelaksana, honorer]",
            "honorer",
            "jenis jabatan 'honorer' tidak dikenal",
        ),
        (
            "[PLP-PRIMA, KOMUNIKASI]",
            "[PLP-PRIMA, PLP-PRIMA]",
            "[PLP-PRIMA, PLP-PRIMA]",
            "disebut dua kali",
        ),
        (
            "    rationale: Petugas perlu pelayanan prima.",
            "    rationale: ''",
            "rationale: ''",
            "rationale harus berupa teks yang tidak kosong",
        ),
        ('version: "2026.1"', "version: [1]", "version:", "version harus berupa teks"),
        (
            "    action: flag_management",
            "    action: flag_management\n    programmes: [PATEN]",
            "programmes: [PATEN]",
            "flag_management tidak menjadwalkan program",
        ),
        (
            "    action: flag_management",
            "    action: hapus",
            "action: hapus",
            "action 'hapus' tidak dikenal",
        ),
        (
            "  - element: U9",
            "  - element: U9\n    bidang: pertanian",
            "pertanian",
            "bidang 'pertanian' tidak dikenal",
        ),
    ],
)
def test_bad_values_are_refused_with_line(old: str, new: str, needle: str, fragment: str) -> None:
    text = MINIMAL.replace(old, new, 1)
    assert text != MINIMAL
    err = refused(text)
    assert fragment in err.reason
    assert err.line == line_of(text, needle)


def test_duplicate_key_and_duplicate_rule() -> None:
    text = MINIMAL.replace("  cooldown_days: 90", "  cooldown_days: 90\n  cooldown_days: 30")
    err = refused(text)
    assert err.line == line_of(text, "cooldown_days: 30")
    assert "muncul dua kali" in err.reason

    text = MINIMAL + "  - element: U9\n    action: flag_management\n    rationale: lagi\n"
    err = refused(text)
    assert err.line == len(text.splitlines()) - 2
    assert f"sudah ada di baris {line_of(MINIMAL, 'element: U9')}" in err.reason


def test_narrow_rule_needs_a_programme_open_to_its_field() -> None:
    text = MINIMAL + (
        "  - element: U6\n"
        "    bidang: pendidikan\n"
        "    competencies: [teknis.kesehatan]\n"
        "    programmes: [MANKES]\n"
        "    rationale: Salah bidang.\n"
    )
    err = refused(text)
    assert err.line == line_of(text, "[MANKES]")
    assert "tidak ada program dalam daftar yang terbuka untuk bidang pendidikan" in err.reason


def test_missing_required_keys() -> None:
    err = refused('version: "1"\n')
    assert err.reason == "kunci wajib 'rules' tidak ada di berkas aturan"
    err = refused('version: "1"\nrules:\n  - element: U4\n    rationale: x\n')
    assert {p.reason for p in err.problems} == {
        "aturan schedule wajib punya 'programmes'",
        "aturan schedule wajib punya 'competencies'",
    }
    assert err.line == 3


def test_empty_and_non_mapping_files() -> None:
    assert refused("").reason == "berkas aturan kosong"
    assert refused("# only a comment\n").line == 1
    assert "pasangan kunci" in refused("- a\n- b\n").reason
    assert refused('version: "1"\nrules: []\n').reason.startswith("daftar rules kosong")


def test_every_problem_is_reported_in_line_order() -> None:
    text = MINIMAL.replace("element: U7", "element: U0").replace("tone: ramah", "tone: keras")
    err = refused(text)
    assert [p.line for p in err.problems] == [line_of(text, "keras"), line_of(text, "U0")]
    assert len(str(err).splitlines()) == 2


def test_without_a_catalogue_only_the_structure_is_checked() -> None:
    """The service loads its rules before its catalogue read model is filled: a code not (yet)
    in any catalogue is accepted, a malformed or repeated one is still refused."""
    text = MINIMAL.replace("[PLP-PRIMA, KOMUNIKASI]", "[PLP-PRIMA, BARU-2027]")
    assert load_rules(text).rules[0].programmes == ("PLP-PRIMA", "BARU-2027")
    bad = MINIMAL.replace("[PLP-PRIMA, KOMUNIKASI]", "[PLP-PRIMA, 'bukan kode']")
    err = refused(bad, catalogue=None)
    assert err.line == line_of(bad, "bukan kode") and "tidak sah" in err.reason
    twice = MINIMAL.replace("[PLP-PRIMA, KOMUNIKASI]", "[PLP-PRIMA, PLP-PRIMA]")
    assert "disebut dua kali" in refused(twice, catalogue=None).reason
