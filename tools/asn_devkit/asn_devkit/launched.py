"""The whole platform as `./dev run` starts it, in a subprocess on chosen ports, for the tests
and benchmarks that need the real thing (end-to-end tests, the console's page timings).

    with launched_platform(data_dir, base, kafka_port=base + 7, env=env, log=path) as proc:
        wait_ready(urls, proc)                      # every /ready answers 200, or AssertionError
        ...                                         # SIGINT at the end, as Ctrl-C would

Services listen on base + 1..6 (the console at + 4), so a Kafka port of base + 7 or above
keeps off them; the mail catcher takes base + 25 and + 26.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

# base + 1..6 for the services, base + 7 for Kafka, base + 25/26 for the mail catcher
# (asn_devkit.mailcatcher): service_base_port(count=PORTS_USED) finds them all free.
PORTS_USED = 26


@contextmanager
def launched_platform(
    data_dir: Path, base: int, *, kafka_port: int, env: Mapping[str, str], log: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "asn_devkit.launcher", "run", "--data-dir", str(data_dir),
             "--base-port", str(base), "--kafka-port", str(kafka_port)],
            env=dict(env), stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        yield proc
    finally:
        proc.send_signal(signal.SIGINT)  # the launcher stops everything in order
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def wait_ready(urls: Iterable[str], proc: subprocess.Popen[bytes], timeout_s: float = 90.0) -> None:
    """Until every URL's /ready answers 200; AssertionError if the launcher exits or time runs
    out (naming what was not ready)."""
    deadline = time.monotonic() + timeout_s
    pending = set(urls)
    while pending and time.monotonic() < deadline:
        assert proc.poll() is None, f"the launcher exited with {proc.returncode}"
        for url in list(pending):
            try:
                if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                    pending.discard(url)
            except httpx.HTTPError:
                pass
        time.sleep(0.3)
    assert not pending, f"{sorted(pending)} not ready within {timeout_s:.0f} s"
