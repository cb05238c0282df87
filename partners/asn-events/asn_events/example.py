"""Example partner consumer: follows survey results and detected service gaps of Tangerang Selatan.

    asn-partners add bappeda --topic survey-submitted --topic service-gap-detected > bappeda.properties
    python -m asn_events.example --login bappeda.properties

It prints one line per event and commits each offset after printing it; stopped and started
again, it goes on where it stopped. Replace ``show`` with what your agency does with the events.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from collections.abc import Sequence

from asn_events.config import load_login
from asn_events.consumer import EventConsumer
from asn_events.envelope import CloudEvent

SURVEY_SUBMITTED = "asn.surveys.survey-submitted.v1"
SERVICE_GAP_DETECTED = "asn.surveys.service-gap-detected.v1"
TOPICS = (SURVEY_SUBMITTED, SERVICE_GAP_DETECTED)


def describe(event: CloudEvent) -> str:
    data = event.data
    if event.type == SURVEY_SUBMITTED:
        answers = data.get("answers", {})
        mean = sum(answers.values()) / len(answers) if answers else 0.0
        return (
            f"survey  unit={data['unit_id']} service={data.get('service', '')!r} "
            f"mean={mean:.2f} at={event.time.isoformat()}"
        )
    return (
        f"gap     unit={data['unit_id']} element={data.get('element')} "
        f"status={data.get('status')} period={data.get('period')}"
    )


async def show(event: CloudEvent) -> None:
    print(describe(event), flush=True)


async def amain(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m asn_events.example")
    parser.add_argument("--login", required=True, help="the file `asn-partners add` printed")
    parser.add_argument("--group", default="example", help="consumer group suffix")
    parser.add_argument("--max-events", type=int, default=None, help="stop after N events")
    parser.add_argument("--idle-exit", type=float, default=None, help="stop after S idle seconds")
    args = parser.parse_args(argv)
    consumer = EventConsumer(load_login(args.login), TOPICS, group_suffix=args.group, handler=show)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, consumer.stop)
    handled = await consumer.run(max_events=args.max_events, idle_timeout_s=args.idle_exit)
    print(f"# {handled} events handled; offsets committed", flush=True)
    return 0


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    raise SystemExit(asyncio.run(amain()))


if __name__ == "__main__":
    main()
