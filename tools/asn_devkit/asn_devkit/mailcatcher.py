"""A local mail catcher for development: an SMTP server (aiosmtpd) that keeps every message it
receives as a file, a small page listing them, and commands to read them.

    asn-mailcatcher serve --dir .data/mail --port 8025 --http-port 8026
    asn-mailcatcher list --dir .data/mail          # number, time, to, subject, attachments
    asn-mailcatcher show 3 --dir .data/mail        # the plain text and the attachment names
    GET http://127.0.0.1:8026/api/messages         # the same list as JSON (the demo reads it)

`./dev run` starts it (``MailCatcher`` below, from the launcher) and points the notifications service at it.
Nothing leaves the machine: it accepts any recipient and relays nothing.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import html
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from asn_devkit.embedded.processes import die_with_parent, stop_process


class Store:
    """Messages as <n>.eml files in one folder, numbered in arrival order."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def files(self) -> list[Path]:
        return sorted(self.folder.glob("*.eml"), key=lambda p: int(p.stem))

    def add(self, raw: bytes) -> int:
        with self._lock:
            number = max((int(p.stem) for p in self.folder.glob("*.eml")), default=0) + 1
            tmp = self.folder / f".{number}.tmp"
            tmp.write_bytes(raw)
            os.replace(tmp, self.folder / f"{number}.eml")  # readers never see half a file
        return number

    def read(self, number: int) -> EmailMessage:
        raw = (self.folder / f"{number}.eml").read_bytes()
        return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def summary(msg: EmailMessage) -> dict[str, Any]:
    return {
        "to": str(msg.get("To", "")),
        "subject": str(msg.get("Subject", "")),
        "date": str(msg.get("Date", "")),
        "message_id": str(msg.get("Message-ID", "")),
        # The notifications service names each message's kind in this header (for mail filters).
        "kind": str(msg.get("X-ASN-Message-Kind", "")),
        "attachments": [
            part.get_filename() or part.get_content_type() for part in msg.iter_attachments()
        ],
    }


def listing(store: Store) -> list[dict[str, Any]]:
    """Every message's summary with its number, in arrival order."""
    return [
        {"number": int(path.stem), **summary(store.read(int(path.stem)))} for path in store.files()
    ]


def plain_text(msg: EmailMessage) -> str:
    body = msg.get_body(preferencelist=("plain", "html"))
    return body.get_content() if body is not None else ""


class _Handler:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.store.add(envelope.original_content or envelope.content)
        return "250 OK: caught"


def _page(store: Store, path: str) -> tuple[int, str]:
    if path.startswith("/m/") and path[3:].isdigit():
        number = int(path[3:])
        if not (store.folder / f"{number}.eml").exists():
            return 404, "not found"
        msg = store.read(number)
        info = summary(msg)
        return 200, (
            f"<h2>{html.escape(info['subject'])}</h2><p>To: {html.escape(info['to'])}<br>"
            f"Attachments: {html.escape(', '.join(info['attachments']) or '-')}</p>"
            f"<pre style='white-space: pre-wrap'>{html.escape(plain_text(msg))}</pre>"
            "<p><a href='/'>&larr; inbox</a></p>"
        )
    rows = []
    for path_ in reversed(store.files()):
        info = summary(store.read(int(path_.stem)))
        clip = " 📎 " + ", ".join(info["attachments"]) if info["attachments"] else ""
        rows.append(
            f"<tr><td>{path_.stem}</td><td>{html.escape(info['to'])}</td>"
            f"<td><a href='/m/{path_.stem}'>{html.escape(info['subject'])}</a>{html.escape(clip)}</td></tr>"
        )
    return 200, (
        "<h1>Kotak surat lokal / local mailbox</h1><table cellpadding=4>"
        "<tr><th>#</th><th>To</th><th>Subject</th></tr>" + "".join(rows) + "</table>"
    )


