"""The outbox relay's test for a dead connection: a connection the server terminated may already
be back in asyncpg's pool, and then its proxy raises InterfaceError on is_closed() itself; the
relay's loop asked that in its error handler and died of it (seen by the fault suite after a
PostgreSQL restart and after pg_terminate_backend: the outbox stayed pending for good)."""

from __future__ import annotations

import asyncpg

from asn_platform.outbox import _gone


class _Released:
    def is_closed(self) -> bool:
        raise asyncpg.InterfaceError(
            "cannot call Connection.is_closed(): connection has been released back to the pool"
        )


class _Conn:
    def __init__(self, closed: bool) -> None:
        self.closed = closed

    def is_closed(self) -> bool:
        return self.closed


def test_a_released_or_closed_connection_is_gone_and_an_open_one_is_not() -> None:
    assert _gone(_Released())
    assert _gone(_Conn(closed=True))
    assert not _gone(_Conn(closed=False))
