"""The HR office's rules, owned as data: weak SKM element -> competencies -> programmes.

The rules file is YAML so that staff can edit it; it is parsed with yaml.compose (not
safe_load) so every value keeps its line number, and a bad file is refused with the line and
the reason in Indonesian ("rules.yaml baris 23: kode program 'XYZ' tidak ada di katalog").
Every problem in the file is reported at once, so the office can fix them in one pass.
Unknown keys are errors: a misspelt key would otherwise silently fall back to a default.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from asn_platform.vocabulary import (
    Bidang,
    CompetencyType,
    ElementCode,
    ManagerialCompetency,
    PositionType,
)
from asn_recommendations.domain.catalogue import Catalogue, fits_field

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]*$")
_PROGRAMME_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,39}$")  # the contracts' ProgrammeCode


class RuleAction(StrEnum):
    SCHEDULE = "schedule"
    # U9 facilities are mostly a budget matter: training cannot fix them, management can.
    FLAG_MANAGEMENT = "flag_management"


class Tone(StrEnum):
    RAMAH = "ramah"  # friendly
    FORMAL = "formal"


@dataclass(frozen=True, slots=True)
class NudgePolicy:
    max_per_programme: int = 3  # reminders per person per programme before escalation
    supervisor_after_declines: int = 2  # declines/no-shows before the supervisor is copied
    tone: Tone = Tone.RAMAH


@dataclass(frozen=True, slots=True)
class Settings:
    cooldown_days: int = 90  # wait after a programme ends before a follow-up for the same gap
    lead_time_days: int = 14  # notice before a first session, so people can plan their work
    max_sessions_per_gap: int = 2  # sessions opened for one gap; the rest is reported overflow
    nudges: NudgePolicy = field(default_factory=NudgePolicy)


@dataclass(frozen=True, slots=True)
class Rule:
    element: ElementCode
    bidang: Bidang | None  # None: applies to units of any field without a narrower rule
    action: RuleAction
    competencies: tuple[str, ...]
    programmes: tuple[str, ...]  # in order of preference
    positions: frozenset[PositionType] | None  # None: every position the programme suits
    rationale_id: str
    rationale_en: str
    line: int  # where the rule starts in its file, for explanations and audits


@dataclass(frozen=True, slots=True)
class RuleSet:
    version: str
    settings: Settings
    rules: tuple[Rule, ...]
    source: str = "rules.yaml"

    def rule_for(self, element: ElementCode, bidang: Bidang | None) -> Rule | None:
        """The rule narrowed to this field if there is one, else the element's general rule."""
        general: Rule | None = None
        for rule in self.rules:
            if rule.element is not element:
                continue
            if rule.bidang is not None and rule.bidang is bidang:
                return rule
            if rule.bidang is None:
                general = rule
        return general


@dataclass(frozen=True, slots=True)
class RuleProblem:
    line: int
    reason: str


class RulesError(ValueError):
    """A rules file that cannot be used; `problems` lists every (line, reason) found."""

    def __init__(self, source: str, problems: Sequence[RuleProblem]) -> None:
        self.source = source
        self.problems = tuple(sorted(problems, key=lambda p: p.line))
        super().__init__("\n".join(f"{source} baris {p.line}: {p.reason}" for p in self.problems))

    @property
    def line(self) -> int:
        return self.problems[0].line

    @property
    def reason(self) -> str:
        return self.problems[0].reason


def load_rules(
    text: str, *, source: str = "rules.yaml", catalogue: Catalogue | None = None
) -> RuleSet:
    """Parse and validate rules text; raises RulesError naming each bad line and why.

    Without a catalogue only the structure is checked (programme codes well formed, not
    repeated): the service's catalogue is a read model that may not hold every programme yet.
    With one, codes must be in it and a field's rule must name a programme open to that field.
    """
    return _Parser(source, catalogue).parse(text)


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


_TOP_KEYS = ("version", "settings", "rules")
_SETTINGS_KEYS = ("cooldown_days", "lead_time_days", "max_sessions_per_gap", "nudges")
_NUDGE_KEYS = ("max_per_programme", "supervisor_after_declines", "tone")
_RULE_KEYS = (
    "element",
    "bidang",
    "action",
    "competencies",
    "programmes",
    "positions",
    "rationale",
    "rationale_en",
)


