"""The development mail catcher keeps what arrives and shows it (page and commands)."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

from asn_devkit import mailcatcher
from asn_devkit.embedded.processes import free_port


def _message(subject: str, kind: str = "invitation") -> bytes:
    msg = EmailMessage()
    msg["From"] = "no-reply@tangerangselatankota.go.id"
    msg["To"] = "budi@tangerangselatankota.go.id"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{kind}-1@tangerangselatankota.go.id>"
    msg["X-ASN-Message-Kind"] = kind
    msg.set_content("Yth. Budi,\n\nAnda diundang.")
    msg.add_attachment(
        b"BEGIN:VCALENDAR\r\n", maintype="text", subtype="calendar", filename="undangan.ics"
    )
    return msg.as_bytes()


def test_store_page_and_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = mailcatcher.Store(tmp_path / "mail")
    assert store.add(_message("Undangan: Pelayanan Prima")) == 1
    assert store.add(_message("Pengingat <besok>")) == 2
    status, page = mailcatcher._page(store, "/")
    assert status == 200 and "Pengingat &lt;besok&gt;" in page and "undangan.ics" in page
    status, one = mailcatcher._page(store, "/m/1")
    assert status == 200 and "Anda diundang." in one
    assert mailcatcher._page(store, "/m/9")[0] == 404
    with pytest.raises(SystemExit) as done:
        mailcatcher.main(["list", "--dir", str(store.folder)])
    assert done.value.code == 0
    listed = capsys.readouterr().out
    assert "Undangan: Pelayanan Prima" in listed and "[undangan.ics]" in listed
    with pytest.raises(SystemExit):
        mailcatcher.main(["show", "2", "--dir", str(store.folder)])
    assert "Anda diundang." in capsys.readouterr().out


def test_the_page_lists_the_messages_as_json_with_their_kind(tmp_path: Path) -> None:
    store = mailcatcher.Store(tmp_path / "mail")
    store.add(_message("Undangan: Pelayanan Prima"))
    store.add(_message("Ajakan", kind="nudge"))
    server = mailcatcher._http(store, free_port())
    try:
        port = server.server_address[1]
        found = httpx.get(f"http://127.0.0.1:{port}/api/messages", timeout=5)
    finally:
        server.shutdown()
    assert found.headers["content-type"] == "application/json"
    items = found.json()["items"]
    assert [(m["number"], m["kind"], m["attachments"]) for m in items] == [
        (1, "invitation", ["undangan.ics"]),
        (2, "nudge", ["undangan.ics"]),
    ]
    assert items[1]["message_id"] == "<nudge-1@tangerangselatankota.go.id>"
