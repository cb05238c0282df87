"""The compose file passes an optional secret it was not given as an empty string."""

from __future__ import annotations

import pytest

from asn_notifications.settings import Settings


def test_blank_optional_channels_are_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "ASN_WHATSAPP_URL",
        "ASN_WHATSAPP_TOKEN",
        "ASN_SMTP_USERNAME",
        "ASN_SMTP_PASSWORD",
    ):
        monkeypatch.setenv(name, "")
    settings = Settings()
    assert settings.whatsapp_url is None and settings.whatsapp_token is None
    assert settings.smtp_username is None and settings.smtp_password is None


def test_a_bad_whatsapp_url_is_still_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASN_WHATSAPP_URL", "not a url")
    with pytest.raises(ValueError, match="whatsapp_url"):
        Settings()
