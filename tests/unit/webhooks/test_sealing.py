"""The sealing key setting and the box: a bad key is named without being echoed, the first key
seals, every key opens, a missing key refuses, and the program will not start without one."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from asn_platform.settings import describe_error
from asn_webhooks import main as entry
from asn_webhooks.sealing import SealedWithUnknownKey, SecretBox, SecretKeysMissing, new_key
from asn_webhooks.settings import Settings


def test_a_malformed_key_is_named_but_not_echoed() -> None:
    with pytest.raises(ValidationError) as err:
        Settings(webhooks_secret_keys=f"{new_key()},not-a-key-but-secret")
    line = describe_error(Settings, err.value)
    assert "ASN_WEBHOOKS_SECRET_KEYS" in line and "key 2 is not a Fernet key" in line
    assert "not-a-key-but-secret" not in line


def test_keys_split_on_commas_and_blank_is_unset() -> None:
    a, b = new_key(), new_key()
    assert Settings(webhooks_secret_keys=f" {a}, {b} ").secret_keys() == [a, b]
    assert Settings(webhooks_secret_keys="").secret_keys() == []


def test_the_first_key_seals_and_every_key_opens() -> None:
    old, new = new_key(), new_key()
    sealed_old = SecretBox([old]).seal("whsec_x")
    both = SecretBox([new, old])
    assert both.open(sealed_old) == "whsec_x"
    resealed = both.current(sealed_old)
    assert resealed != sealed_old and SecretBox([new]).open(resealed) == "whsec_x"
    assert both.current(resealed) == resealed  # already under the first key: unchanged
    with pytest.raises(SealedWithUnknownKey):
        SecretBox([new_key()]).open(sealed_old)
    with pytest.raises(SecretKeysMissing):
        SecretBox([]).seal("whsec_x")


def test_the_program_refuses_to_start_without_a_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("ASN_WEBHOOKS_SECRET_KEYS", raising=False)
    monkeypatch.setattr(entry, "run_service", lambda definition: pytest.fail("started"))
    with pytest.raises(SystemExit) as done:
        entry.main()
    assert done.value.code == 2
    assert "configuration error: ASN_WEBHOOKS_SECRET_KEYS: required" in capsys.readouterr().err
