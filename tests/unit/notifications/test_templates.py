"""Every message kind has its Indonesian and English template, plain text and HTML."""

from __future__ import annotations

import pytest

from asn_notifications.delivery.compose import render, template_names, whatsapp_parameters
from asn_notifications.domain.messages import Kind


def values(lang: str, kind: Kind) -> dict[str, object]:
    return {
        "lang": lang,
        "kind": kind.value,
        "name": "Budi <Santoso>",
        "position": "Pengadministrasi",
        "programme": {"code": "PLP", "title": "Pelayanan Prima", "benefit": "Warga puas.",
                      "jp": "24", "competencies": ["komunikasi"]},
        "session": {"starts": "Selasa, 20 Oktober 2026 pukul 08.00 WIB", "ends": "Kamis",
                    "place": "Aula", "online_url": None, "cancelled": False, "sequence": 0,
                    "reason": None, "speakers": [{"name": "Dr. Rina", "topic": "Standar"}]},
        "reason": "Aula dipakai.",
        "tone": "firm",
        "attempt": 2,
        "nudge": "Ayo ikut.",
        "person_name": "Sari",
        "certificate": {"number": "TS-2026-AAAA-BBBB", "jp": "24", "verify_url": "http://v/x"},
    }  # fmt: skip


def test_every_kind_has_both_languages_and_both_formats() -> None:
    names = set(template_names())
    for kind in Kind:
        for lang in ("id", "en"):
            assert {f"{kind.value}.{lang}.txt", f"{kind.value}.{lang}.html"} <= names


@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize("lang", ["id", "en"])
def test_render(kind: Kind, lang: str) -> None:
    out = render(kind, lang, values(lang, kind))
    assert out.subject and "\n" not in out.subject
    assert "Pelayanan Prima" in out.subject + out.text
    assert "Budi <Santoso>" in out.text  # plain text as is
    assert "Budi &lt;Santoso&gt;" in out.html  # HTML escaped
    assert out.html.lstrip().startswith("<!doctype html>")
    assert f'lang="{lang}"' in out.html
    assert all(isinstance(p, str) for p in whatsapp_parameters(kind, values(lang, kind)))


def test_indonesian_and_english_differ() -> None:
    ident = render(Kind.INVITATION, "id", values("id", Kind.INVITATION))
    english = render(Kind.INVITATION, "en", values("en", Kind.INVITATION))
    assert ident.subject.startswith("Undangan") and english.subject.startswith("Invitation")
