"""Retention of citizens' personal data (UU 27/2022): comments and exact ages are anonymised
after `personal_data_retention_days`; the age band stays (the report's profile needs it), and
counts and IKM live in the aggregate buckets, so they do not change."""

from __future__ import annotations

from asn_platform.uow import UnitOfWork
from asn_surveys.store import responses


async def anonymise_expired_responses(uow: UnitOfWork, retention_days: int) -> int:
    """Anonymise every response older than the retention period; returns how many."""
    return await responses.anonymise_expired(uow.conn, retention_days)
