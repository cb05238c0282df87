"""The services' databases as the suite reads them: connections retried through the faults."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import asyncpg

DB_SERVICES = ("surveys", "enrollment", "recommendations", "webhooks")


async def retrying(url: str, work: Any, timeout_s: float = 120.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            conn = await asyncpg.connect(url, timeout=5)
            try:
                return await work(conn)
            finally:
                await conn.close()
        except (
            OSError,
            asyncpg.PostgresError,
            asyncpg.InterfaceError,
            asyncpg.InternalClientError,
            TimeoutError,
        ):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(1.0)
