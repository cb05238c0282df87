"""Loading the rules file named by the settings, and refusing a bad one in one line."""

from __future__ import annotations

import dataclasses
import logging
from importlib import resources

from asn_platform.settings import fail
from asn_recommendations.domain.catalogue import Catalogue
from asn_recommendations.domain.rules import RulesError, RuleSet, load_rules
from asn_recommendations.settings import Settings


def default_rules_text() -> str:
    """The rules file shipped with the service (rules/default_rules.yaml)."""
    return (
        resources.files("asn_recommendations")
        .joinpath("rules/default_rules.yaml")
        .read_text(encoding="utf-8")
    )


def load_default_rules(catalogue: Catalogue | None = None) -> RuleSet:
    return load_rules(default_rules_text(), source="default_rules.yaml", catalogue=catalogue)


log = logging.getLogger(__name__)


class RulesFileError(RuntimeError):
    """The configured rules file is missing, unreadable or invalid; the message is one line."""


def load_configured_rules(settings: Settings) -> RuleSet:
    """The configured rules, with the development lead time when one is set (settings)."""
    rules = _load_rules_file(settings)
    lead = settings.demo_lead_time_days
    if lead is None:
        return rules
    log.warning("ASN_DEMO_LEAD_TIME_DAYS=%d replaces the rules' lead time (development)", lead)
    return dataclasses.replace(
        rules, settings=dataclasses.replace(rules.settings, lead_time_days=lead)
    )


def _load_rules_file(settings: Settings) -> RuleSet:
    """The rules from ``settings.rules_path`` (the packaged defaults when unset).

    Checked for structure only: the catalogue is a read model filled from enrollment's events
    after the start, so a programme code it does not hold (yet) is accepted here and simply not
    offered until its entry arrives (see handlers.catalogue)."""
    path = settings.rules_path
    if path is None:
        try:
            return load_default_rules()
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
        return load_rules(text, source=str(path))
    except RulesError as err:
        raise RulesFileError(describe(err)) from None


def describe(err: RulesError) -> str:
    """Every problem on one line: "rules.yaml baris 12: ...; baris 30: ..."."""
    parts = [f"baris {p.line}: {p.reason}" for p in err.problems]
    return f"{err.source} {'; '.join(parts)}"


def rules_or_exit(settings: Settings) -> RuleSet:
    """For the command line: a bad rules file ends the program with one line and exit code 2."""
    try:
        # the file only: this runs before logging is set up (the bootstrap loads them again)
        return _load_rules_file(settings)
    except RulesFileError as err:
        fail(f"rules error (ASN_RULES_PATH): {err}")
