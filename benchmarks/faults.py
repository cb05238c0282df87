"""The fault suite (asn_devkit.faultsuite): the platform under a seeded mixed load while each
service, the broker and PostgreSQL are killed or stopped one at a time, compared with a
fault-free reference run on the same input; lost, duplicated and divergent effects per table.

    .venv/bin/python benchmarks/faults.py                 # short form (one round, every fault once)
    .venv/bin/python benchmarks/faults.py --minutes 10    # long form: rounds for 10 minutes, every
                                                          # fault once per round, and the soak's
                                                          # samples every 10 s with their growth

Exit status 1 when any effect is lost, duplicated or divergent.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from asn_devkit import faultsuite as fs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=0.0,
                        help="long form: keep the load going this long (0: the short form)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--rate", type=float, default=20.0,
                        help="survey answers per second offered per channel")  # fmt: skip
    parser.add_argument("--rounds", type=int, default=1, help="short form: rounds of load")
    parser.add_argument("--data-dir", default=None, help="where both runs keep their data")
    parser.add_argument("--no-reference", action="store_true", help="the faulted run only")
    args = parser.parse_args(argv)
    long_form = args.minutes > 0
    rounds = args.rounds
    base = Path(args.data_dir or tempfile.mkdtemp(prefix="asn-faults-"))
    t0 = time.monotonic()
    # Long form: rounds for --minutes, a fault every 5-20 s after the last one recovered,
    # cycling through the plan; short form: every fault once at seeded points of the load.
    faults = fs.fault_plan(args.seed, 50 if long_form else rounds)
    amount = f"{args.minutes:g} min" if long_form else f"{rounds} round(s)"
    fs.log(f"seed {args.seed}, {amount} of load, data in {base}")
    run = fs.run_once(base / "faulted", seed=args.seed, rounds=rounds, rate=args.rate,
                      faults=faults, soak=long_form,
                      minutes=args.minutes if long_form else None)  # fmt: skip
    rounds = run.rounds
    if args.no_reference:
        print("\n".join(f"{k}: {len(v)} rows" for k, v in run.state.items()))
        return 0
    ref = fs.run_once(base / "reference", seed=args.seed, rounds=rounds, rate=args.rate,
                      faults=[])  # fmt: skip
    diffs, lines = fs.report(ref, run)
    print("\n".join(lines))
    if long_form:
        print(f"soak: {run.rounds} rounds, {len(run.faults)} faults, {len(run.samples)} samples "
              f"every 10 s over {run.seconds:.0f} s")  # fmt: skip
        print("\n".join(fs.growth(run.samples)))
        print("inbox purge ran (a 400-day-old row removed): "
              + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in run.purge_checked.items()))  # fmt: skip
    print(f"total {time.monotonic() - t0:.0f}s")
    bad = (
        run.stalled
        or ref.stalled
        or any(d.lost or d.duplicated or d.divergent for d in diffs.values())
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
