"""Loading the rules file named by the settings, and refusing a bad one in one line."""

from __future__ import annotations

from asn_platform.settings import fail
from asn_recommendations.domain.catalogue import DEFAULT_CATALOGUE
from asn_recommendations.domain.rules import RulesError, RuleSet, load_default_rules, load_rules
from asn_recommendations.settings import Settings


class RulesFileError(RuntimeError):
    """The configured rules file is missing, unreadable or invalid; the message is one line."""


def load_configured_rules(settings: Settings) -> RuleSet:
    """The rules from ``settings.rules_path`` (the packaged defaults when unset)."""
    path = settings.rules_path
    if path is None:
        try:
            return load_default_rules(DEFAULT_CATALOGUE)
        except RulesError as err:  # a packaging bug, but say so just as clearly
            raise RulesFileError(describe(err)) from None
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise RulesFileError(
            f"berkas aturan {path} tidak dapat dibaca / cannot read the rules file: "
            f"{err.strerror or err}"
        ) from None
    except UnicodeDecodeError:
        raise RulesFileError(
            f"berkas aturan {path} bukan teks UTF-8 / the rules file is not UTF-8"
        ) from None
    try:
        return load_rules(text, source=str(path), catalogue=DEFAULT_CATALOGUE)
    except RulesError as err:
        raise RulesFileError(describe(err)) from None


def describe(err: RulesError) -> str:
    """Every problem on one line: "rules.yaml baris 12: ...; baris 30: ..."."""
    parts = [f"baris {p.line}: {p.reason}" for p in err.problems]
    return f"{err.source} {'; '.join(parts)}"


def rules_or_exit(settings: Settings) -> RuleSet:
    """For the command line: a bad rules file ends the program with one line and exit code 2."""
    try:
        return load_configured_rules(settings)
    except RulesFileError as err:
        fail(f"rules error (ASN_RULES_PATH): {err}")
