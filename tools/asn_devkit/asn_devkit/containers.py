"""The test infrastructure in containers (``ASN_TEST_INFRA=containers``): PostgreSQL and Apache
Kafka started with testcontainers-python on rootful podman, from the local images the compose
rehearsal builds (``deploy/rehearsal/rehearse.py --images-only``; nothing is ever pulled).

- `podman_api()`: ``podman system service`` serving the Docker API on a unix socket of our own
  (testcontainers speaks the Docker API), shared by every container of this process and stopped
  by its PID when the last one is gone. Ryuk, testcontainers' reaper, is off (there is no image
  for it): the context managers here remove their containers themselves, and a container left
  by a process that died is removed by the next session.
- `postgres_container()`: ``localhost/asn-postgres:15``; yields a superuser URL
  (``postgresql://postgres:<password>@127.0.0.1:<port>/postgres``).
- `kafka_container()`: ``localhost/asn-kafka:<KAFKA_VERSION>`` with the same server properties
  as the embedded test broker (`asn_devkit.embedded.kafka.broker_properties`: SASL/SCRAM and
  ACLs on the main listener, an open PLAINTEXT listener whose anonymous principal is a super
  user), passed as ``KAFKA_*`` variables the way the image's entrypoint reads them.

Ports are chosen on the host first and published on 127.0.0.1 at the same number inside the
container, so the advertised ``127.0.0.1:<port>`` is right both for clients on the host and for
the broker calling itself. docs/containers.md tells what it needs and which tests skip.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from asn_devkit.embedded.kafka import (
    KAFKA_VERSION,
    admin_config,
    broker_properties,
    random_cluster_id,
    scram_format_arg,
    wait_for_metadata,
)
from asn_devkit.embedded.processes import die_with_parent, free_port, pid_alive, stop_process

if TYPE_CHECKING:
    from testcontainers.core.container import DockerContainer

log = logging.getLogger(__name__)

POSTGRES_IMAGE = "localhost/asn-postgres:15"
KAFKA_IMAGE = f"localhost/asn-kafka:{KAFKA_VERSION}"
IMAGES = (POSTGRES_IMAGE, KAFKA_IMAGE)
SOCKET = Path("/run/asn-testinfra/podman.sock")
REPO = Path(__file__).resolve().parents[3]
REHEARSE = REPO / "deploy" / "rehearsal" / "rehearse.py"
# Every container started here carries the PID of the process that owns it.
OWNER_LABEL = "org.asn-platform.testinfra.owner"
KAFKA_CONTROLLER_PORT = 9093  # inside the container only, never published


def kafka_env_name(prop: str) -> str:
    """The KAFKA_* variable the image's entrypoint turns into server property `prop` (the
    official apache/kafka convention: "-" -> "___", "_" -> "__", "." -> "_", upper case)."""
    name = "KAFKA_" + prop.replace("_", "__").replace("-", "___").replace(".", "_").upper()
    if property_of_env_name(name) != prop:
        raise ValueError(f"server property {prop!r} has no KAFKA_* variable that maps back to it")
    return name


def property_of_env_name(name: str) -> str:
    """What deploy/rehearsal/images/kafka/bin/docker-run makes of variable `name`."""
    key = name.removeprefix("KAFKA_").lower()
    return key.replace("___", "-").replace("__", "@").replace("_", ".").replace("@", "_")


# --- podman's Docker API ---------------------------------------------------------------------


class _PodmanApi:
    """One `podman system service` per process, counted by its users."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.users = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.socket: Path | None = None
        self.previous_docker_host: str | None = None
        self.docker_host_set = False

    def acquire(self) -> str:
        with self.lock:
            if self.users == 0:
                try:
                    self._start()
                except BaseException:
                    self._stop()
                    raise
            self.users += 1
            assert self.socket is not None
            return f"unix://{self.socket}"

    def release(self) -> None:
        with self.lock:
            self.users -= 1
            if self.users == 0:
                self._stop()

    def _start(self) -> None:
        ensure_images()
        path = _socket_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        self.proc = subprocess.Popen(
            ["podman", "system", "service", "--time=0", f"unix://{path}"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=die_with_parent,
        )
        self.socket = path
        deadline = time.monotonic() + 30
        while not _socket_answers(path):
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                raise RuntimeError(f"podman system service exited ({self.proc.returncode}): {err}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"podman's API did not answer on {path} within 30 s")
            time.sleep(0.1)
        self.previous_docker_host = os.environ.get("DOCKER_HOST")
        self.docker_host_set = True
        os.environ["DOCKER_HOST"] = f"unix://{path}"
        _configure_testcontainers()
        _remove_orphans()

    def _stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc, timeout_s=10.0)
            if self.proc.stderr is not None:
                self.proc.stderr.close()
            self.proc = None
        if self.socket is not None:
            self.socket.unlink(missing_ok=True)
            self.socket = None
        if not self.docker_host_set:
            return
        self.docker_host_set = False
        if self.previous_docker_host is None:
            os.environ.pop("DOCKER_HOST", None)
        else:
            os.environ["DOCKER_HOST"] = self.previous_docker_host


_API = _PodmanApi()


@contextmanager
def podman_api() -> Iterator[str]:
    """The Docker API of podman (DOCKER_HOST is set to it meanwhile); yields its URL."""
    url = _API.acquire()
    try:
        yield url
    finally:
        _API.release()


def podman_service_pid() -> int | None:
    """PID of this process's podman API service while one runs."""
    return _API.proc.pid if _API.proc is not None else None


def _socket_path() -> Path:
    """SOCKET, unless another session's service answers there: then one of this process."""
    if SOCKET.exists() and _socket_answers(SOCKET):
        return SOCKET.with_name(f"podman-{os.getpid()}.sock")
    return SOCKET


def _socket_answers(path: Path) -> bool:
    if not path.exists():
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(2)
            s.connect(str(path))
            s.sendall(b"GET /_ping HTTP/1.0\r\nHost: d\r\n\r\n")
            return s.recv(64).startswith(b"HTTP/1.")
    except OSError:
        return False


def _configure_testcontainers() -> None:
    from testcontainers.core.config import ConnectionMode, testcontainers_config

    # No reaper (no image for it); /.dockerenv on these machines would make testcontainers
    # believe it runs inside a container, so say that the engine's host is ours.
    os.environ["TESTCONTAINERS_RYUK_DISABLED"] = "true"
    testcontainers_config.ryuk_disabled = True
    testcontainers_config.connection_mode_override = ConnectionMode.docker_host


def _remove_orphans() -> None:
    """Containers of this module whose owning process is gone (it was killed: no reaper)."""
    import docker

    client = docker.from_env()
    try:
        for container in client.containers.list(all=True, filters={"label": OWNER_LABEL}):
            owner = container.labels.get(OWNER_LABEL, "")
            if not owner.isdigit() or not pid_alive(int(owner)):
                log.warning("removing container %s left by process %s", container.name, owner)
                container.remove(force=True, v=True)
    finally:
        client.close()


# --- images ----------------------------------------------------------------------------------


def missing_images() -> list[str]:
    if shutil.which("podman") is None:
        return list(IMAGES)
    return [
        image
        for image in IMAGES
        if subprocess.run(["podman", "image", "exists", image], capture_output=True).returncode
    ]


def ensure_images() -> None:
    """The local images, built by the rehearsal's `--images-only` when one is missing (that
    also installs podman; root on Debian, several minutes the first time)."""
    if os.geteuid() != 0:
        raise RuntimeError("ASN_TEST_INFRA=containers needs root (rootful podman)")
    missing = missing_images()
    if not missing:
        return
    if not REHEARSE.exists():
        raise RuntimeError(f"images {', '.join(missing)} are missing and {REHEARSE} is not here")
    log.warning("images %s missing: running %s --images-only", ", ".join(missing), REHEARSE)
    print(
        f"[testinfra] building {', '.join(missing)} with {REHEARSE.name} --images-only", flush=True
    )
    res = subprocess.run(
        [sys.executable, str(REHEARSE), "--images-only"], cwd=REPO, capture_output=True, text=True
    )
    if res.returncode != 0 or missing_images():
        raise RuntimeError(
            f"{REHEARSE.name} --images-only failed ({res.returncode}): "
            f"{(res.stdout + res.stderr)[-2000:]}"
        )


# --- containers ------------------------------------------------------------------------------


def _container(image: str, role: str) -> DockerContainer:
    from testcontainers.core.container import DockerContainer

    container = DockerContainer(image)
    container.with_name(f"asn-testinfra-{role}-{os.getpid()}-{secrets.token_hex(3)}")
    container.with_kwargs(labels={OWNER_LABEL: str(os.getpid()), "org.asn-platform.role": role})
    return container


def _publish_on_loopback(container: DockerContainer, port: int, host_port: int) -> None:
    """Container port `port` on 127.0.0.1:`host_port` (with_bind_ports takes no address; the
    Docker API's (address, port) form keeps it off the machine's other interfaces)."""
    container.with_bind_ports(port, host_port)
    ports: dict[str, Any] = container.ports
    ports[str(port)] = ("127.0.0.1", host_port)


def _distinct_free_ports(count: int, avoid: tuple[int, ...] = ()) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        port = free_port("127.0.0.1")
        if port not in ports and port not in avoid:
            ports.append(port)
    return ports


def _exited(container: DockerContainer) -> str | None:
    wrapped = container.get_wrapped_container()
    wrapped.reload()
    if wrapped.status in ("exited", "dead"):
        logs = wrapped.logs(tail=40).decode(errors="replace")
        return f"container {wrapped.name} {wrapped.status}: {logs}"
    return None


@contextmanager
def _started(container: DockerContainer) -> Iterator[DockerContainer]:
    """Start `container` (the image is local: never pulled); always removed at the end. Inside
    `podman_api()`, as the creation of a DockerContainer already is (it connects at once)."""
    try:
        container.start()
        yield container
    finally:
        try:
            container.stop(force=True, delete_volume=True)
        except Exception as err:  # the service may be gone: say so, do not hide the cause
            log.warning("could not remove container %s: %s", container._name, err)


@dataclass
class PostgresContainer:
    url: str
    port: int
    container_id: str
    image: str = POSTGRES_IMAGE


@contextmanager
def postgres_container(timeout_s: float = 90.0) -> Iterator[PostgresContainer]:
    """PostgreSQL 15 in a container; the URL is the superuser's (it may CREATE DATABASE)."""
    password = secrets.token_urlsafe(18)
    (port,) = _distinct_free_ports(1)
    with podman_api():
        container = _container(POSTGRES_IMAGE, "postgres")
        container.with_env("POSTGRES_USER", "postgres")
        container.with_env("POSTGRES_PASSWORD", password)
        container.with_env("POSTGRES_DB", "postgres")
        _publish_on_loopback(container, 5432, port)
        with _started(container):
            url = f"postgresql://postgres:{password}@127.0.0.1:{port}/postgres"
            _wait_postgres(url, container, time.monotonic() + timeout_s)
            yield PostgresContainer(url, port, container.get_wrapped_container().id)


def _wait_postgres(url: str, container: DockerContainer, deadline: float) -> None:
    import asyncpg

    async def ping() -> None:
        conn = await asyncpg.connect(url, timeout=3)
        try:
            await conn.fetchval("SELECT 1")
        finally:
            await conn.close()

    last: Exception | None = None
    while time.monotonic() < deadline:
        reason = _exited(container)
        if reason is not None:
            raise RuntimeError(reason)
        try:
            _run_coroutine(ping())
            return
        except Exception as err:
            last = err
        time.sleep(0.3)
    raise TimeoutError(f"PostgreSQL in its container did not answer in time ({last})")


def _run_coroutine(coro: Any) -> Any:
    """asyncio.run, also when the caller's thread already runs an event loop."""
    result: list[Any] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(coro))
        except BaseException as err:
            errors.append(err)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


