"""Crash and shutdown with real subprocesses: a consumer SIGKILLed mid-stream and restarted
applies every event exactly once; SIGTERM finishes the in-flight event, commits and flushes."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from asn_platform import topics
from asn_platform.settings import PlatformSettings

from .conftest import Db, encode_for, group_name, produce, read_all, survey, wait_for

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[3]


class Worker:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[str] = []

    @classmethod
    async def start(cls, db: Db, bootstrap: str, topic: str, group: str, *extra: str) -> Worker:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.integration.backbone.worker",
            "--dsn", db.dsn, "--bootstrap", bootstrap, "--topic", topic, "--group", group,
            *extra,
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
        return cls(proc)

    async def wait_line(self, wanted: str, timeout_s: float) -> None:
        assert self.proc.stdout is not None
        async with asyncio.timeout(timeout_s):
            while wanted not in self.lines:
                line = await self.proc.stdout.readline()
                if not line:
                    raise AssertionError(
                        f"worker exited ({self.proc.returncode}) before {wanted!r}"
                    )
                self.lines.append(line.decode().strip())

    async def drain(self) -> None:
        """Keep reading stdout so the worker never blocks on a full pipe."""
        assert self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            self.lines.append(line.decode().strip())

    def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()


@pytest.mark.parametrize(("batch", "n"), [(True, 5000), (False, 2000)], ids=["batch", "single"])
async def test_a_consumer_killed_mid_stream_then_restarted_applies_every_event_exactly_once(
    db: Db, settings: PlatformSettings, new_topic: Callable, batch: bool, n: int
):
    bootstrap = settings.kafka_bootstrap_servers
    topic = await new_topic("crash", partitions=6)
    group = group_name("crash")
    await produce(bootstrap, [encode_for(topic, survey(i)) for i in range(n)])
    mode = ["--batch", "--max-records", "100", "--delay-ms", "20"] if batch else []

    first = await Worker.start(db, bootstrap, topic, group, "--name", "first", *mode)
    drain = asyncio.create_task(first.drain())
    try:
        await wait_for(
            lambda: db.val("SELECT count(*) >= $1 FROM effects", n // 4), 60, "a quarter applied"
        )
        first.proc.send_signal(signal.SIGKILL)
        assert await asyncio.wait_for(first.proc.wait(), 10) == -signal.SIGKILL
    finally:
        first.kill()
        drain.cancel()
    at_kill = await db.val("SELECT count(*) FROM effects")
    assert n // 4 <= at_kill < n, "the kill must land mid-stream"

    second = await Worker.start(db, bootstrap, topic, group, "--name", "second", *mode)
    drain = asyncio.create_task(second.drain())
    try:
        await wait_for(
            lambda: db.val("SELECT count(DISTINCT event_id) = $1 FROM effects", n), 60, "all"
        )
        await asyncio.sleep(0.5)  # anything applied twice would show up now
        second.proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(second.proc.wait(), 30) == 0
    finally:
        second.kill()
        await drain
    assert await db.val("SELECT count(*) FROM effects") == n
    assert await db.val("SELECT count(*) FROM inbox") == n
    by_worker = dict(
        await db.pool.fetch("SELECT consumer, count(*) FROM effects GROUP BY consumer")
    )
    assert by_worker["first"] == at_kill and by_worker["second"] == n - at_kill


async def test_sigterm_finishes_the_in_flight_event_commits_and_flushes_the_outbox(
    db: Db, settings: PlatformSettings, new_topic: Callable
):
    bootstrap = settings.kafka_bootstrap_servers
    topic = await new_topic("term", partitions=1)
    group = group_name("term")
    await produce(bootstrap, [encode_for(topic, survey(i)) for i in range(3)])
    worker = await Worker.start(
        db, bootstrap, topic, group, "--name", "term", "--delay-ms", "1500", "--emit"
    )
    try:
        await worker.wait_line("begin r-0", 30)
        worker.proc.send_signal(signal.SIGTERM)  # while r-0's handler sleeps
        await worker.wait_line("stopped", 30)
        assert await asyncio.wait_for(worker.proc.wait(), 30) == 0
    finally:
        worker.kill()
    assert "begin r-1" not in worker.lines  # stopped fetching
    assert await db.val("SELECT array_agg(response_id) FROM effects") == ["r-0"]
    assert await db.val("SELECT count(*) FROM outbox") == 0  # flushed (sent rows are deleted)
    echoes = [
        r for r in await read_all(bootstrap, topics.SURVEY_SUBMITTED)
        if json.loads(r.value)["response_id"] == "echo-r-0"
        and dict(r.headers)["ce_source"] == b"/tangsel/worker"
    ]  # fmt: skip
    assert len(echoes) == 1  # the event enqueued by the in-flight handler was published
    # Offsets as committed in the group (read without joining it).
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await reader.start()
    try:
        assert await reader.committed(TopicPartition(topic, 0)) == 1  # just past r-0
    finally:
        await reader.stop()
