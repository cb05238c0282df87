"""The audit summary masks personal data (UU 27/2022) and keeps the rest."""

from asn_platform.audit import summarize


def test_personal_fields_and_nips_in_text_are_masked() -> None:
    got = summarize(
        {
            "nip": "197701202002042001",
            "name": "Ayu Hidayati",
            "reason": "sakit",
            "to": "declined",
            "served_per_month": 5,
            "place": "Aula, kontak 197506281998022015",
            "speakers": [{"name": "Budi", "role": "narasumber"}],
        }
    )
    assert got["nip"] == "1977***********001"
    assert got["name"] == got["reason"] == "***"
    assert got["to"] == "declined" and got["served_per_month"] == 5
    assert "197506281998022015" not in got["place"]
    assert got["speakers"] == [{"name": "***", "role": "narasumber"}]
