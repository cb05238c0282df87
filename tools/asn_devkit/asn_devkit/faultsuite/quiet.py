"""When the platform is quiet: every process ready, outboxes empty, every group's lag zero."""

from __future__ import annotations

import asyncio
import time

import asyncpg

from asn_devkit.faultsuite.db import DB_SERVICES, retrying
from asn_devkit.faultsuite.faults import Harness
from asn_devkit.faultsuite.state import Rows, read_state
from asn_platform import topics


def consumer_lag(h: Harness) -> dict[str, int]:
    """Lag per consumer group, via the admin client: committed offsets against the log end, and
    a partition of a topic the group reads but has never committed on counts from the log start
    (the first event on a topic, while its consumer is down, is lag too). The topics a group
    reads are remembered from its members' assignments, which a killed service no longer shows."""
    from confluent_kafka import ConsumerGroupTopicPartitions
    from confluent_kafka import TopicPartition as CTP
    from confluent_kafka.admin import AdminClient, OffsetSpec

    assert h.p.kafka is not None
    admin = AdminClient({**h.p.kafka.admin_config(), "log_level": 0})
    groups = [g.group_id for g in admin.list_consumer_groups(request_timeout=5).result(10).valid]
    if groups:
        for gid, fut in admin.describe_consumer_groups(groups, request_timeout=10).items():
            for m in fut.result(timeout=10).members:
                if m.assignment is not None:
                    h.group_topics.setdefault(gid, set()).update(
                        tp.topic for tp in m.assignment.topic_partitions
                    )
    metadata = admin.list_topics(timeout=10).topics
    lag: dict[str, int] = {}
    for gid in groups:
        futures = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(gid)])
        committed = {(tp.topic, tp.partition): tp.offset
                     for tp in futures[gid].result(timeout=10).topic_partitions
                     if tp.offset >= 0}  # fmt: skip
        read = {t for t in h.group_topics.get(gid, set()) if t in metadata
                and not t.startswith(topics.INTERNAL_PREFIX) and not t.endswith(".dlq")}  # fmt: skip
        wanted = set(committed) | {(t, p) for t in read for p in metadata[t].partitions}
        if not wanted:
            lag[gid] = 0
            continue
        ends = admin.list_offsets({CTP(t, p): OffsetSpec.latest() for t, p in wanted},
                                  request_timeout=10)  # fmt: skip
        missing = wanted - set(committed)
        starts = admin.list_offsets({CTP(t, p): OffsetSpec.earliest() for t, p in missing},
                                    request_timeout=10) if missing else {}  # fmt: skip
        total = 0
        for t, p in wanted:
            end = ends[CTP(t, p)].result(timeout=10).offset
            begin = committed.get((t, p))
            if begin is None:
                begin = starts[CTP(t, p)].result(timeout=10).offset
            total += max(0, end - begin)
        lag[gid] = total
    return lag


async def outbox_pending(h: Harness) -> dict[str, int]:
    out = {}
    for s in DB_SERVICES:

        async def count(conn: asyncpg.Connection) -> int:
            return int(await conn.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL"))

        out[s] = await retrying(h.db_url(s), count)
    return out


class Stalled(TimeoutError):
    """The platform did not get quiet: what was still pending, per service and group."""


async def wait_quiet(h: Harness, what: str, timeout_s: float = 150.0) -> None:
    """Every process up and ready, outboxes empty, every group's lag zero, and the state the
    same twice in a row."""
    deadline = time.monotonic() + timeout_s
    last: Rows | None = None
    seen = "nothing checked yet"
    while True:
        try:
            if not await asyncio.to_thread(h.healthy):
                raise RuntimeError("not every process is up and ready")
            pending = await outbox_pending(h)
            lag = await asyncio.to_thread(consumer_lag, h)
            quiet = not sum(pending.values()) and not sum(lag.values())
            seen = (f"outbox pending {pending}, lag "
                    f"{ {g: n for g, n in lag.items() if n} }")  # fmt: skip
        except Exception as err:  # broker or database coming back
            quiet = False
            seen = f"{type(err).__name__}: {err}"
        if quiet:
            state = await read_state(h)
            if state == last:
                return
            last = state
        else:
            last = None
        if time.monotonic() > deadline:
            raise Stalled(f"not quiet {timeout_s:.0f}s after {what}: {seen}")
        await asyncio.sleep(1.0)
