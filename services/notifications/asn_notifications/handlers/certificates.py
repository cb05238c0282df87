"""Certificates: the PDF for the holder, the public check of a number, the holder's list."""

from __future__ import annotations

from typing import Any

import asyncpg

from asn_notifications.domain.certificate import CertificateView, render_pdf
from asn_notifications.store import certificates


def verify_url(base_url: str, number: str) -> str:
    return f"{base_url.rstrip('/')}/verify/{number}"


async def certificate_view(
    conn: asyncpg.Connection, number: str, *, base_url: str, issuer: str
) -> CertificateView | None:
    row = await certificates.get(conn, number)
    if row is None:
        return None
    return CertificateView(
        number=row["number"],
        holder_name=row["holder_name"] or row["nip"],
        holder_nip=row["nip"],
        programme_title=row["programme_title"] or row["programme_code"],
        competencies=tuple(row["competencies"]),
        jp=float(row["jp"]),
        starts_at=row["starts_at"],
        completed_at=row["completed_at"],
        issuer=issuer,
        verify_url=verify_url(base_url, row["number"]),
    )


async def certificate_pdf(
    conn: asyncpg.Connection, number: str, *, holder_nip: str | None, base_url: str, issuer: str
) -> bytes | None:
    """The PDF, or None when there is no such certificate (of this holder, when given)."""
    view = await certificate_view(conn, number, base_url=base_url, issuer=issuer)
    if view is None or (holder_nip is not None and view.holder_nip != holder_nip):
        return None
    return render_pdf(view)


async def holder_name(conn: asyncpg.Connection, number: str) -> str | None:
    """Only the holder's name: the public page shows nothing else about them."""
    row = await certificates.get(conn, number)
    if row is None:
        return None
    return str(row["holder_name"] or "-")


async def certificates_of(conn: asyncpg.Connection, nip: str) -> list[dict[str, Any]]:
    return [dict(r) for r in await certificates.of_holder(conn, nip)]
