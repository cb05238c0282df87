"""Kafka plumbing: the broker factory with settings that work on real Kafka and on Tansu,
and explicit topic creation (auto-creation gives accidental partition counts)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from faststream.kafka import KafkaBroker

from asn_platform.settings import PlatformSettings
from asn_platform.topics import TopicSpec, all_topic_specs

log = logging.getLogger(__name__)


def make_broker(settings: PlatformSettings, client_id: str, **extra: Any) -> KafkaBroker:
    return KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=settings.kafka_idempotence,
        linger_ms=5,
        max_request_size=settings.kafka_max_message_bytes,
        allow_auto_create_topics=False,
        graceful_timeout=15.0,
        **extra,
    )


def consumer_options(settings: PlatformSettings) -> dict[str, Any]:
    """Subscriber keyword arguments that every consumer uses (see KAFKA.md for why)."""
    return {
        "auto_offset_reset": "earliest",
        "session_timeout_ms": settings.kafka_session_timeout_ms,
        "heartbeat_interval_ms": settings.kafka_heartbeat_interval_ms,
        "fetch_max_wait_ms": settings.kafka_fetch_max_wait_ms,
    }


async def ensure_topics(
    bootstrap: str, specs: Iterable[TopicSpec] | None = None, timeout_s: float = 30.0
) -> None:
    """Create the topics with their partition counts; existing topics are left alone."""
    wanted = list(specs if specs is not None else all_topic_specs())
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        try:
            await admin.start()
            break
        except Exception:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.5)
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in wanted if t.name not in existing]
        if missing:
            topics = [
                NewTopic(
                    t.name,
                    num_partitions=t.partitions,
                    replication_factor=1,
                    topic_configs={"cleanup.policy": "compact"} if t.compact else {},
                )
                for t in missing
            ]
            try:
                await admin.create_topics(topics)
            except TopicAlreadyExistsError:
                pass  # raced with another instance
            log.info("created topics: %s", ", ".join(t.name for t in missing))
    finally:
        await admin.close()


async def broker_reachable(bootstrap: str, timeout_s: float = 3.0) -> bool:
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=int(timeout_s * 1000)
    )
    try:
        await asyncio.wait_for(admin.start(), timeout_s)
        await asyncio.wait_for(admin.list_topics(), timeout_s)
        return True
    except Exception:
        return False
    finally:
        await admin.close()
