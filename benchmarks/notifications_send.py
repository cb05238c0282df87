"""Benchmark: messages per second the notifications sender delivers to a local SMTP server.

    python benchmarks/notifications_send.py [--messages 2000] [--batch 50] [--lanes 4]

On PostgreSQL from DATABASE_URL or else an embedded server in a temporary folder, it creates
the notifications database (migrations applied), a roster, a programme, a session and contacts
for --messages people, and plans one invitation per person in the delivery table (as the
enrollment-changed consumer does). Then the real sender (asn_notifications.delivery.sender)
runs until every message is sent to an aiosmtpd server on a loopback port: per message it
claims the row (FOR UPDATE SKIP LOCKED, in batches), reads the person, programme and session,
renders the Jinja2 templates (plain text + HTML), builds the iCalendar file, sends over one of
--lanes reused SMTP connections and records the outcome in its own transaction.

Baseline, in the same run: raw aiosmtplib sends of an already built message of the same size
on one connection to the same server (what SMTP on loopback alone allows). The ratio says how
much of the sender's time goes to the database, the templates and the calendar file.

Bounded: a fixed number of messages, loopback only; its database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import threading
import time
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import aiosmtplib
import asyncpg
from aiosmtpd.controller import Controller
from rich.console import Console
from rich.table import Table

from asn_devkit.benchmarking import HOST, drop_database, postgres_server
from asn_devkit.embedded.processes import free_port
from asn_notifications.delivery.sender import Sender
from asn_notifications.domain.contacts import Channel, Contact
from asn_notifications.domain.messages import Kind, Planned, enrollment_key
from asn_notifications.settings import Settings
from asn_notifications.store import contacts, deliveries
from asn_platform.db import ensure_database, migrate, with_database
from asn_platform.timezone import JAKARTA
from asn_platform.uow import UnitsOfWork

console = Console()
NOW = datetime(2026, 10, 6, 10, 0, tzinfo=JAKARTA)


class Counter:
    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.count += 1
        return "250 OK"


async def seed(conn: asyncpg.Connection, n: int) -> None:
    await conn.execute(
        """INSERT INTO rm_programmes VALUES ('PLP-PRIMA', 'Pelatihan Pelayanan Prima',
           'Melayani warga dengan lebih ramah sehingga keluhan berkurang.',
           'Serve citizens more kindly, so complaints fall.', 24,
           ARRAY['manajerial.pelayanan_publik'], $1)""",
        NOW,
    )
    await conn.execute(
        """INSERT INTO rm_sessions VALUES ('ses-1', 'PLP-PRIMA', 0, 'opened', $1, $2,
           'Aula BKPSDM, Jl. Maruga Raya No. 1', NULL,
           '[{"name": "Dr. Rina Kusuma", "topic": "Standar pelayanan"}]', NULL, $3)""",
        NOW + timedelta(days=14),
        NOW + timedelta(days=16),
        NOW,
    )
    nips = [f"1985{i:014d}" for i in range(n)]
    await conn.executemany(
        "INSERT INTO rm_profiles VALUES ($1, $2, 'disdukcapil', 'Pengadministrasi', NULL, true, $3)",
        [(nip, f"Pegawai {nip[-4:]}", NOW) for nip in nips],
    )
    await contacts.upsert_many(
        conn,
        [Contact(nip, f"p{nip[-6:]}@tangerangselatankota.go.id", None, Channel.EMAIL, "id", False)
         for nip in nips],
        NOW,
    )  # fmt: skip
    async with conn.transaction():
        for i, nip in enumerate(nips):
            message = Planned(
                enrollment_key(Kind.INVITATION, f"enr-{i}", "ses-1"),
                Kind.INVITATION,
                nip,
                {"session_id": "ses-1", "enrollment_id": f"enr-{i}", "programme_code": "PLP-PRIMA"},
            )
            await deliveries.plan(conn, message, now=NOW, not_before=NOW)


async def baseline(port: int, sample: EmailMessage, n: int) -> float:
    smtp = aiosmtplib.SMTP(hostname=HOST, port=port)
    await smtp.connect()
    start = time.perf_counter()
    for i in range(n):
        del sample["To"]
        sample["To"] = f"p{i:06d}@tangerangselatankota.go.id"
        await smtp.send_message(sample)
    elapsed = time.perf_counter() - start
    await smtp.quit()
    return n / elapsed


def sample_message(size: int) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "BKPSDM <no-reply@tangerangselatankota.go.id>"
    msg["Subject"] = "Undangan: Pelatihan Pelayanan Prima"
    msg.set_content("x" * max(100, size))
    return msg


async def run(args: argparse.Namespace, server_url: str, source: str) -> None:
    name = f"asn_bench_nt_{secrets.token_hex(3)}_notifications"
    counter = Counter()
    port = free_port()
    controller = Controller(counter, hostname=HOST, port=port)
    controller.start()
    dsn = with_database(server_url, name)
    try:
        await ensure_database(server_url, name)
        await migrate(dsn, ["asn_platform", "asn_notifications"])
        pool = await asyncpg.create_pool(dsn, min_size=2, max_size=4)
        assert pool is not None
        async with pool.acquire() as conn:
            await seed(conn, args.messages)
        settings = Settings(
            smtp_host=HOST,
            smtp_port=port,
            sender_batch_size=args.batch,
            sender_concurrency=args.lanes,
            reminder_interval_s=0,
        )
        clock = lambda: NOW  # noqa: E731 - every planned message is due
        sender = Sender(UnitsOfWork(pool, source="/tangsel/notifications"), settings, clock)
        start = time.perf_counter()
        while await sender.run_once():
            pass
        elapsed = time.perf_counter() - start
        sent = await pool.fetchval("SELECT count(*) FROM deliveries WHERE status = 'sent'")
        await pool.close()
        rate = sent / elapsed
        received = counter.count
        raw = await baseline(port, sample_message(args.sample_bytes), args.messages)
    finally:
        controller.stop()
        await drop_database(server_url, name)
    table = Table(title=f"notifications sender → aiosmtpd on loopback ({source})")
    table.add_column("what")
    table.add_column("messages", justify="right")
    table.add_column("messages/s", justify="right")
    table.add_row("sender (claim, read, render, ICS, send, record)", str(sent), f"{rate:,.0f}")
    table.add_row(
        "baseline: raw aiosmtplib send_message, one connection", str(args.messages), f"{raw:,.0f}"
    )
    console.print(table)
    console.print(
        f"received by the SMTP server from the sender: {received} (planned {args.messages})"
    )
    console.print(f"ratio sender / baseline: {rate / raw:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--lanes", type=int, default=4, help="ASN_SENDER_CONCURRENCY")
    parser.add_argument(
        "--sample-bytes", type=int, default=9000, help="size of the baseline's message body"
    )
    args = parser.parse_args()
    with postgres_server() as (url, source):
        asyncio.run(run(args, url, source))


if __name__ == "__main__":
    main()
