"""A civil servant's certificates: the list from notifications, and the PDF passed through.

Both calls carry the person's own token and NIP: notifications answers an `asn` only for their
own NIP and only with a certificate that NIP holds."""

from __future__ import annotations

import re
from typing import Any

from asn_console.clients import ServiceError, UserApi, json_of
from asn_console.views.units import Download

# The notifications service's certificate numbers (TS-<year>-XXXX-XXXX).
NUMBER = re.compile(r"^TS-\d{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$")


async def my_certificates(api: UserApi, nip: str) -> list[dict[str, Any]]:
    """Newest first; empty when notifications does not answer (the page still shows)."""
    found = await api.maybe("notifications", f"/api/v1/asn/{nip}/certificates", {"items": []})
    items: list[dict[str, Any]] = found.get("items", [])
    return items


async def certificate_pdf(api: UserApi, nip: str, number: str) -> Download:
    r = await api.raw("notifications", "GET", f"/api/v1/asn/{nip}/certificates/{number}.pdf")
    if r.status_code != 200:
        raise ServiceError("notifications", r.status_code, json_of(r))
    disposition = r.headers.get("content-disposition")
    return Download(
        r.content,
        r.headers.get("content-type"),
        {"content-disposition": disposition} if disposition else {},
    )
