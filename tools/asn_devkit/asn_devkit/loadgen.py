"""A lean HTTP/1.1 keep-alive load generator for the benchmarks, and the CPU they measure.

Why not httpx: on this machine an httpx client spends more CPU per request than a FastAPI
service answering ``/health`` (measured with psutil in benchmarks/enrollment_api.py), so with
the service, PostgreSQL and the broker sharing two cores the client itself capped the baseline.
This one writes a pre-encoded request and reads the status line, the headers it needs and the
body; nothing else (no redirects, cookies, chunked bodies or TLS).

Connections idle longer than ``IDLE_MAX_S`` are closed instead of reused: uvicorn closes a
keep-alive connection after 5 s and a request written into that moment is lost.
"""

from __future__ import annotations

import asyncio
import time

import psutil

IDLE_MAX_S = 3.0  # below uvicorn's 5 s keep-alive timeout


class HttpConn:
    """One keep-alive connection; ``request`` sends one request and reads the whole answer."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, authorization: str
    ) -> None:
        self.reader, self.writer = reader, writer
        self.authorization = authorization
        self.used = time.monotonic()

    @classmethod
    async def open(cls, port: int, authorization: str = "", host: str = "127.0.0.1") -> HttpConn:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer, authorization)

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        auth = f"Authorization: {self.authorization}\r\n" if self.authorization else ""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("server closed the connection")
        status = int(status_line.split()[1])
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        data = await self.reader.readexactly(length) if length else b""
        return status, data

    def close(self) -> None:
        self.writer.close()


class ConnPool:
    """At most ``limit`` connections to one port, reused most-recent first."""

    def __init__(self, port: int, limit: int = 256, authorization: str = "") -> None:
        self.port, self.limit, self.authorization = port, limit, authorization
        self.idle: list[HttpConn] = []
        self.opened = 0
        self.free = asyncio.Condition()

    async def get(self) -> HttpConn:
        async with self.free:
            while not self.idle and self.opened >= self.limit:
                await self.free.wait()
            while self.idle:
                conn = self.idle.pop()
                if time.monotonic() - conn.used < IDLE_MAX_S:
                    return conn
                conn.close()  # the server may have closed it (uvicorn keep-alive: 5 s)
                self.opened -= 1
            self.opened += 1
        try:
            return await HttpConn.open(self.port, self.authorization)
        except BaseException:
            await self.put(None)
            raise

    async def put(self, conn: HttpConn | None) -> None:
        """Give a connection back; ``None`` for one that failed (closed by the caller)."""
        async with self.free:
            if conn is None:
                self.opened -= 1
            else:
                conn.used = time.monotonic()
                self.idle.append(conn)
            self.free.notify()

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        conn = await self.get()
        try:
            answer = await conn.request(method, path, body)
        except BaseException:
            conn.close()
            await self.put(None)
            raise
        await self.put(conn)
        return answer

    def close(self) -> None:
        for conn in self.idle:
            conn.close()
        self.idle.clear()


def cpu_seconds(proc: psutil.Process) -> float:
    """User + system CPU a process has used so far (the load generator: ``psutil.Process()``)."""
    times = proc.cpu_times()
    return float(times.user + times.system)
