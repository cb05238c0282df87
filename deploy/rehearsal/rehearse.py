#!/usr/bin/env python3
"""The operators' deployment, rehearsed for real: docker-compose.yml run in containers.

    .venv/bin/python deploy/rehearsal/rehearse.py            # the whole rehearsal
    .venv/bin/python deploy/rehearsal/rehearse.py --help     # options (sabotage, keep, ...)

On a machine with podman (installed with apt-get when run as root on Debian), no registry and
no Docker engine:
1. builds the local images (Debian base from debootstrap, Python base, Kafka from the same
   Maven-fetched jars as the tests, PostgreSQL and Prometheus from Debian, one image per
   service from deploy/Dockerfile), each cached by tag and rebuilt only when its inputs change;
2. runs `docker compose up` on the operators' docker-compose.yml plus compose.rehearsal.yml
   (which only swaps in the local images and adds the development identity provider);
3. waits until every service is healthy and runs the demo against the published ports;
4. sends survey answers while the Kafka container restarts and one service container is
   killed: every answer is counted once, in surveys and in recommendations, and the killed
   service comes back by its restart policy;
5. `down` then `up`: the data survived in the volumes (IKM counts, roster, JP);
6. `down -v`: no container, network or volume of the project is left.
Exits 0 when every step passed, 1 naming the step that failed (with the logs' tails).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import images
from compose_cli import Compose
from podman_host import PodmanService, ensure_podman, log
from scenario import Scenario

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PROJECT = "asn-rehearsal"
SERVICES = ("surveys", "enrollment", "recommendations", "console", "notifications", "webhooks")
INFRA = ("kafka", "postgres", "keycloak")


class Failed(Exception):
    """A step of the rehearsal failed."""


def write_env(folder: Path) -> Path:
    """The operators' .env, made the way the README tells them: deploy/make-env.sh."""
    env = folder / ".env"
    made = subprocess.run(
        ["bash", str(ROOT / "deploy/make-env.sh")], capture_output=True, text=True, check=True
    )
    # a demo deployment: the demo marks attendance, which needs sessions that have started
    assert "\nDEMO_LEAD_TIME_DAYS=\n" in made.stdout, "deploy/make-env.sh no longer writes it"
    env.write_text(made.stdout.replace("\nDEMO_LEAD_TIME_DAYS=\n", "\nDEMO_LEAD_TIME_DAYS=-28\n"))
    env.chmod(0o600)
    return env


def build_images(timings: dict[str, float]) -> list[str]:
    started = time.monotonic()
    images.debian_base()
    built = [images.DEBIAN]
    for build in images.base_builds():
        built.append(build.ensure()[0])
    built.append(images.kafka_build().ensure()[0])
    built.append(images.keycloak_build().ensure()[0])
    for service in SERVICES:
        built.append(images.service_build(service).ensure()[0])
    timings["images"] = time.monotonic() - started
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rehearse", description=__doc__.split("\n")[0])
    parser.add_argument("--keep", action="store_true", help="leave the project running at the end")
    parser.add_argument("--skip-faults", action="store_true", help="no restart/kill round")
    parser.add_argument(
        "--sabotage",
        choices=("healthcheck", "loop"),
        help="break the deployment on purpose (the rehearsal must then fail): 'healthcheck' "
        "makes surveys' health check fail; 'loop' stops recommendations before the demo",
    )
    parser.add_argument("--health-timeout", type=float, default=300.0)
    parser.add_argument(
        "--demo-timeout", type=float, default=90.0, help="seconds per asynchronous demo step"
    )
    parser.add_argument("--report", type=Path, help="write timings and image sizes as JSON here")
    args = parser.parse_args(argv)

    timings: dict[str, float] = {}
    ensure_podman()
    with tempfile.TemporaryDirectory(prefix="asn-rehearsal-") as tmp, PodmanService(PROJECT) as api:
        t0 = time.monotonic()
        tags = build_images(timings)
        files = [ROOT / "docker-compose.yml", HERE / "compose.rehearsal.yml"]
        if args.sabotage == "healthcheck":
            files.append(HERE / "sabotage-healthcheck.yml")
        from asn_devkit.embedded.kafka import KAFKA_VERSION

        variables = {
            "ASN_KAFKA_VERSION": KAFKA_VERSION,
            "ASN_KEYCLOAK_VERSION": images.keycloak_version(),
        }
        compose = Compose(PROJECT, files, write_env(Path(tmp)), api.docker_host, ROOT, variables)
        compose.run("down", "-v", "--remove-orphans", check=False)  # a previous run's leftovers
        scenario = Scenario(compose, timings, demo_timeout_s=args.demo_timeout)
        ok = False
        try:
            scenario.up(list(INFRA + SERVICES), args.health_timeout, "first up")
            if args.sabotage == "loop":
                compose.run("stop", "recommendations")
            scenario.demo()
            if not args.skip_faults:
                scenario.faults()
            scenario.restart_keeps_data(list(INFRA + SERVICES), args.health_timeout)
            ok = True
        except Exception as err:  # every failure ends the same way: say which step, show logs
            log(f"FAILED: {err}")
            for service in (*SERVICES, *INFRA, "kafka-init"):
                tail = compose.logs_tail(service, 25)
                if tail.strip():
                    print(f"--- {service} (last lines)\n{tail}", flush=True)
        finally:
            if not args.keep:
                started = time.monotonic()
                compose.run("down", "-v", "--remove-orphans", check=False)
                timings["down -v"] = time.monotonic() - started
                left = compose.leftovers()
                if any(left.values()):
                    log(f"FAILED: left behind after down -v: {left}")
                    ok = False
        timings["total"] = time.monotonic() - t0
        result = {
            "ok": ok,
            "timings_s": {k: round(v, 1) for k, v in timings.items()},
            "image_sizes_mb": {t: round(s / 1e6) for t, s in images.sizes(tags).items()},
        }
        print(json.dumps(result, indent=2), flush=True)
        if args.report:
            args.report.write_text(json.dumps(result, indent=2))
        log("PASSED" if ok else "FAILED")
        return 0 if ok else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except subprocess.CalledProcessError as err:
        log(f"FAILED: {err}")
        sys.exit(1)
