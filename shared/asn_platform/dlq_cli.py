"""``asn-dlq``: list dead letters and re-drive chosen ones to their original topic.

    asn-dlq list --topic asn.surveys.response-intake.v1 [--limit 50] [--from-offset 0] [--json]
    asn-dlq show --topic asn.surveys.response-intake.v1.dlq --offset 3 [--partition 0]
    asn-dlq redrive --topic asn.surveys.response-intake.v1.dlq --offset 3 [--partition 0]
                    [--value-file fixed.json]

The broker comes from ``KAFKA_BOOTSTRAP_SERVERS`` / ``ASN_KAFKA_BOOTSTRAP_SERVERS`` or
``--bootstrap``, with the admin login from ``ASN_KAFKA_SECURITY_PROTOCOL`` and
``ASN_KAFKA_SASL_USERNAME``/``PASSWORD``; with none of these set, the embedded Kafka of
``./dev run`` and its admin login kept in ``$ASN_DATA_DIR/kafka`` (default ``.data``). ``list`` accepts the original topic or its ``.dlq``. ``redrive`` sends the
record back with its key and original headers; ``--value-file`` replaces the body with a
corrected one (the file's bytes, as is). Exit status: 0 done, 1 not found or failed, 2 usage.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from asn_platform.access import dev_admin_login
from asn_platform.dlq import DeadLetter, fetch_dead_letter, read_dead_letters, redrive
from asn_platform.settings import PlatformSettings, load_settings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="asn-dlq", description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap", help="Kafka bootstrap servers (default: from settings)")
    sub = parser.add_subparsers(dest="command", required=True)

    ls = sub.add_parser("list", help="list dead letters of a topic")
    ls.add_argument("--topic", required=True, help="original topic or its .dlq")
    ls.add_argument("--limit", type=int, default=50)
    ls.add_argument("--from-offset", type=int, default=0)
    ls.add_argument("--json", action="store_true", help="one JSON object per line")

    show = sub.add_parser("show", help="print one dead letter with its headers and body")
    show.add_argument("--topic", required=True, help="the .dlq topic")
    show.add_argument("--offset", type=int, required=True)
    show.add_argument("--partition", type=int, default=0)

    rd = sub.add_parser("redrive", help="send a dead letter back to its original topic")
    rd.add_argument("--topic", required=True, help="the .dlq topic")
    rd.add_argument("--offset", type=int, required=True)
    rd.add_argument("--partition", type=int, default=0)
    rd.add_argument("--value-file", type=Path, help="replace the body with this file's bytes")
    return parser


def _as_json(letter: DeadLetter, with_body: bool = False) -> dict[str, object]:
    out: dict[str, object] = {
        "dlq_topic": letter.dlq_topic,
        "partition": letter.partition,
        "offset": letter.offset,
        "original_topic": letter.original_topic,
        "original_partition": letter.original_partition,
        "original_offset": letter.original_offset,
        "consumer_group": letter.consumer_group,
        "error_class": letter.error_class,
        "error_message": letter.error_message,
        "attempts": letter.attempts,
        "failed_at": letter.failed_at,
        "ce_type": letter.header("ce_type"),
        "ce_id": letter.header("ce_id"),
    }
    if with_body:
        out["key"] = letter.key.decode(errors="replace") if letter.key else None
        out["headers"] = {k: v.decode(errors="replace") for k, v in letter.headers}
        out["value"] = letter.value.decode(errors="replace") if letter.value else None
    return out


def _print_table(console: Console, topic: str, letters: list[DeadLetter]) -> None:
    table = Table(title=f"dead letters of {topic} ({len(letters)})")
    for col in ("part", "offset", "original", "group", "error", "attempts", "failed at"):
        table.add_column(col)
    for d in letters:
        table.add_row(
            str(d.partition),
            str(d.offset),
            f"{d.original_topic} [{d.original_partition}] @{d.original_offset}",
            d.consumer_group,
            f"{d.error_class.rsplit('.', 1)[-1]}: {d.error_message[:120]}",
            str(d.attempts),
            d.failed_at,
        )
    console.print(table)


async def _run(args: argparse.Namespace, settings: PlatformSettings, console: Console) -> int:
    bootstrap = args.bootstrap or settings.kafka_bootstrap_servers
    if args.command == "list":
        letters = await read_dead_letters(
            bootstrap,
            args.topic,
            limit=args.limit,
            from_offset=args.from_offset,
            settings=settings,
        )
        if args.json:
            for letter in letters:
                print(json.dumps(_as_json(letter)))
        else:
            _print_table(console, args.topic, letters)
        return 0
    if args.command == "show":
        letter = await fetch_dead_letter(
            bootstrap, args.topic, offset=args.offset, partition=args.partition, settings=settings
        )
        print(json.dumps(_as_json(letter, with_body=True), indent=2, ensure_ascii=False))
        return 0
    value = args.value_file.read_bytes() if args.value_file else None
    letter = await redrive(
        bootstrap,
        args.topic,
        offset=args.offset,
        partition=args.partition,
        value=value,
        settings=settings,
    )
    when = datetime.now(UTC).isoformat(timespec="seconds")
    console.print(
        f"re-drove {args.topic} [{args.partition}] @{args.offset} -> {letter.original_topic}"
        f"{' with a new body' if value is not None else ''} at {when}"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    overrides: dict[str, object] = {}
    configured = any(
        os.environ.get(v)
        for v in (
            "ASN_KAFKA_SASL_USERNAME",
            "KAFKA_BOOTSTRAP_SERVERS",
            "ASN_KAFKA_BOOTSTRAP_SERVERS",
        )
    )
    dev = (
        None
        if configured or args.bootstrap
        else dev_admin_login(os.environ.get("ASN_DATA_DIR", ".data"))
    )
    if dev is not None:
        bootstrap, user, password = dev
        overrides = {
            "kafka_bootstrap_servers": bootstrap,
            "kafka_security_protocol": "SASL_PLAINTEXT",
            "kafka_sasl_username": user,
            "kafka_sasl_password": password,
        }
    settings = load_settings(PlatformSettings, **overrides)
    console = Console(stderr=False)
    try:
        return asyncio.run(_run(args, settings, console))
    except (LookupError, ValueError, OSError) as err:
        print(f"asn-dlq: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
