"""The scheduled purge of settled delivery rows on real PostgreSQL: sent and skipped rows past
the retention go, in batches; recent ones, failed or still-due ones and every certificate stay."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from asn_platform.inbox_purge import ScheduledPurge
from tests.integration.notifications.conftest import Notif

pytestmark = pytest.mark.integration

NIP = "199001012020121901"  # this test's own recipient


async def _row(notif: Notif, status: str, age_days: float) -> None:
    at = notif.clock() - timedelta(days=age_days)
    # a pending row is due tomorrow, so that the running sender leaves it alone
    due = notif.clock() + timedelta(days=1) if status == "pending" else at
    await notif.db.execute(
        """INSERT INTO deliveries (message_key, kind, recipient_nip, status, not_before,
               created_at, sent_at)
           VALUES ($1, 'invitation', $2, $3, $4, $5, $6)""",
        f"purge-test/{uuid.uuid4()}", NIP, status, due, at, at if status == "sent" else None,
    )  # fmt: skip


async def test_settled_rows_past_the_retention_go_in_batches_and_certificates_stay(
    notif: Notif,
) -> None:
    wiring = notif.wiring
    assert wiring.purge is not None and wiring.purge.enabled  # started with the service
    assert wiring.purge.retention == timedelta(days=400)  # the default
    for _ in range(7):
        await _row(notif, "sent", 401)
    await _row(notif, "skipped", 500)
    await _row(notif, "sent", 399)  # inside the horizon
    await _row(notif, "failed", 900)  # the admin's to resend: never purged
    await _row(notif, "pending", 900)
    await notif.db.execute(
        """INSERT INTO certificates (number, enrollment_id, nip, programme_code, competencies,
               jp, completed_at, issued_at)
           VALUES ('TS-2024-PRGE-TEST', $1, $2, 'PURGE-TEST', '{}', 8, $3, $3)""",
        f"purge-test-{uuid.uuid4()}", NIP, notif.clock() - timedelta(days=800),
    )  # fmt: skip
    batches = ScheduledPurge(
        notif.db, wiring._purge_batch, what="delivery", retention=timedelta(days=400),
        interval_s=3600, batch=3,
    )  # fmt: skip
    assert await batches.purge_once() == 8  # 3 + 3 + 2: three statements
    left = sorted((r["status"], r["created_at"]) for r in await notif.rows(NIP))
    assert [s for s, _ in left] == ["failed", "pending", "sent"]
    assert await batches.purge_once() == 0
    assert await notif.db.fetchval("SELECT count(*) FROM certificates WHERE nip = $1", NIP) == 1


async def test_the_retention_setting_refuses_a_horizon_shorter_than_the_topics() -> None:
    from pydantic import ValidationError

    from asn_notifications.settings import Settings

    assert Settings(notifications_retention_days=0).notifications_retention_days == 0
    with pytest.raises(ValidationError, match="at least 30 days"):
        Settings(notifications_retention_days=7)
