"""Kafka plumbing: the broker factory with settings that work on Apache Kafka and on Tansu,
the ONE place that turns settings into client connection options (SASL/SCRAM credentials
included), and explicit topic creation (auto-creation gives accidental partition counts)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import (
    ClusterAuthorizationFailedError,
    TopicAlreadyExistsError,
    TopicAuthorizationFailedError,
)
from faststream.kafka import KafkaBroker
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

from asn_platform.settings import PlatformSettings
from asn_platform.topics import TopicSpec, all_topic_specs

log = logging.getLogger(__name__)


def client_options(settings: PlatformSettings | None) -> dict[str, Any]:
    """Connection keyword arguments of every raw aiokafka client (producer, consumer, admin):
    the security protocol and, with SASL, the mechanism and this program's credentials."""
    if settings is None or settings.kafka_security_protocol == "PLAINTEXT":
        return {}
    opts: dict[str, Any] = {"security_protocol": settings.kafka_security_protocol}
    if settings.kafka_security_protocol.startswith("SASL"):
        if not settings.kafka_sasl_username or settings.kafka_sasl_password is None:
            raise ValueError("SASL needs ASN_KAFKA_SASL_USERNAME and ASN_KAFKA_SASL_PASSWORD")
        opts |= {
            "sasl_mechanism": settings.kafka_sasl_mechanism,
            "sasl_plain_username": settings.kafka_sasl_username,
            "sasl_plain_password": settings.kafka_sasl_password.get_secret_value(),
        }
    if settings.kafka_security_protocol == "SASL_SSL":
        from aiokafka.helpers import create_ssl_context

        opts["ssl_context"] = create_ssl_context()
    return opts


def faststream_security(settings: PlatformSettings) -> BaseSecurity | None:
    """The same credentials for FastStream's KafkaBroker."""
    if not settings.kafka_security_protocol.startswith("SASL"):
        return None
    if not settings.kafka_sasl_username or settings.kafka_sasl_password is None:
        raise ValueError("SASL needs ASN_KAFKA_SASL_USERNAME and ASN_KAFKA_SASL_PASSWORD")
    ssl = None
    if settings.kafka_security_protocol == "SASL_SSL":
        from aiokafka.helpers import create_ssl_context

        ssl = create_ssl_context()
    cls = {"SCRAM-SHA-512": SASLScram512, "SCRAM-SHA-256": SASLScram256, "PLAIN": SASLPlaintext}[
        settings.kafka_sasl_mechanism
    ]
    return cls(
        username=settings.kafka_sasl_username,
        password=settings.kafka_sasl_password.get_secret_value(),
        ssl_context=ssl,
        use_ssl=ssl is not None,
    )


def make_broker(settings: PlatformSettings, client_id: str, **extra: Any) -> KafkaBroker:
    # A plain logger (propagating to the root handler of asn_platform.logs) instead of
    # FastStream's default, which writes colour codes to stdout even when that is a file.
    extra.setdefault("logger", logging.getLogger("asn_platform.broker"))
    return KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=client_id,
        security=faststream_security(settings),
        acks="all",
        enable_idempotence=settings.kafka_idempotence,
        linger_ms=5,
        max_request_size=settings.kafka_max_message_bytes,
        allow_auto_create_topics=False,
        graceful_timeout=15.0,
        **extra,
    )


def consumer_options(settings: PlatformSettings) -> dict[str, Any]:
    """Subscriber keyword arguments that every consumer uses (see docs/kafka.md for why)."""
    return {
        "auto_offset_reset": "earliest",
        "session_timeout_ms": settings.kafka_session_timeout_ms,
        "heartbeat_interval_ms": settings.kafka_heartbeat_interval_ms,
        "fetch_max_wait_ms": settings.kafka_fetch_max_wait_ms,
    }


async def ensure_topics(
    bootstrap: str,
    specs: Iterable[TopicSpec] | None = None,
    timeout_s: float = 30.0,
    *,
    settings: PlatformSettings | None = None,
) -> None:
    """Create the topics with their partition counts; existing topics are left alone.

    With ACLs a service principal may not create topics (the launcher or the deployment's
    initialiser does, as admin): a refusal is logged and the service goes on; a topic it then
    lacks fails where it is used, with Kafka's own error."""
    wanted = list(specs if specs is not None else all_topic_specs())
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=10_000, **client_options(settings)
    )
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
                response = await admin.create_topics(topics)
            except TopicAlreadyExistsError:
                return  # raced with another instance
            except (TopicAuthorizationFailedError, ClusterAuthorizationFailedError) as err:
                log.warning("not allowed to create topics (%s): %s", err, _names(missing))
                return
            refused = [
                name
                for name, code, *_ in getattr(response, "topic_errors", ())
                if code
                in (TopicAuthorizationFailedError.errno, ClusterAuthorizationFailedError.errno)
            ]
            if refused:
                log.warning("not allowed to create topics: %s", ", ".join(refused))
            created = [t for t in missing if t.name not in refused]
            if created:
                log.info("created topics: %s", _names(created))
    finally:
        await admin.close()


def _names(specs: Iterable[TopicSpec]) -> str:
    return ", ".join(t.name for t in specs)


async def broker_reachable(
    bootstrap: str, timeout_s: float = 3.0, *, settings: PlatformSettings | None = None
) -> bool:
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap,
        request_timeout_ms=int(timeout_s * 1000),
        **client_options(settings),
    )
    try:
        await asyncio.wait_for(admin.start(), timeout_s)
        await asyncio.wait_for(admin.list_topics(), timeout_s)
        return True
    except Exception:
        return False
    finally:
        await admin.close()


async def started(producer: AIOKafkaProducer) -> AIOKafkaProducer:
    """``producer.start()``; a producer that fails to start is stopped (its half-open
    connections closed, at most 2 s) before the error goes on, so a retry leaks nothing."""
    try:
        await producer.start()
    except BaseException:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(producer.stop(), 2.0)
        raise
    return producer
