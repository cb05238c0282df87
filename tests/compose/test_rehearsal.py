"""The operators' docker-compose.yml, run for real in containers (deploy/rehearsal/rehearse.py).

Needs root and podman (installed with apt-get on Debian when missing), so it runs only when asked:
`ASN_REHEARSAL=1 ./dev test tests/compose` (CI does). The first run builds every image (a few
minutes); later runs reuse them. Each test is one whole rehearsal, so its output (timings, image
sizes) is printed for the closing notes; the two sabotaged runs prove the rehearsal can fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "rehearsal" / "rehearse.py"

pytestmark = [
    pytest.mark.compose,
    pytest.mark.timeout(3000),
    pytest.mark.skipif(
        os.environ.get("ASN_REHEARSAL") != "1",
        reason="the compose rehearsal runs only with ASN_REHEARSAL=1 (root and podman)",
    ),
]


def rehearse(tmp_path: Path, *args: str) -> tuple[int, str, dict[str, object]]:
    report = tmp_path / "report.json"
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--report", str(report), *args],
        capture_output=True,
        text=True,
        timeout=2900,
    )
    steps = "\n".join(line for line in out.stdout.splitlines() if line.startswith("[rehearsal]"))
    print(out.stdout[-6000:], out.stderr[-3000:], "\n--- the rehearsal's steps\n" + steps)
    return out.returncode, out.stdout, json.loads(report.read_text()) if report.exists() else {}


def test_the_deployment_runs_the_loop_survives_faults_and_keeps_its_data(tmp_path: Path) -> None:
    code, output, report = rehearse(tmp_path)
    failed = output.find("[rehearsal] FAILED:")  # the step and its reason, before the log tails
    assert code == 0, output[failed : failed + 3000] if failed >= 0 else output[-3000:]
    assert report["ok"] is True
    steps = (
        "first up", "demo", "metrics", "faults", "unhealthy", "partner", "backup and restore",
        "upgrade", "rotate", "second up (volumes kept)", "down -v",
    )  # fmt: skip
    for step in steps:
        assert step in report["timings_s"], step  # type: ignore[operator]
    for said in (
        "surveys came back by its restart policy",
        "unhealthy: surveys reported unhealthy, the guide's steps made it healthy again",
        "from survey-submitted with its own login",
        "(each once)",
        "60 answers during it, each counted once",
        "rotate: the old password refused",
        "down/up kept IKM counts, roster, JP, programmes and nudges",
    ):
        assert said in output, said


def test_a_failing_health_check_fails_the_rehearsal(tmp_path: Path) -> None:
    code, output, report = rehearse(
        tmp_path, "--sabotage", "healthcheck", "--health-timeout", "120"
    )
    assert code == 1
    # the guide's first start waits for every service, and names the one that never got there
    assert "FAILED: guide step 'first-start'" in output
    assert "surveys is unhealthy after" in output
    assert report["ok"] is False


def test_a_loop_that_does_not_complete_fails_the_rehearsal(tmp_path: Path) -> None:
    code, output, report = rehearse(tmp_path, "--sabotage", "loop", "--demo-timeout", "30")
    assert code == 1
    assert "FAILED: demo exited" in output
    assert report["ok"] is False
