"""The operators' guide (deploy/README.md), run as written.

Every shell block of the guide is fenced as ```` ```bash rehearsed:<step> ````; the rehearsal runs
the block of each step with bash, from an operator's folder (a temporary directory holding the
`.env` the guide's first step writes, with the checkout's `deploy/`, `docker-compose.yml` and
`.venv` linked in), with `docker` on PATH being Compose on podman (compose_cli.py). So a command
in the guide is one the rehearsal ran, and tests/compose/test_guide.py fails on a block that no
step runs.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from compose_cli import Compose
from podman_host import log

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
GUIDE = ROOT / "deploy" / "README.md"
FENCE = re.compile(r"^```(\S*)[ \t]*(.*?)\n(.*?)^```[ \t]*$", re.S | re.M)
TAG = re.compile(r"^rehearsed:([a-z0-9-]+)$")
# The steps in the order the rehearsal runs them (rehearse.py); each is one block of the guide.
STEPS = (
    "secrets",
    "staging",
    "first-start",
    "demo",
    "metrics",
    "unhealthy",
    "partner",
    "backup",
    "restore",
    "upgrade",
    "rotate",
    "down-up",
    "remove",
)


class GuideError(Exception):
    pass


def blocks(text: str | None = None) -> dict[str, str]:
    """{step: the block's commands}; fails on an untagged shell block or a step tagged twice."""
    found: dict[str, str] = {}
    for lang, info, body in FENCE.findall(GUIDE.read_text() if text is None else text):
        if lang not in ("bash", "sh", "shell", "console"):
            continue
        tag = TAG.match(info.strip())
        if tag is None:
            raise GuideError(f"a {lang} block is not tagged rehearsed:<step>: {body[:80]!r}")
        if tag.group(1) in found:
            raise GuideError(f"step {tag.group(1)!r} has two blocks")
        found[tag.group(1)] = body
    return found


@dataclass
class Operator:
    """An operator's shell: a folder like a checkout, where the guide's blocks run."""

    folder: Path
    compose: Compose

    def prepare(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for name in ("deploy", "docker-compose.yml", ".venv", "partners"):
            link = self.folder / name
            if not link.exists():
                link.symlink_to(ROOT / name)
        bin_dir = self.folder / ".rehearsal-bin"
        bin_dir.mkdir(exist_ok=True)
        shim = bin_dir / "docker"
        shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{HERE / "compose_cli.py"}" "$@"\n')
        shim.chmod(0o755)

    def run(self, step: str, env: dict[str, str] | None = None, timeout_s: float = 900) -> str:
        """Run the guide's block for `step`; returns its output, fails on a non-zero exit."""
        body = blocks()[step]
        env = {
            **os.environ,
            **(env or {}),
            "PATH": f"{self.folder / '.rehearsal-bin'}:{os.environ['PATH']}",
            "ASN_REHEARSAL_COMPOSE": self.compose.to_json(),
        }
        started = time.monotonic()
        out = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", body],
            cwd=self.folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
        log(f"guide step {step}: exit {out.returncode} in {time.monotonic() - started:.1f} s")
        if out.returncode != 0:
            raise GuideError(
                f"guide step {step!r} exited {out.returncode}:\n{body}\n--- output\n"
                f"{out.stdout[-3000:]}\n--- errors\n{out.stderr[-3000:]}"
            )
        return out.stdout