class _Parser:
    def __init__(self, source: str, catalogue: Catalogue | None) -> None:
        self.source = source
        self.catalogue = catalogue
        self.problems: list[RuleProblem] = []

    def fail(self, node: Node | int, reason: str) -> None:
        self.problems.append(RuleProblem(node if isinstance(node, int) else _line(node), reason))

    # -- document ---------------------------------------------------------------------------

    def parse(self, text: str) -> RuleSet:
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = int(mark.line) + 1 if mark is not None else 1
            problem = RuleProblem(line, f"YAML tidak valid: {exc.problem}")
            raise RulesError(self.source, [problem]) from None
        except yaml.YAMLError as exc:
            raise RulesError(self.source, [RuleProblem(1, f"YAML tidak valid: {exc}")]) from None
        if root is None:
            raise RulesError(self.source, [RuleProblem(1, "berkas aturan kosong")])
        top = self.mapping(root, "berkas aturan", _TOP_KEYS, required=("version", "rules"))
        if top is None:
            raise RulesError(self.source, self.problems)

        version = self.version(top["version"][1]) if "version" in top else ""
        settings = self.settings(top["settings"][1]) if "settings" in top else Settings()
        rules = self.rules(top["rules"][1]) if "rules" in top else ()
        if self.problems or settings is None:
            raise RulesError(self.source, self.problems)
        return RuleSet(version=version, settings=settings, rules=rules, source=self.source)

    def version(self, node: Node) -> str:
        # Accept `2026.1` unquoted as well: compose keeps the text as written ("2026.10" stays).
        if not isinstance(node, ScalarNode) or node.tag not in (_STR, _INT, _FLOAT):
            self.fail(node, 'version harus berupa teks, misalnya "2026.1"')
            return ""
        if not _VERSION.match(node.value):
            self.fail(node, f'version {node.value!r} tidak valid; contoh: "2026.1"')
        return str(node.value)

    # -- settings ---------------------------------------------------------------------------

    def settings(self, node: Node) -> Settings | None:
        items = self.mapping(node, "settings", _SETTINGS_KEYS)
        if items is None:
            return None
        defaults = Settings()

        def number(key: str, default: int, low: int, high: int) -> int:
            if key not in items:
                return default
            return self.integer(items[key][1], key, low, high, default)

        nudges = defaults.nudges
        if "nudges" in items:
            nudges = self.nudge_policy(items["nudges"][1]) or nudges
        return Settings(
            cooldown_days=number("cooldown_days", defaults.cooldown_days, 0, 3650),
            lead_time_days=number("lead_time_days", defaults.lead_time_days, 0, 365),
            max_sessions_per_gap=number(
                "max_sessions_per_gap", defaults.max_sessions_per_gap, 1, 50
            ),
            nudges=nudges,
        )

    def nudge_policy(self, node: Node) -> NudgePolicy | None:
        items = self.mapping(node, "settings.nudges", _NUDGE_KEYS)
        if items is None:
            return None
        d = NudgePolicy()
        tone = d.tone
        if "tone" in items:
            tone_node = items["tone"][1]
            text = self.text(tone_node, "tone")
            if text is not None:
                try:
                    tone = Tone(text)
                except ValueError:
                    self.fail(tone_node, f"tone {text!r} tidak dikenal; pilihan: ramah, formal")
        max_n = (
            self.integer(
                items["max_per_programme"][1], "max_per_programme", 1, 20, d.max_per_programme
            )
            if "max_per_programme" in items
            else d.max_per_programme
        )
        sup_n = (
            self.integer(
                items["supervisor_after_declines"][1],
                "supervisor_after_declines",
                1,
                20,
                d.supervisor_after_declines,
            )
            if "supervisor_after_declines" in items
            else d.supervisor_after_declines
        )
        return NudgePolicy(max_per_programme=max_n, supervisor_after_declines=sup_n, tone=tone)

    # -- rules ------------------------------------------------------------------------------

    def rules(self, node: Node) -> tuple[Rule, ...]:
        items = self.sequence(node, "rules")
        if items is None:
            return ()
        if not items:
            self.fail(node, "daftar rules kosong; paling sedikit satu aturan")
        rules: list[Rule] = []
        seen: dict[tuple[ElementCode, Bidang | None], int] = {}
        for item in items:
            rule = self.rule(item)
            if rule is None:
                continue
            where = (rule.element, rule.bidang)
            if where in seen:
                scope = f"bidang {rule.bidang.value}" if rule.bidang else "umum (tanpa bidang)"
                self.fail(
                    item,
                    f"aturan unsur {rule.element.value} {scope} sudah ada di baris {seen[where]}",
                )
                continue
            seen[where] = rule.line
            rules.append(rule)
        return tuple(rules)

    def rule(self, node: Node) -> Rule | None:
        items = self.mapping(node, "aturan", _RULE_KEYS, required=("element", "rationale"))
        if items is None:
            return None
        before = len(self.problems)
        element = self.element(items)
        bidang = self.bidang(items)
        action = self.action(items)
        competencies = (
            self.competencies(items["competencies"][1]) if "competencies" in items else ()
        )
        programmes = self.programmes(items["programmes"][1]) if "programmes" in items else ()
        positions = self.positions(items["positions"][1]) if "positions" in items else None
        rationale_id = (
            self.text(items["rationale"][1], "rationale") if "rationale" in items else None
        )
        rationale_en = ""
        if "rationale_en" in items:
            rationale_en = self.text(items["rationale_en"][1], "rationale_en") or ""
        if action is RuleAction.SCHEDULE:
            self.check_schedule(node, items, programmes, bidang, before)
        elif action is RuleAction.FLAG_MANAGEMENT and "programmes" in items and programmes:
            self.fail(
                items["programmes"][0],
                "aksi flag_management tidak menjadwalkan program; hapus 'programmes'",
            )

        if len(self.problems) > before or element is None or action is None or rationale_id is None:
            return None
        return Rule(
            element=element,
            bidang=bidang,
            action=action,
            competencies=competencies,
            programmes=programmes,
            positions=positions,
            rationale_id=rationale_id,
            rationale_en=rationale_en,
            line=_line(node),
        )

    def element(self, items: dict[str, tuple[Node, Node]]) -> ElementCode | None:
        if "element" not in items:
            return None
        el_node = items["element"][1]
        text = self.text(el_node, "element")
        if text is None:
            return None
        try:
            return ElementCode(text)
        except ValueError:
            self.fail(el_node, f"unsur {text!r} tidak dikenal; gunakan U1 sampai U9")
            return None

    def bidang(self, items: dict[str, tuple[Node, Node]]) -> Bidang | None:
        if "bidang" not in items:
            return None
        b_node = items["bidang"][1]
        text = self.text(b_node, "bidang")
        if text is None:
            return None
        try:
            return Bidang(text)
        except ValueError:
            choices = ", ".join(b.value for b in Bidang)
            self.fail(b_node, f"bidang {text!r} tidak dikenal; pilihan: {choices}")
            return None

    def action(self, items: dict[str, tuple[Node, Node]]) -> RuleAction | None:
        """None when the action itself is bad: its dependent checks would only add noise."""
        if "action" not in items:
            return RuleAction.SCHEDULE
        a_node = items["action"][1]
        text = self.text(a_node, "action")
        if text is None:
            return None
        try:
            return RuleAction(text)
        except ValueError:
            self.fail(a_node, f"action {text!r} tidak dikenal; pilihan: schedule, flag_management")
            return None

    def check_schedule(
        self,
        node: Node,
        items: dict[str, tuple[Node, Node]],
        programmes: tuple[str, ...],
        bidang: Bidang | None,
        before: int,
    ) -> None:
        if "programmes" not in items:
            self.fail(node, "aturan schedule wajib punya 'programmes'")
        elif not programmes and len(self.problems) == before:
            self.fail(items["programmes"][1], "daftar programmes kosong")
        if "competencies" not in items:
            self.fail(node, "aturan schedule wajib punya 'competencies'")
        if bidang is not None and programmes and self.catalogue is not None:
            catalogue = self.catalogue
            fitting = [c for c in programmes if c in catalogue and fits_field(catalogue[c], bidang)]
            if not fitting:
                self.fail(
                    items["programmes"][1],
                    f"tidak ada program dalam daftar yang terbuka untuk bidang {bidang.value}",
                )

    def competencies(self, node: Node) -> tuple[str, ...]:
        out: list[str] = []
        for item in self.sequence(node, "competencies") or []:
            key = self.text(item, "kompetensi")
            if key is None:
                continue
            reason = _competency_problem(key)
            if reason:
                self.fail(item, reason)
            elif key in out:
                self.fail(item, f"kompetensi {key!r} disebut dua kali")
            else:
                out.append(key)
        return tuple(out)

    def programmes(self, node: Node) -> tuple[str, ...]:
        out: list[str] = []
        for item in self.sequence(node, "programmes") or []:
            code = self.text(item, "kode program")
            if code is None:
                continue
            if not _PROGRAMME_CODE.match(code):
                self.fail(item, f"kode program {code!r} tidak sah (huruf besar, angka, - atau _)")
            elif self.catalogue is not None and code not in self.catalogue:
                self.fail(item, f"kode program {code!r} tidak ada di katalog")
            elif code in out:
                self.fail(item, f"kode program {code!r} disebut dua kali")
            else:
                out.append(code)
        return tuple(out)

    def positions(self, node: Node) -> frozenset[PositionType] | None:
        items = self.sequence(node, "positions")
        if items is None:
            return None
        if not items:
            self.fail(node, "daftar positions kosong; hapus kuncinya agar berlaku untuk semua")
            return None
        out: set[PositionType] = set()
        for item in items:
            text = self.text(item, "jenis jabatan")
            if text is None:
                continue
            try:
                out.add(PositionType(text))
            except ValueError:
                choices = ", ".join(p.value for p in PositionType)
                self.fail(item, f"jenis jabatan {text!r} tidak dikenal; pilihan: {choices}")
        return frozenset(out)

    # -- node helpers -----------------------------------------------------------------------

    def mapping(
        self, node: Node, what: str, allowed: Sequence[str], required: Sequence[str] = ()
    ) -> dict[str, tuple[Node, Node]] | None:
        if not isinstance(node, MappingNode):
            self.fail(node, f"{what} harus berupa pasangan kunci: nilai")
            return None
        out: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.fail(key_node, f"kunci di {what} harus berupa teks")
                continue
            key = str(key_node.value)
            if key in out:
                self.fail(key_node, f"kunci {key!r} muncul dua kali di {what}")
            elif key not in allowed:
                self.fail(
                    key_node,
                    f"kunci {key!r} tidak dikenal di {what}; yang diizinkan: {', '.join(allowed)}",
                )
            else:
                out[key] = (key_node, value_node)
        for key in required:
            if key not in out:
                self.fail(node, f"kunci wajib {key!r} tidak ada di {what}")
        return out

    def sequence(self, node: Node, what: str) -> list[Node] | None:
        if not isinstance(node, SequenceNode):
            self.fail(node, f"{what} harus berupa daftar")
            return None
        return list(node.value)

    def text(self, node: Node, what: str) -> str | None:
        if not isinstance(node, ScalarNode) or node.tag != _STR or not str(node.value).strip():
            self.fail(node, f"{what} harus berupa teks yang tidak kosong")
            return None
        return str(node.value).strip()

    def integer(self, node: Node, what: str, low: int, high: int, default: int) -> int:
        if not isinstance(node, ScalarNode) or node.tag != _INT or not node.value.isdigit():
            self.fail(node, f"{what} harus berupa bilangan bulat")
            return default
        value = int(node.value)
        if not low <= value <= high:
            self.fail(node, f"{what} harus antara {low} dan {high}, bukan {value}")
            return default
        return value


def _competency_problem(key: str) -> str | None:
    """Why a competency key is invalid, in Indonesian; None when it is fine."""
    kind, sep, code = key.partition(".")
    types = ", ".join(t.value for t in CompetencyType)
    if not sep or not code:
        return f"kompetensi {key!r} harus berbentuk '<jenis>.<kode>' (jenis: {types})"
    if kind not in {t.value for t in CompetencyType}:
        return f"jenis kompetensi {kind!r} pada {key!r} tidak dikenal; pilihan: {types}"
    if kind == CompetencyType.MANAJERIAL.value and code not in {
        m.value for m in ManagerialCompetency
    }:
        return f"kompetensi manajerial {code!r} tidak dikenal"
    return None
