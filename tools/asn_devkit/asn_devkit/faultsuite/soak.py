"""The long form's figures: samples of memory, connections, lag and outbox every 10 s and their
growth, and the probe that the scheduled inbox purge ran."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass

import asyncpg
import psutil

from asn_devkit.faultsuite.db import DB_SERVICES, retrying
from asn_devkit.faultsuite.faults import Harness
from asn_devkit.faultsuite.quiet import consumer_lag, outbox_pending


@dataclass
class Sample:
    t: float
    rss_mb: dict[str, float]
    pg_connections: int
    lag: dict[str, int]
    outbox: dict[str, int]


async def sample(h: Harness) -> Sample | None:
    try:
        rss = {}
        for name, pid in h.pids().items():
            with contextlib.suppress(psutil.Error):
                rss[name] = psutil.Process(pid).memory_info().rss / 2**20

        async def conns(conn: asyncpg.Connection) -> int:
            return int(await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname LIKE 'asn_%'"))  # fmt: skip

        n = await retrying(h.p.database_url, conns, timeout_s=5)
        lag = await asyncio.to_thread(consumer_lag, h)
        return Sample(h.elapsed(), rss, n, lag, await outbox_pending(h))
    except Exception:  # a fault in progress: skip this sample
        return None


def growth(samples: list[Sample]) -> list[str]:
    """Mean of the first third against the last third, per figure."""
    if len(samples) < 3:
        return ["too few samples"]
    third = max(1, len(samples) // 3)
    first, last = samples[:third], samples[-third:]

    def mean(xs: list[float]) -> float:
        return sum(xs) / len(xs) if xs else 0.0

    lines = []
    for name in sorted(samples[-1].rss_mb):
        a = mean([s.rss_mb.get(name, 0) for s in first if name in s.rss_mb])
        b = mean([s.rss_mb.get(name, 0) for s in last if name in s.rss_mb])
        lines.append(f"RSS {name}: {a:.1f} -> {b:.1f} MB ({b - a:+.1f})")
    a, b = mean([s.pg_connections for s in first]), mean([s.pg_connections for s in last])
    lines.append(f"PostgreSQL connections: {a:.1f} -> {b:.1f}")
    for g in sorted({g for s in samples for g in s.lag}):
        a = mean([s.lag.get(g, 0) for s in first])
        b = mean([s.lag.get(g, 0) for s in last])
        mx = max(s.lag.get(g, 0) for s in samples)
        lines.append(f"lag {g}: {a:.1f} -> {b:.1f} (max {mx})")
    for svc in DB_SERVICES:
        a = mean([s.outbox.get(svc, 0) for s in first])
        b = mean([s.outbox.get(svc, 0) for s in last])
        mx = max(s.outbox.get(svc, 0) for s in samples)
        lines.append(f"outbox {svc}: {a:.1f} -> {b:.1f} pending (max {mx})")
    return lines


OLD_INBOX_GROUP = "faults-purge-probe"


async def plant_old_inbox_rows(h: Harness) -> None:
    """A row 400 days old in each inbox: the scheduled purge must take it away."""
    for s in DB_SERVICES:

        async def plant(conn: asyncpg.Connection) -> None:
            await conn.execute(
                "INSERT INTO inbox (consumer_group, event_id, topic, partition, \"offset\", "
                "processed_at) VALUES ($1, $2, 'probe', 0, 0, now() - interval '400 days')",
                OLD_INBOX_GROUP, uuid.uuid4(),
            )  # fmt: skip

        await retrying(h.db_url(s), plant)


async def purged(h: Harness) -> dict[str, bool]:
    out = {}
    for s in DB_SERVICES:

        async def left(conn: asyncpg.Connection) -> int:
            return int(await conn.fetchval(
                "SELECT count(*) FROM inbox WHERE consumer_group = $1", OLD_INBOX_GROUP))  # fmt: skip

        out[s] = not await retrying(h.db_url(s), left)
    return out
