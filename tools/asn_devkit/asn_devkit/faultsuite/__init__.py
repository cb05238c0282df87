"""The fault suite: the whole platform under a seeded mixed load while processes are killed, and
its end state compared with a fault-free reference run on the same input.

`run_once` (run.py) starts the platform with faults due at seeded moments (faults.py), drives the
load (load.py) until the platform is quiet again (quiet.py), and reads the end state (state.py);
`report` (compare.py) compares it with the reference run; the long form adds the soak's samples
(soak.py). Used by tests/faults/test_faults.py (short form) and benchmarks/faults.py.
"""

from asn_devkit.faultsuite.compare import Diff, compare, report
from asn_devkit.faultsuite.faults import fault_plan
from asn_devkit.faultsuite.log import log
from asn_devkit.faultsuite.run import RunResult, run_once
from asn_devkit.faultsuite.soak import growth

__all__ = ["Diff", "RunResult", "compare", "fault_plan", "growth", "log", "report", "run_once"]