def _http(store: Store, port: int) -> ThreadingHTTPServer:
    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/api/messages":
                data = json.dumps({"items": listing(store)}, ensure_ascii=False).encode()
                status, content_type = 200, "application/json"
            else:
                status, body = _page(store, self.path)
                data = f"<!doctype html><meta charset=utf-8><body style='font-family:sans-serif'>{body}".encode()
                content_type = "text/html; charset=utf-8"
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def serve(args: argparse.Namespace) -> int:
    store = Store(Path(args.dir))
    controller = Controller(_Handler(store), hostname="127.0.0.1", port=args.port)
    controller.start()
    page = _http(store, args.http_port) if args.http_port else None
    print(f"mail catcher: SMTP 127.0.0.1:{args.port}, messages in {store.folder}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.is_set():
        time.sleep(0.2)
    controller.stop()
    if page is not None:
        page.shutdown()
    return 0


def list_messages(args: argparse.Namespace) -> int:
    store = Store(Path(args.dir))
    for path in store.files():
        info = summary(store.read(int(path.stem)))
        clip = f"  [{', '.join(info['attachments'])}]" if info["attachments"] else ""
        print(f"{path.stem:>4}  {info['to']}  {info['subject']}{clip}")
    return 0


def show(args: argparse.Namespace) -> int:
    store = Store(Path(args.dir))
    if not (store.folder / f"{args.number}.eml").exists():
        print(f"no message {args.number} in {store.folder}", file=sys.stderr)
        return 1
    msg = store.read(args.number)
    info = summary(msg)
    print(f"To: {info['to']}\nSubject: {info['subject']}\nDate: {info['date']}")
    print(f"Attachments: {', '.join(info['attachments']) or '-'}\n")
    print(plain_text(msg))
    return 0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="asn-mailcatcher", description=__doc__.split("\n")[0])
    folder = argparse.ArgumentParser(add_help=False)
    folder.add_argument("--dir", default=os.environ.get("ASN_MAIL_DIR", ".data/mail"))
    sub = parser.add_subparsers(dest="command", required=True)
    serve_p = sub.add_parser("serve", help="receive mail", parents=[folder])
    serve_p.add_argument("--port", type=int, default=8025)
    serve_p.add_argument("--http-port", type=int, default=0, help="a page listing the mail")
    sub.add_parser("list", help="list what arrived", parents=[folder])
    show_p = sub.add_parser("show", help="print one message", parents=[folder])
    show_p.add_argument("number", type=int)
    args = parser.parse_args(argv)
    commands = {"serve": serve, "list": list_messages, "show": show}
    sys.exit(commands[args.command](args))


if __name__ == "__main__":
    main()


# --- the process the launcher starts -----------------------------------------------------------
SMTP_PORT_OFFSET = 25
PAGE_PORT_OFFSET = 26


@dataclass
class MailCatcher:
    data_dir: Path
    base_port: int
    proc: subprocess.Popen[bytes] | None = None

    @property
    def wanted(self) -> bool:
        return not os.environ.get("ASN_SMTP_HOST")

    @property
    def folder(self) -> Path:
        return self.data_dir / "mail"

    @property
    def smtp_port(self) -> int:
        return self.base_port + SMTP_PORT_OFFSET

    @property
    def page_url(self) -> str:
        return f"http://127.0.0.1:{self.base_port + PAGE_PORT_OFFSET}"

    def env(self) -> dict[str, str]:
        """What the notifications service needs to send to it."""
        if not self.wanted:
            return {}
        return {"ASN_SMTP_HOST": "127.0.0.1", "ASN_SMTP_PORT": str(self.smtp_port),
                "ASN_SMTP_SECURITY": "none"}  # fmt: skip

    def start(self) -> None:
        if not self.wanted or self.alive():
            return
        log = open(self.data_dir / "mailcatcher.log", "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "asn_devkit.mailcatcher", "serve", "--dir", str(self.folder),
             "--port", str(self.smtp_port), "--http-port", str(self.base_port + PAGE_PORT_OFFSET)],
            stdout=log, stderr=subprocess.STDOUT, preexec_fn=die_with_parent, start_new_session=True,
        )  # fmt: skip
        log.close()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def describe(self) -> str:
        return (
            f"Mail (local catcher): {self.page_url} · asn-mailcatcher list --dir {self.folder}"
            if self.wanted
            else f"Mail: SMTP relay {os.environ.get('ASN_SMTP_HOST')} (ASN_SMTP_HOST)"
        )

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc, timeout_s=5.0)
            self.proc = None
