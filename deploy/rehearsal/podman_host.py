"""podman as the container engine of the rehearsal, with the fixes these machines need.

What fails out of the box here and what this module does about it (docs/containers.md):
- podman asks runc for RLIMIT_NOFILE=1048576, above the hard limit root may set here: every
  container is started through `runc-clamp`, registered in containers.conf as "runc";
- crun refuses the hybrid cgroup layout: runc, with cgroupfs and a file events logger;
- podman runs health checks from systemd timers, and there is no systemd: a thread runs
  `podman healthcheck run` for every container of the project at its check's interval;
- Compose talks to the Docker API: `podman system service` serves it on a unix socket.
Everything started here is stopped by its PID.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WRAPPER = Path("/usr/local/libexec/asn-rehearsal/runc-clamp")
CONTAINERS_CONF = Path("/etc/containers/containers.conf")
SOCKET = Path("/run/asn-rehearsal/podman.sock")
CONF = f"""# Written by deploy/rehearsal (the project's container rehearsal).
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
[engine.runtimes]
runc = ["{WRAPPER}"]
"""


def log(message: str) -> None:
    print(f"[rehearsal] {message}", flush=True)


def ensure_podman() -> None:
    """Install podman, runc and debootstrap (root on Debian) and the runtime fixes."""
    missing = [t for t in ("podman", "runc", "debootstrap") if shutil.which(t) is None]
    if missing:
        if os.geteuid() != 0 or shutil.which("apt-get") is None:
            raise SystemExit(f"rehearsal needs {', '.join(missing)} (install them, or run as root)")
        log(f"installing {' '.join(missing)} with apt-get")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "podman", "runc", "debootstrap"],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
    source = HERE / "runc-clamp"
    if not WRAPPER.exists() or WRAPPER.read_bytes() != source.read_bytes():
        WRAPPER.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, WRAPPER)
        WRAPPER.chmod(0o755)
    if not CONTAINERS_CONF.exists() or CONTAINERS_CONF.read_text() != CONF:
        CONTAINERS_CONF.parent.mkdir(parents=True, exist_ok=True)
        CONTAINERS_CONF.write_text(CONF)


def podman(*args: str, check: bool = True, capture: bool = True) -> str:
    out = subprocess.run(["podman", *args], capture_output=capture, text=True)
    if check and out.returncode != 0:
        raise RuntimeError(f"podman {' '.join(args)} failed ({out.returncode}): {out.stderr}")
    return out.stdout if capture else ""


class PodmanService:
    """The Docker-compatible API on a unix socket, plus the health-check loop."""

    def __init__(self, project: str) -> None:
        self.project = project
        self.proc: subprocess.Popen[bytes] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._health_loop, daemon=True)

    @property
    def docker_host(self) -> str:
        return f"unix://{SOCKET}"

    def __enter__(self) -> PodmanService:
        SOCKET.parent.mkdir(parents=True, exist_ok=True)
        SOCKET.unlink(missing_ok=True)
        self.proc = subprocess.Popen(
            ["podman", "system", "service", "--time=0", self.docker_host],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while not SOCKET.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("podman system service did not start")
            time.sleep(0.1)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def _health_loop(self) -> None:
        """Each container's check at the interval its image or compose file sets, as Docker
        runs them (the first one 2 s after the container appears, so start-up is not slowed by
        a whole interval), several at once: on a loaded machine Kafka's check (a JVM) can take
        longer than the others' whole interval, and must not hold them up. Running every check
        every 2 s instead costs about half a core on these machines."""
        due: dict[str, float] = {}
        running: dict[str, concurrent.futures.Future[None]] = {}
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            while not self._stop.wait(1.0):
                ids = podman(
                    "ps",
                    "-q",
                    "--filter",
                    f"label=com.docker.compose.project={self.project}",
                    check=False,
                ).split()
                now = time.monotonic()
                for cid in ids:
                    if cid in running and not running[cid].done():
                        continue
                    if cid not in due:
                        due[cid] = now + 2.0
                    elif now >= due[cid]:
                        running[cid] = pool.submit(_check_once, cid)
                        due[cid] = now + health_interval(cid)
                for gone in set(due) - set(ids):
                    due.pop(gone, None)
                    running.pop(gone, None)


def _check_once(cid: str) -> None:
    # Containers without a health check answer with an error: ignored. podman applies the
    # check's own timeout; the bound here only keeps a wedged podman from holding a worker.
    try:
        subprocess.run(
            ["podman", "healthcheck", "run", cid],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=120,
        )
    except subprocess.TimeoutExpired:
        pass


def health_interval(cid: str) -> float:
    """The container's health-check interval in seconds (Docker's default 30 s when unset)."""
    out = podman("inspect", cid, "--format", "{{json .Config.Healthcheck}}", check=False).strip()
    try:
        interval_ns = (json.loads(out) or {}).get("Interval") or 0
    except json.JSONDecodeError:
        interval_ns = 0
    return interval_ns / 1e9 if interval_ns else 30.0
