#!/usr/bin/env python3
"""The operators' deployment, rehearsed for real: docker-compose.yml run in containers.

    .venv/bin/python deploy/rehearsal/rehearse.py            # the whole rehearsal
    .venv/bin/python deploy/rehearsal/rehearse.py --help     # options (sabotage, keep, ...)

On a machine with podman (installed with apt-get when run as root on Debian), no registry and
no Docker engine:
1. builds the local images (Debian base from debootstrap, Python base, Kafka from the same
   Maven-fetched jars as the tests, PostgreSQL and Prometheus from Debian, Keycloak from Maven
   Central), each cached by tag and rebuilt only when its inputs change; the services' images
   are built from deploy/Dockerfile by the guide's own `docker compose up -d --build`;
2. runs the operators' guide (deploy/README.md) block by block, as written, with `docker
   compose` being Compose on podman with the operators' docker-compose.yml plus
   compose.rehearsal.yml (which only swaps in the local images): secrets, first start (every
   service healthy), the demo over the published ports, the metrics, an unhealthy service
   brought back, a partner agency, backup and restore (PostgreSQL and Kafka offsets), an
   upgrade with a rolling restart, secret rotation, down/up (the data survived in the volumes)
   and `down -v`; each step checks what the guide says it does;
3. between them, sends survey answers while the Kafka container restarts and one service
   container is killed: every answer is counted once, and the killed service comes back by its
   restart policy;
4. at the end no container, network or volume of the project is left.
Exits 0 when every step passed, 1 naming the step that failed (with the logs' tails).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import images
from compose_cli import Compose
from guide import Operator
from podman_host import PodmanService, ensure_podman, log, podman
from scenario import Scenario

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PROJECT = "asn-rehearsal"
KEPT = Path("/var/tmp/asn-rehearsal/kept")  # the operator's folder of a --keep run
SERVICES = ("surveys", "enrollment", "recommendations", "console", "notifications", "webhooks")
service_tags = [f"localhost/asn-{s}:rehearsal" for s in SERVICES]  # compose.rehearsal.yml
INFRA = ("kafka", "postgres", "keycloak")


class Failed(Exception):
    """A step of the rehearsal failed."""


def build_images(timings: dict[str, float]) -> list[str]:
    """The stand-ins for the public images. The services' own images are built by the guide's
    `docker compose up -d --build`, as operators build them (podman's layer cache makes an
    unchanged one quick)."""
    started = time.monotonic()
    images.debian_base()
    built = [images.DEBIAN]
    for build in images.base_builds():
        built.append(build.ensure()[0])
    built.append(images.kafka_build().ensure()[0])
    built.append(images.keycloak_build().ensure()[0])
    timings["images"] = time.monotonic() - started
    return built


def run_steps(
    args: argparse.Namespace, scenario: Scenario, compose: Compose, timings: dict[str, float]
) -> bool:
    """The guide's steps in order (plus the fault round); True when `down -v` ran."""
    operator = scenario.operator
    everything = list(INFRA + SERVICES)
    operator.run("secrets")
    operator.run("staging")  # the demo marks attendance: sessions that have started
    compose.run("down", "-v", "--remove-orphans", check=False)  # a previous run's leftovers
    compose.volumes_before = set(podman("volume", "ls", "-q").split())
    scenario.up("first-start", everything, args.health_timeout, "first up")
    if args.sabotage == "loop":
        compose.run("stop", "recommendations")
    scenario.demo()
    if not args.skip_operations:
        scenario.metrics()
    if not args.skip_faults:
        scenario.faults()
    if not args.skip_operations:
        scenario.unhealthy()
        scenario.partner()
        scenario.backup_and_restore()
        scenario.upgrade()
        scenario.rotate()
    scenario.restart_keeps_data(everything, args.health_timeout)
    if args.keep:
        return False
    started = time.monotonic()
    operator.run("remove")
    timings["down -v"] = time.monotonic() - started
    return True


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="rehearse", description=__doc__.split("\n")[0])
    parser.add_argument("--keep", action="store_true", help="leave the project running at the end")
    parser.add_argument("--skip-faults", action="store_true", help="no restart/kill round")
    parser.add_argument(
        "--skip-operations",
        action="store_true",
        help="only first start, demo, faults and down/up: none of the guide's operations "
        "(metrics, unhealthy, partner, backup/restore, upgrade, rotation)",
    )
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
    parser.add_argument(
        "--images-only",
        action="store_true",
        help="only build (or reuse) the local images, e.g. for ASN_TEST_INFRA=containers",
    )
    return parser.parse_args(argv)


def show_failure(compose: Compose, err: Exception) -> None:
    log(f"FAILED: {err}")
    for service in (*SERVICES, *INFRA, "kafka-init", "kafka-access"):
        tail = compose.logs_tail(service, 25)
        if tail.strip():
            print(f"--- {service} (last lines)\n{tail}", flush=True)


def operator_folder(keep: bool) -> Any:
    """A temporary operator's folder; with --keep one that stays (KEPT), so the deployment
    left running can still be reached with its .env."""
    if not keep:
        return tempfile.TemporaryDirectory(prefix="asn-rehearsal-")
    shutil.rmtree(KEPT, ignore_errors=True)
    KEPT.mkdir(parents=True)
    return contextlib.nullcontext(str(KEPT))


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)

    timings: dict[str, float] = {}
    ensure_podman()
    if args.images_only:
        tags = build_images(timings)
        print(json.dumps({t: round(s / 1e6) for t, s in images.sizes(tags).items()}, indent=2))
        return 0
    with operator_folder(args.keep) as tmp, PodmanService(PROJECT) as api:
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
        folder = Path(tmp) / "operator"
        compose = Compose(PROJECT, files, folder / ".env", api.docker_host, ROOT, variables)
        operator = Operator(folder, compose)
        operator.prepare()
        (folder / "compose.json").write_text(compose.to_json())  # for `docker` (compose_cli)
        scenario = Scenario(compose, operator, timings, demo_timeout_s=args.demo_timeout)
        ok = removed = False
        try:
            removed = run_steps(args, scenario, compose, timings)
            ok = True
        except Exception as err:  # every failure ends the same way: say which step, show logs
            show_failure(compose, err)
        finally:
            if not args.keep:
                if not removed and (folder / ".env").exists():
                    compose.run("down", "-v", "--remove-orphans", check=False)
                left = compose.leftovers()
                if any(left.values()):
                    log(f"FAILED: left behind after down -v: {left}")
                    ok = False
        timings["total"] = time.monotonic() - t0
        result = {
            "ok": ok,
            "timings_s": {k: round(v, 1) for k, v in timings.items()},
            "image_sizes_mb": {
                t: round(s / 1e6) for t, s in images.sizes([*tags, *service_tags]).items()
            },
        }
        print(json.dumps(result, indent=2), flush=True)
        if args.report:
            args.report.write_text(json.dumps(result, indent=2))
        log("PASSED" if ok else "FAILED")
        return 0 if ok else 1


if __name__ == "__main__":
    # A SIGTERM (a CI timeout, an operator) unwinds like an error: the podman API service and
    # the project are stopped on the way out instead of being left running.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        sys.exit(main())
    except subprocess.CalledProcessError as err:
        log(f"FAILED: {err}")
        sys.exit(1)
