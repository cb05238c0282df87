"""The connection type repositories accept: a plain connection or a pool's proxy."""

from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    import asyncpg
    from asyncpg.pool import PoolConnectionProxy

    Conn: TypeAlias = asyncpg.Connection[Any] | PoolConnectionProxy[Any]
else:  # the stubs' generics do not exist at run time
    Conn = Any
