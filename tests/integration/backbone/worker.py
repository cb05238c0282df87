"""A consumer service in miniature, run as a real subprocess by the crash and shutdown tests.

    python -m tests.integration.backbone.worker --dsn DSN --bootstrap HOST:PORT --topic T
        --group G [--batch] [--max-records N] [--delay-ms MS] [--emit]

Applies SurveySubmitted events from ``--topic`` idempotently into the ``effects`` table; with
``--emit`` each handler also enqueues an event in the outbox (published by a relay). Prints
``ready`` once consuming and ``begin <response_id>`` when a handler starts; stops gracefully on
SIGTERM (exit 0).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

import asyncpg

from asn_platform import outbox
from asn_platform.contracts import SurveySubmitted
from asn_platform.db import create_pool
from asn_platform.envelope import Envelope
from asn_platform.inbox import run_until_signalled, subscribe_idempotent
from asn_platform.kafka import make_broker
from asn_platform.settings import PlatformSettings


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def main(args: argparse.Namespace) -> None:
    settings = PlatformSettings(kafka_bootstrap_servers=args.bootstrap, kafka_idempotence=False)
    pool = await create_pool(args.dsn, min_size=1, max_size=4)
    broker = make_broker(settings, client_id="worker", logger=logging.getLogger("worker.fs"))
    delay = args.delay_ms / 1000

    async def emit(conn: asyncpg.Connection, env: Envelope[SurveySubmitted]) -> None:
        if args.emit:
            echo = env.data.model_copy(update={"response_id": f"echo-{env.data.response_id}"})
            await outbox.enqueue(conn, echo, source="/tangsel/worker")

    async def handler(conn: asyncpg.Connection, env: Envelope[SurveySubmitted]) -> None:
        say(f"begin {env.data.response_id}")
        await conn.execute(
            "INSERT INTO effects (event_id, unit_id, response_id, consumer) VALUES ($1, $2, $3, $4)",
            env.id,
            env.data.unit_id,
            env.data.response_id,
            args.name,
        )
        await emit(conn, env)
        await asyncio.sleep(delay)

    async def batch_handler(
        conn: asyncpg.Connection, envs: list[Envelope[SurveySubmitted]]
    ) -> None:
        await conn.execute(
            "INSERT INTO effects (event_id, unit_id, response_id, consumer)"
            " SELECT e, u, r, $4 FROM unnest($1::uuid[], $2::text[], $3::text[]) AS t(e, u, r)",
            [e.id for e in envs],
            [e.data.unit_id for e in envs],
            [e.data.response_id for e in envs],
            args.name,
        )
        for env in envs:
            await emit(conn, env)
        await asyncio.sleep(delay)

    subscribe_idempotent(
        broker,
        topic=args.topic,
        group_id=args.group,
        pool=pool,
        settings=settings,
        expected=SurveySubmitted,
        batch=args.batch,
        max_records=args.max_records,
        **({"batch_handler": batch_handler} if args.batch else {"handler": handler}),
    )
    relays = [outbox.OutboxRelay(pool, settings, name=args.name)] if args.emit else []
    started = asyncio.Event()
    runner = asyncio.create_task(
        run_until_signalled(broker, relays=relays, closers=[pool.close], started=started)
    )
    await started.wait()
    say("ready")
    await runner
    say("stopped")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--name", default="worker")
    parser.add_argument("--batch", action="store_true")
    parser.add_argument("--max-records", type=int, default=200)
    parser.add_argument("--delay-ms", type=float, default=0)
    parser.add_argument("--emit", action="store_true")
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    asyncio.run(main(parser.parse_args()))
