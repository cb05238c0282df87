"""Benchmark: webhook deliveries per second to a local receiver, and the latency the webhooks
service adds from an event on Kafka to the receiver's 2xx.

    python benchmarks/webhooks_delivery.py [--events 3000] [--keys 200] [--latency-events 200]
        [--concurrency 32] [--broker kafka|tansu]

Starts its own embedded broker (Apache Kafka; Tansu with --broker tansu), PostgreSQL from
DATABASE_URL or else an embedded server, a receiver process (Starlette on uvicorn) that verifies
every request with the `standardwebhooks` library and answers 204, and the webhooks service as a
separate process (`python -m asn_webhooks`, real runtime).

1. Baseline: signed CloudEvent-sized bodies POSTed by raw httpx, `--concurrency` at a time,
   to the same receiver: requests/s; measured before and again after step 2.
2. Deliveries/s: a subscription is registered (its endpoint verified) and paused; `--events`
   survey-submitted events over `--keys` keys are produced and fanned out into delivery rows;
   then it is resumed and timed until the receiver has answered every one (claim, sign, POST,
   record; order per key kept: at most one event of a key in flight).
3. Latency: `--latency-events` events one at a time; from the broker's acknowledgement of the
   produce to the moment the receiver answers 2xx (its clock, same machine); p50/p99.

Bounded (fixed counts, loopback only); the database is dropped and everything stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer
from cryptography.fernet import Fernet
from rich.console import Console
from rich.table import Table

from asn_devkit.benchmarking import (
    HOST,
    add_broker_argument,
    bench_broker,
    bench_headers,
    drop_database,
    percentile,
    postgres_server,
    service_env,
    service_process,
    wait_ready,
)
from asn_devkit.embedded.processes import free_port, stop_process
from asn_platform import topics
from asn_platform.contracts import SurveySubmitted
from asn_platform.db import with_database
from asn_platform.envelope import KafkaRecord, encode
from asn_platform.kafka import ensure_topics

console = Console()
API = "/api/v1/webhooks"
ANSWERS = {f"U{i}": 3 + i % 2 for i in range(1, 10)}


# -- the receiver (its own process: `--serve-receiver PORT`) -------------------------------
def serve_receiver(port: int) -> None:
    import uvicorn
    from standardwebhooks import Webhook
    from standardwebhooks.webhooks import WebhookVerificationError
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    state: dict[str, Any] = {"hook": None, "answered": {}, "refused": 0}

    async def configure(request: Request) -> Response:
        state["hook"] = Webhook((await request.json())["secret"])
        state["answered"] = {}
        return Response(status_code=204)

    async def hook(request: Request) -> Response:
        body = await request.body()
        if state["hook"] is None or b'"asn.webhooks.endpoint-verification.v1"' in body[:200]:
            return Response(status_code=204)
        try:
            state["hook"].verify(body, dict(request.headers), json_parse=False)
        except WebhookVerificationError:
            state["refused"] += 1
            return Response(status_code=401)
        state["answered"].setdefault(request.headers["webhook-id"], time.time())
        return Response(status_code=204)

    async def stats(request: Request) -> Response:
        return JSONResponse({"answered": state["answered"], "refused": state["refused"]})

    async def count(request: Request) -> Response:
        return JSONResponse({"n": len(state["answered"]), "refused": state["refused"]})

    app = Starlette(
        routes=[
            Route("/hook", hook, methods=["POST"]),
            Route("/config", configure, methods=["POST"]),
            Route("/stats", stats),
            Route("/count", count),
        ]
    )
    uvicorn.run(app, host=HOST, port=port, log_level="warning", access_log=False)


# -- events ------------------------------------------------------------------------------------
def survey_record(unit: str, at: datetime) -> KafkaRecord:
    event = SurveySubmitted(
        response_id=str(uuid.uuid4()),
        unit_id=unit,
        bidang="administrasi_kependudukan",  # type: ignore[arg-type]
        service="KTP-el",
        answers=ANSWERS,  # type: ignore[arg-type]
        respondent={"sex": "P", "age_band": "30-39", "education": "S1", "occupation": "Swasta"},  # type: ignore[arg-type]
        submitted_at=at,
        channel="web",  # type: ignore[arg-type]
    )
    return encode(event, source="/tangsel/surveys")


async def send_all(producer: AIOKafkaProducer, records: list[KafkaRecord]) -> None:
    futures = [await producer.send(r.topic, r.value, key=r.key, headers=r.headers) for r in records]
    await asyncio.gather(*futures)


# -- the measurements ------------------------------------------------------------------------
async def baseline(url: str, secret: str, n: int, concurrency: int) -> float:
    """Raw httpx POSTs/s of the same kind of signed body, as many in flight as the sender."""
    from standardwebhooks import Webhook

    signer = Webhook(secret)
    body = json.dumps(
        {"specversion": "1.0", "type": topics.SURVEY_SUBMITTED, "data": {"answers": ANSWERS}}
    )
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=concurrency)) as client:

        async def worker() -> None:
            while not queue.empty():
                i = queue.get_nowait()
                msg_id = f"baseline-{i}"
                ts = int(time.time())
                headers = {
                    "webhook-id": msg_id,
                    "webhook-timestamp": str(ts),
                    "webhook-signature": signer.sign(msg_id, datetime.fromtimestamp(ts, UTC), body),
                    "content-type": "application/cloudevents+json",
                }
                r = await client.post(url, content=body, headers=headers)
                assert r.status_code == 204, r.status_code

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return n / (time.perf_counter() - began)


async def wait_count(rx: httpx.AsyncClient, n: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        got = (await rx.get("/count")).json()
        if got["n"] >= n:
            return
        if got["refused"]:
            raise SystemExit(f"the receiver refused {got['refused']} signatures")
        if time.monotonic() > deadline:
            raise SystemExit(f"only {got['n']} of {n} deliveries after {timeout_s:.0f} s")
        await asyncio.sleep(0.02)


async def benchmark(args: argparse.Namespace, rx_port: int) -> None:
    run_id = secrets.token_hex(3)
    prefix = f"asn_bench_{run_id}_"
    database = f"{prefix}webhooks"
    log_path = Path(tempfile.gettempdir()) / f"asn-bench-webhooks-{run_id}.log"
    port = free_port(HOST)
    hook_url = f"http://{HOST}:{rx_port}/hook"
    with postgres_server() as (server_url, pg_source), bench_broker(args.broker) as broker:
        await ensure_topics(broker.bootstrap)
        console.print(
            f"broker {broker.bootstrap} ({broker.label}), PostgreSQL from {pg_source}, "
            f"service on http://{HOST}:{port}, receiver {hook_url}, log {log_path}"
        )
        env = service_env(
            broker.bootstrap,
            server_url,
            prefix,
            port,
            ASN_WEBHOOKS_ALLOW_HTTP_LOOPBACK="true",
            ASN_WEBHOOKS_CONCURRENCY=str(args.concurrency),
            ASN_WEBHOOKS_SECRET_KEYS=Fernet.generate_key().decode(),
        )
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, acks="all")
        await producer.start()
        try:
            with service_process("asn_webhooks", env, log_path) as proc:
                dsn = with_database(server_url, database)
                results = await measure(
                    args, proc, port, rx_port, hook_url, log_path, producer, dsn
                )
        finally:
            await producer.stop()
            await drop_database(server_url, database)
    report(args, broker.label, *results)


async def measure(
    args: argparse.Namespace,
    proc: subprocess.Popen[bytes],
    port: int,
    rx_port: int,
    hook_url: str,
    log_path: Path,
    producer: AIOKafkaProducer,
    dsn: str,
) -> tuple[tuple[float, float], float, list[float]]:
    async with (
        httpx.AsyncClient(base_url=f"http://{HOST}:{port}", headers=bench_headers()) as api,
        httpx.AsyncClient(base_url=f"http://{HOST}:{rx_port}") as rx,
    ):
        await wait_ready(api, proc, log_path, timeout_s=120)
        for _ in range(100):  # the receiver process may still be starting
            try:
                await rx.get("/count")
                break
            except httpx.TransportError:
                await asyncio.sleep(0.1)
        r = await api.post(
            f"{API}/subscriptions",
            json={"agency": "Benchmark", "url": hook_url, "event_types": [topics.SURVEY_SUBMITTED]},
        )
        assert r.status_code == 201, r.text
        sub = r.json()
        await rx.post("/config", json={"secret": sub["secret"]})
        raw_rate = await baseline(hook_url, sub["secret"], args.events, args.concurrency)
        await rx.post("/config", json={"secret": sub["secret"]})  # forget the baseline ids

        # Deliveries/s: queue everything while paused, then resume and time the drain.
        await api.post(f"{API}/subscriptions/{sub['id']}/pause")
        start = datetime.now(UTC) - timedelta(hours=1)
        records = [
            survey_record(f"bench-{i % args.keys}", start + timedelta(milliseconds=i))
            for i in range(args.events)
        ]
        await send_all(producer, records)
        db = await asyncpg.connect(dsn)
        try:
            deadline = time.monotonic() + 300
            while await db.fetchval("SELECT count(*) FROM webhook_deliveries") < args.events:
                if time.monotonic() > deadline:
                    raise SystemExit("the consumer did not fan out the events in 300 s")
                await asyncio.sleep(0.1)
        finally:
            await db.close()
        began = time.perf_counter()
        await api.post(f"{API}/subscriptions/{sub['id']}/resume")
        await wait_count(rx, args.events, 600)
        delivery_rate = args.events / (time.perf_counter() - began)
        # The baseline again, right after: on a shared machine the load moves between phases.
        raw_after = await baseline(hook_url, sub["secret"], args.events, args.concurrency)
        await rx.post("/config", json={"secret": sub["secret"]})

        # Latency: one event at a time, from the broker's ack to the receiver's 2xx.
        latencies: list[float] = []
        for i in range(args.latency_events):
            record = survey_record(f"lat-{i % 10}", datetime.now(UTC))
            future = await producer.send(
                record.topic, record.value, key=record.key, headers=record.headers
            )
            await future
            on_kafka = time.time()
            await wait_count(rx, i + 1, 60)  # counted from the reset above
            answered = (await rx.get("/stats")).json()["answered"][record.header("ce_id")]
            latencies.append((answered - on_kafka) * 1000)
        return (raw_rate, raw_after), delivery_rate, sorted(latencies)


def report(
    args: argparse.Namespace, label: str, raws: tuple[float, float], rate: float, lat: list[float]
) -> None:
    raw = statistics.fmean(raws)
    table = Table(title=f"Webhook delivery ({label}, {args.events} events over {args.keys} keys)")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row(
        f"baseline: raw httpx POSTs/s ({args.concurrency} in flight), before / after",
        f"{raws[0]:,.0f} / {raws[1]:,.0f}",
    )
    table.add_row("webhook deliveries/s (signed, recorded, order per key)", f"{rate:,.0f}")
    table.add_row("ratio deliveries / mean raw POSTs", f"{rate / raw:.2f}")
    table.add_row(
        f"added latency Kafka -> receiver 2xx, p50 ({len(lat)} events)",
        f"{percentile(lat, 50):.1f} ms",
    )
    table.add_row("added latency p99", f"{percentile(lat, 99):.1f} ms")
    table.add_row("added latency mean", f"{statistics.fmean(lat):.1f} ms")
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--latency-events", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--serve-receiver", type=int, help=argparse.SUPPRESS)
    add_broker_argument(parser)
    args = parser.parse_args()
    if args.serve_receiver:
        serve_receiver(args.serve_receiver)
        return
    rx_port = free_port(HOST)
    rx_proc = subprocess.Popen(
        [sys.executable, __file__, "--serve-receiver", str(rx_port)], start_new_session=True
    )
    try:
        asyncio.run(benchmark(args, rx_port))
    finally:
        stop_process(rx_proc, timeout_s=5)


if __name__ == "__main__":
    main()
