"""A unit's processing table per respondent (the surveys serve it page by page, scoped to the
user's units), and its whole-period CSV passed through as the surveys stream it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from asn_console.clients import ServiceError, UserApi, json_of

PAGE_SIZE = 50
MAX_PAGE = 20_000  # the surveys refuse an offset beyond 1,000,000 rows


def page_of(raw: str | None) -> int:
    """A page number from the query: 1 when missing or nonsense."""
    return min(int(raw), MAX_PAGE) if raw and raw.isdigit() and int(raw) > 0 else 1


async def respondents_view(
    api: UserApi, unit_id: str, period: str | None, page: int
) -> dict[str, Any]:
    table = await api.get(
        "surveys",
        f"/api/v1/ikm/units/{unit_id}/respondents",
        period=period,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    pages = max(1, -(-int(table["total"]) // PAGE_SIZE))
    return {"unit_id": unit_id, "rt": table, "page": page, "pages": pages, "period": period}


async def respondents_csv(
    api: UserApi, unit_id: str, period: str | None
) -> tuple[AsyncIterator[bytes], dict[str, str]]:
    """The surveys' CSV, streamed (a big unit has hundreds of thousands of rows)."""
    params = {"period": period} if period else {}
    stream = await api.stream("surveys", f"/api/v1/ikm/units/{unit_id}/respondents.csv", params)
    if stream.status_code != 200:
        await stream.aread()
        await stream.aclose()
        raise ServiceError("surveys", stream.status_code, json_of(stream))

    async def body() -> AsyncIterator[bytes]:
        try:
            async for chunk in stream.aiter_bytes():
                yield chunk
        finally:
            await stream.aclose()

    headers = {
        k: v for k, v in stream.headers.items()
        if k.lower() in ("content-disposition", "content-type")
    }  # fmt: skip
    return body(), headers
