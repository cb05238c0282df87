"""The console's pure parts: Indonesian number format, the regulation's processing table,
period arithmetic, cookie signing, redirects, the vendored assets."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from asn_console.auth import Signer, s256, safe_next
from asn_console.domain import formatting as fmt
from asn_console.domain.periods import previous_periods as _previous_periods
from asn_console.domain.processing import mutu_band as _mutu_of
from asn_console.domain.processing import processing_table

ROOT = Path(__file__).resolve().parents[3]


def test_numbers_use_the_decimal_comma_in_indonesian() -> None:
    assert fmt.number(80.5555) == "80,56"
    assert fmt.number(50895, 0) == "50.895"
    assert fmt.number(1234567.891, 2) == "1.234.567,89"
    assert fmt.number(3.2222, 3) == "3,222"
    assert fmt.number(80.5555, 2, "en") == "80.56"
    assert fmt.number(50895, 0, "en") == "50,895"
    assert fmt.number(None) == "-"
    assert fmt.percent(85.7) == "85,7%"


def test_times_are_shown_in_wib() -> None:
    assert fmt.wib("2026-12-16T01:00:00+00:00") == "16 Desember 2026, 08.00 WIB"
    assert fmt.wib("2026-12-16T08:00:00+07:00", "en") == "16 December 2026, 08:00 WIB"
    assert fmt.day("2026-12-18") == "18 Desember 2026"
    with pytest.raises(ValueError):
        fmt.wib("2026-12-16T08:00:00")  # naive: refused, not guessed


def test_processing_table_follows_the_regulation() -> None:
    ikm = {
        "elements": [
            {"code": f"U{i}", "name": f"U{i}", "weight": "1/9", "answers": 14,
             "answer_counts": {"1": 0, "2": 1, "3": 8, "4": 5}, "converted": 82.14, "mutu": "B"}
            for i in range(1, 9)
        ] + [{"code": "U9", "name": "U9", "weight": "1/9", "answers": 14,
              "answer_counts": {"1": 1, "2": 10, "3": 2, "4": 1}, "converted": 55.36, "mutu": "D"}]
    }  # fmt: skip
    table = processing_table(ikm)
    first, last = table["rows"][0], table["rows"][-1]
    assert first["sum"] == 46 and first["counts"] == [0, 1, 8, 5]
    assert round(first["nrr"], 3) == 3.286
    assert round(first["weighted"], 3) == 0.365
    assert last["sum"] == 31 and round(last["nrr"], 3) == 2.214
    # IKM = sum of weighted NRR = (8*46 + 31) / (9*14); converted = x 25
    assert table["ikm"] == pytest.approx((8 * 46 + 31) / 126)
    assert table["converted"] == pytest.approx((8 * 46 + 31) / 126 * 25)


def test_mutu_bands() -> None:
    assert [_mutu_of(v) for v in (88.31, 88.30, 76.61, 76.60, 65.0, 64.99)] == [
        "A", "B", "B", "C", "C", "D"
    ]  # fmt: skip


def test_previous_periods() -> None:
    assert _previous_periods("2026-Q1", 4) == ["2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"]
    assert _previous_periods("2026-M2", 3) == ["2025-M12", "2026-M1", "2026-M2"]
    assert _previous_periods("2026-Y", 2) == ["2025-Y", "2026-Y"]


def test_signed_cookie_values() -> None:
    signer = Signer("secret")
    signed = signer.sign("abc")
    assert signer.unsign(signed) == "abc"
    assert signer.unsign(signed[:-1] + ("0" if signed[-1] != "0" else "1")) is None
    assert Signer("other").unsign(signed) is None
    assert signer.unsign(None) is None and signer.unsign("nodot") is None


def test_pkce_s256_matches_rfc7636() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert s256(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


@pytest.mark.parametrize(
    ("given", "expected"),
    [("/me", "/me"), ("/units/x?period=2026-Q4", "/units/x?period=2026-Q4"),
     ("//evil.example", "/"), ("https://evil.example", "/"), ("/\\evil", "/"), (None, "/")],
)  # fmt: skip
def test_next_is_a_local_path(given: str | None, expected: str) -> None:
    assert safe_next(given) == expected


@pytest.mark.parametrize("folder", ["services/console", "shared/docs_assets"])
def test_vendored_assets_match_the_lock_file(folder: str) -> None:
    spec = importlib.util.spec_from_file_location(
        "vendor_assets", ROOT / "tools" / "vendor_assets.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.check(ROOT / folder) == []


def test_templates_have_no_inline_script() -> None:
    """The CSP forbids inline scripts; data goes in <script type="application/json">."""
    import re

    folder = ROOT / "services" / "console" / "asn_console" / "templates"
    for path in folder.glob("*.html"):
        for tag in re.findall(r"<script\b[^>]*>", path.read_text()):
            assert "src=" in tag or 'type="application/json"' in tag, (path.name, tag)
        assert not re.search(r"\son[a-z]+=", path.read_text()), path.name


def test_month_calendar_puts_sessions_on_their_wib_days() -> None:
    from datetime import date

    from asn_console.domain.calendar import month_calendar

    sessions = [{"id": "s1", "programme_code": "PLP-PRIMA", "programme_title": "Prima",
                 "starts_at": "2026-12-16T01:00:00+00:00", "ends_at": "2026-12-18T09:00:00+00:00"}]  # fmt: skip
    months = month_calendar(sessions, "id", months=2, today=date(2026, 12, 2))
    assert [m["label"] for m in months] == ["Desember 2026", "Januari 2027"]
    days = {d["day"]: d for week in months[0]["weeks"] for d in week}
    assert [d for d, v in days.items() if v["sessions"]] == [
        date(2026, 12, 16), date(2026, 12, 17), date(2026, 12, 18)
    ]  # fmt: skip
    assert days[date(2026, 12, 2)]["today"] and months[0]["weeks"][0][0]["day"].weekday() == 0


def test_respondent_pages_from_the_query_are_bounded() -> None:
    from asn_console.views.respondents import MAX_PAGE, PAGE_SIZE, page_of

    assert [page_of(v) for v in (None, "", "0", "-3", "abc", "2", "1e3")] == [1, 1, 1, 1, 1, 2, 1]
    assert page_of(str(10**9)) == MAX_PAGE
    assert (MAX_PAGE - 1) * PAGE_SIZE <= 1_000_000  # within the surveys' Offset bound


def test_only_admins_get_the_dead_letters_menu() -> None:
    from asn_console.domain.access import nav
    from asn_platform.auth.principal import Principal

    def paths(*roles: str) -> set[str]:
        return {path for path, _, _ in nav(Principal("s", roles=frozenset(roles)))}

    assert "/dead-letters" in paths("admin")
    for role in ("auditor", "organizer", "unit-operator", "asn"):
        assert "/dead-letters" not in paths(role)