@dataclass
class KafkaContainer:
    """The broker in its container; the same two listeners as the embedded test Kafka."""

    host: str
    port: int  # SASL_PLAINTEXT, SCRAM-SHA-512
    open_port: int  # PLAINTEXT, anonymous super user
    admin_password: str
    container_id: str
    image: str = KAFKA_IMAGE

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def open_bootstrap(self) -> str:
        return f"{self.host}:{self.open_port}"

    def admin_config(self) -> dict[str, str]:
        return admin_config(self.bootstrap, self.admin_password)


def kafka_environment(
    *, host: str, port: int, open_port: int, admin_password: str, heap: str = "512m"
) -> dict[str, str]:
    """The container's environment: the embedded test broker's properties as KAFKA_*."""
    props = broker_properties(
        host=host,
        port=port,
        controller_port=KAFKA_CONTROLLER_PORT,
        open_port=open_port,
        admin_password=admin_password,
        log_dirs="/var/lib/kafka/data",
        bind_host="0.0.0.0",
    )
    env = {kafka_env_name(k): v for k, v in props.items()}
    env["CLUSTER_ID"] = random_cluster_id()
    env["KAFKA_STORAGE_FORMAT_ARGS"] = f"--add-scram {scram_format_arg(admin_password)}"
    env["KAFKA_HEAP_OPTS"] = f"-Xmx{heap} -Xms128m"
    return env


@contextmanager
def kafka_container(timeout_s: float = 120.0) -> Iterator[KafkaContainer]:
    """Apache Kafka in a container, configured like the embedded test broker."""
    host = "127.0.0.1"
    password = secrets.token_urlsafe(24)
    port, open_port = _distinct_free_ports(2, avoid=(KAFKA_CONTROLLER_PORT,))
    env = kafka_environment(host=host, port=port, open_port=open_port, admin_password=password)
    with podman_api():
        container = _container(KAFKA_IMAGE, "kafka")
        for name, value in env.items():
            container.with_env(name, value)
        _publish_on_loopback(container, port, port)  # the same number inside: see the docstring
        _publish_on_loopback(container, open_port, open_port)
        with _started(container):
            wrapped = container.get_wrapped_container()
            kafka = KafkaContainer(host, port, open_port, password, wrapped.id)
            wait_for_metadata(
                {"bootstrap.servers": kafka.open_bootstrap},
                time.monotonic() + timeout_s,
                lambda: _exited(container),
                f"podman logs {wrapped.name}",
            )
            yield kafka
