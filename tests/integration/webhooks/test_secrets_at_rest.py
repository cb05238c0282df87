"""Signing secrets at rest: PostgreSQL holds only Fernet tokens; a row stored in clear before
migration 0002 is sealed at start; a new key put first re-seals everything, after which the old
key can go; no key, or only keys that open nothing stored, and the service does not start. The
receiver verifies every event with `standardwebhooks`, so a secret opened wrongly fails."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from cryptography.fernet import Fernet, InvalidToken

from asn_devkit.testing import DatabaseFactory
from asn_webhooks.sealing import SealedWithUnknownKey, SecretKeysMissing, new_key
from tests.integration.webhooks.helpers import (
    Hooks,
    Receiver,
    eventually,
    new_unit,
    running_webhooks,
)

pytestmark = pytest.mark.integration


async def _stored(hooks: Hooks, sub_id: str) -> dict[str, str | None]:
    row = await hooks.db.fetchrow(
        "SELECT secret, previous_secret, secret_sealed, previous_secret_sealed"
        " FROM webhook_subscriptions WHERE id = $1",
        uuid.UUID(sub_id),
    )
    assert row is not None
    return dict(row)


async def _delivers(hooks: Hooks, receiver: Receiver) -> None:
    """One event reaches the receiver and verifies there."""
    before = len(receiver.accepted)
    await hooks.surveys(new_unit(), 1)
    await eventually(lambda: asyncio.sleep(0, len(receiver.accepted) > before), 30, "delivered")
    assert receiver.refused == 0


async def test_secrets_are_sealed_migrated_and_re_sealed_on_key_rotation(
    kafka_topics: str, pg_server_url: str, db_factory: DatabaseFactory
) -> None:
    old, new = new_key(), new_key()
    group = f"webhooks-test-k-{uuid.uuid4().hex[:6]}"
    receiver = Receiver()
    await receiver.start()
    try:
        async with running_webhooks(
            kafka_topics, pg_server_url, db_factory, "k", group, webhooks_secret_keys=old
        ) as hooks:
            sub = await hooks.register(receiver)
            stored = await _stored(hooks, sub["id"])
            assert stored["secret"] is None and stored["secret_sealed"]
            assert sub["secret"] not in str(stored)
            assert Fernet(old).decrypt(stored["secret_sealed"].encode()).decode() == sub["secret"]
            await _delivers(hooks, receiver)
            # A row as migration 0001 left it: the secret in clear, nothing sealed.
            await hooks.db.execute(
                "UPDATE webhook_subscriptions SET secret = $2, secret_sealed = NULL WHERE id = $1",
                uuid.UUID(sub["id"]),
                sub["secret"],
            )

        # The operator puts a new key first and keeps the old one to open what it sealed.
        async with running_webhooks(
            kafka_topics, pg_server_url, db_factory, "k", group,
            webhooks_secret_keys=f"{new},{old}",
        ) as hooks:  # fmt: skip
            stored = await _stored(hooks, sub["id"])
            assert stored["secret"] is None  # sealed at start, the clear copy gone
            assert Fernet(new).decrypt(stored["secret_sealed"].encode()).decode() == sub["secret"]
            rotated = await hooks.client.post(
                f"/api/v1/webhooks/subscriptions/{sub['id']}/rotate-secret", json={"overlap_s": 600}
            )
            assert rotated.status_code == 200, rotated.text
            stored = await _stored(hooks, sub["id"])
            assert (
                Fernet(new).decrypt(stored["secret_sealed"].encode()).decode()
                == (rotated.json()["secret"])
            )
            assert (
                Fernet(new).decrypt(stored["previous_secret_sealed"].encode()).decode()
                == (sub["secret"])
            )
            receiver.secrets = [rotated.json()["secret"]]
            await _delivers(hooks, receiver)

        # Every row is sealed with the new key now: the old key can be dropped.
        async with running_webhooks(
            kafka_topics, pg_server_url, db_factory, "k", group, webhooks_secret_keys=new
        ) as hooks:
            stored = await _stored(hooks, sub["id"])
            with pytest.raises(InvalidToken):
                Fernet(old).decrypt(stored["secret_sealed"].encode())
            receiver.secrets = [sub["secret"]]  # still signs beside the new one (overlap)
            await _delivers(hooks, receiver)

        # Only a key that opens nothing stored: the service refuses to start.
        with pytest.raises(SealedWithUnknownKey):
            async with running_webhooks(
                kafka_topics, pg_server_url, db_factory, "k", group,
                webhooks_secret_keys=new_key(),
            ):  # fmt: skip
                pass
    finally:
        await receiver.stop()


async def test_the_service_refuses_to_start_without_a_key(
    kafka_topics: str, pg_server_url: str, db_factory: DatabaseFactory
) -> None:
    with pytest.raises(SecretKeysMissing):
        async with running_webhooks(
            kafka_topics, pg_server_url, db_factory, "nokey", webhooks_secret_keys=None
        ):
            pass
