"""One run of the suite: the platform up, the load driven through the planned faults, the end
state read once the platform is quiet."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from asn_devkit.faultsuite.faults import Fault, Harness, fault_triggers
from asn_devkit.faultsuite.load import Load, Sent
from asn_devkit.faultsuite.log import log
from asn_devkit.faultsuite.quiet import Stalled, wait_quiet
from asn_devkit.faultsuite.soak import Sample, plant_old_inbox_rows, purged, sample
from asn_devkit.faultsuite.state import Rows, read_state


@dataclass
class RunResult:
    state: Rows
    sent: Sent
    faults: list[Fault]
    seconds: float
    samples: list[Sample] = field(default_factory=list)
    supervisor_errors: list[str] = field(default_factory=list)
    purge_checked: dict[str, bool] = field(default_factory=dict)
    rounds: int = 0
    stalled: str = ""  # why the platform did not get quiet (then the load stopped there)


async def _drive(
    h: Harness, seed: int, rounds: int, rate: float, soak: bool, minutes: float | None
) -> RunResult:
    t0 = time.monotonic()
    samples: list[Sample] = []
    if soak:
        await plant_old_inbox_rows(h)

    async def sampler() -> None:
        while True:
            s = await sample(h)
            if s is not None:
                samples.append(s)
            await asyncio.sleep(10.0)

    task = asyncio.create_task(sampler()) if soak else None
    try:
        until = time.monotonic() + minutes * 60 if minutes else None
        load = Load(h, seed, rounds, rate, until)
        sent = await load.run()
        h.progress = lambda: 1 << 60  # the load is over: any fault still due falls due now
        h.stop_faults = True
        # Every planned fault happens before the end state is read (the supervisor thread's).
        while not h.faults_done():  # noqa: ASYNC110
            await asyncio.sleep(1.0)
        stalled = load.stalled
        if not stalled:
            try:
                await wait_quiet(h, "the end")
            except Stalled as err:
                stalled = str(err)
                log(f"STALLED: {err}")
        state = await read_state(h)
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    purge = await purged(h) if soak else {}
    return RunResult(state, sent, list(h.injected), time.monotonic() - t0, samples,
                     list(h.errors), purge, load.rounds_done, stalled)  # fmt: skip


def run_once(data_dir: Path, *, seed: int, rounds: int, rate: float, faults: list[str],
             soak: bool = False, minutes: float | None = None) -> RunResult:  # fmt: skip
    # The test's own clients retry through the faults; their "broker away" lines are noise.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    env = {"ASN_INBOX_PURGE_INTERVAL_S": "20"} if soak else {}
    h = Harness(
        data_dir,
        faults=faults,
        seed=seed,
        extra_env=env,
        triggers=fault_triggers(seed, len(faults), rounds),
        timed_faults=bool(minutes),
    )
    try:
        h.start()
        log(f"platform up ({'faults: ' + ', '.join(faults) if faults else 'reference, no faults'})")
        return asyncio.run(_drive(h, seed, rounds, rate, soak, minutes))
    finally:
        h.stop()
