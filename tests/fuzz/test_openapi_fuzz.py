"""Property-based fuzzing of each service's OpenAPI (schemathesis): no input gives a 5xx.

One test per service, each with its own fixed seed, runs the schemathesis CLI (pinned in the dev
dependencies) against the service's /openapi.json on a real uvicorn server: the examples,
coverage (boundary values: huge integers, empty and over-long strings, NUL, far dates), fuzzing
(generated valid and invalid data) and stateful (links between operations) phases.

Checks: ``not_a_server_error`` (any 5xx fails the test) and ``response_schema_conformance``
(the body matches the declared response model; many routes return plain objects without a
model, and there only the status is checked). Budget per service: ``ASN_FUZZ_BUDGET_S`` seconds
(default 25; fuzzing and stateful testing repeat until it is spent) and at most
``ASN_FUZZ_EXAMPLES`` examples per operation (default 50). Deeper local run, e.g.:
``ASN_FUZZ_BUDGET_S=180 ASN_FUZZ_EXAMPLES=500 ./dev test -m fuzz``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

pytestmark = [pytest.mark.fuzz, pytest.mark.integration]

SEEDS = {
    "surveys": 20261201,
    "enrollment": 20261202,
    "recommendations": 20261203,
    "notifications": 20261213,
    "webhooks": 20261215,
}
BUDGET_S = int(os.environ.get("ASN_FUZZ_BUDGET_S", "25"))
EXAMPLES = int(os.environ.get("ASN_FUZZ_EXAMPLES", "50"))
CHECKS = "not_a_server_error,response_schema_conformance"
SCHEMATHESIS = [sys.executable, "-m", "schemathesis.cli"]  # the pinned one, in this venv


@pytest.mark.parametrize("service", list(SEEDS))
def test_no_server_error_for_any_input(
    service: str,
    fuzz_services: dict[str, str],
    api_headers: Callable[[str], dict[str, str]],
    tmp_path: Path,
) -> None:
    base_url = fuzz_services[service]
    command = [
        *SCHEMATHESIS,
        "run",
        f"{base_url}/openapi.json",
        "--checks",
        CHECKS,
        "--seed",
        str(SEEDS[service]),
        "--max-examples",
        str(EXAMPLES),
        "--max-time",
        str(BUDGET_S),
        "--workers",
        "1",
        "--request-timeout",
        "15",
        "--suppress-health-check",
        "all",
        "--no-color",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
    ]
    for name, value in api_headers(service).items():
        command += ["--header", f"{name}: {value}"]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=BUDGET_S + 240,
        env={**os.environ, "SCHEMATHESIS_TELEMETRY": "false"},
        check=False,
        cwd=tmp_path,  # its cache (.schemathesis/) goes there
    )
    summary = [line for line in done.stdout.splitlines() if line.strip()][-12:]
    print(f"\nfuzz {service} (seed {SEEDS[service]}):\n" + "\n".join(summary))
    assert done.returncode == 0, (
        f"schemathesis found failures in {service} (exit {done.returncode}):\n"
        f"{done.stdout[-20000:]}\n{done.stderr[-3000:]}"
    )
