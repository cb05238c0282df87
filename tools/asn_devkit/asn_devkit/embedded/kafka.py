"""The embedded Apache Kafka broker: one KRaft node (broker + controller in one JVM) from jars
that Maven fetches from Maven Central into a cache outside the repository.

- `ensure_jars()`: ``mvn dependency:copy-dependencies`` of the committed pom
  (``kafka_dist/pom.xml``) into ``$XDG_CACHE_HOME/asn-platform/kafka-<version>/`` (default
  ``~/.cache``), once; a ``.complete`` marker says the copy finished.
- `EmbeddedKafka.start()`: writes ``server.properties`` and a log4j2 config into the data
  directory, formats the log directory on first use (cluster id + the admin's SCRAM credential,
  ``kafka.tools.StorageTool format --add-scram``), starts ``kafka.Kafka`` and waits until the
  broker answers metadata requests. A later start on the same directory keeps every topic,
  offset, user and ACL.

Security (docs/kafka.md): the client listener is SASL_PLAINTEXT with SCRAM-SHA-512 and the
StandardAuthorizer; the controller listener uses SASL PLAIN with a static broker-only login, so
nothing on it is anonymous. ``open_listener=True`` (test sessions only) adds a PLAINTEXT
listener whose anonymous principal is a super user, for test code that plays the operator.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import os
import secrets
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from asn_devkit.embedded.processes import die_with_parent, free_port, stop_process, wait_for_port

log = logging.getLogger(__name__)

KAFKA_VERSION = "4.1.1"  # keep equal to kafka.version in kafka_dist/pom.xml and docker-compose.yml
POM = Path(__file__).parent / "kafka_dist" / "pom.xml"
ADMIN_USER = "admin"
SCRAM = "SCRAM-SHA-512"
JAVA_MIN = 17


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "asn-platform" / f"kafka-{KAFKA_VERSION}"


@functools.cache
def java_binary() -> str | None:
    """`java` on PATH (or JAVA_HOME) if it is version 17 or newer, else None."""
    home = os.environ.get("JAVA_HOME")
    candidates = [str(Path(home) / "bin" / "java")] if home else []
    found = shutil.which("java")
    if found:
        candidates.append(found)
    for java in candidates:
        if not Path(java).exists():
            continue
        try:
            out = subprocess.run(
                [java, "-XshowSettings:properties", "-version"],
                capture_output=True,
                text=True,
                timeout=20,
            ).stderr
        except (OSError, subprocess.TimeoutExpired):
            continue
        for line in out.splitlines():
            if "java.specification.version" in line:
                try:
                    if int(line.split("=")[1].strip().split(".")[0]) >= JAVA_MIN:
                        return java
                except ValueError:
                    pass
    return None


def jars_ready() -> bool:
    return (cache_dir() / ".complete").exists()


def available() -> bool:
    """Java 17+, and the jars cached or Maven to fetch them."""
    return java_binary() is not None and (jars_ready() or shutil.which("mvn") is not None)


def ensure_jars(quiet: bool = True) -> Path:
    """The broker's jars, fetched with Maven the first time (about 45 MB)."""
    target = cache_dir()
    if jars_ready():
        return target
    mvn = shutil.which("mvn")
    if mvn is None:
        raise RuntimeError("Apache Kafka's jars are not cached and Maven (mvn) is not on PATH")
    partial = target.with_name(target.name + f".partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    cmd = [
        mvn,
        "-B",
        *(["-q"] if quiet else []),
        "-f",
        str(POM),
        "dependency:copy-dependencies",
        "-DincludeScope=runtime",
        f"-DoutputDirectory={partial}",
    ]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        shutil.rmtree(partial, ignore_errors=True)
        raise RuntimeError(f"mvn failed ({res.returncode}): {(res.stdout + res.stderr)[-2000:]}")
    (partial / ".complete").write_text(KAFKA_VERSION)
    if target.exists():  # another process finished first
        shutil.rmtree(partial, ignore_errors=True)
    else:
        try:
            partial.rename(target)
        except OSError:
            shutil.rmtree(partial, ignore_errors=True)
    return target


def classpath() -> str:
    return os.pathsep.join(str(p) for p in sorted(ensure_jars().glob("*.jar")))


def random_cluster_id() -> str:
    """Kafka's Uuid text form: 16 random bytes, base64url without padding; never starting
    with '-' (a command line would read it as an option)."""
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not text.startswith("-"):
            return text


def broker_properties(
    *,
    host: str,
    port: int,
    controller_port: int,
    open_port: int | None,
    admin_password: str,
    log_dirs: str,
    bind_host: str | None = None,
) -> dict[str, str]:
    """server.properties of the single-node KRaft test/dev broker (the one source of these
    settings: the embedded broker writes them to a file, the containers test infrastructure
    passes them as KAFKA_* variables). Clients reach `host`:`port` (SASL_PLAINTEXT, SCRAM) and,
    with `open_port`, `host`:`open_port` (PLAINTEXT, anonymous super user); the listeners bind
    `bind_host` (default `host`) on the same port numbers."""
    pw = admin_password
    bind = bind_host or host
    listeners = [f"SASL_PLAINTEXT://{bind}:{port}", f"CONTROLLER://{bind}:{controller_port}"]
    advertised = [f"SASL_PLAINTEXT://{host}:{port}"]
    protocol_map = ["SASL_PLAINTEXT:SASL_PLAINTEXT", "CONTROLLER:SASL_PLAINTEXT"]
    super_users = [f"User:{ADMIN_USER}"]
    if open_port is not None:
        listeners.append(f"OPEN://{bind}:{open_port}")
        advertised.append(f"OPEN://{host}:{open_port}")
        protocol_map.append("OPEN:PLAINTEXT")
        super_users.append("User:ANONYMOUS")
    scram_jaas = (
        "org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="{ADMIN_USER}" password="{pw}";'
    )
    plain_jaas = (
        "org.apache.kafka.common.security.plain.PlainLoginModule required "
        f'username="{ADMIN_USER}" password="{pw}" user_{ADMIN_USER}="{pw}";'
    )
    return {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@{host}:{controller_port}",
        "listeners": ",".join(listeners),
        "advertised.listeners": ",".join(advertised),
        "listener.security.protocol.map": ",".join(protocol_map),
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "SASL_PLAINTEXT",
        "sasl.enabled.mechanisms": SCRAM,
        "sasl.mechanism.inter.broker.protocol": SCRAM,
        "sasl.mechanism.controller.protocol": "PLAIN",
        "listener.name.sasl_plaintext.sasl.enabled.mechanisms": SCRAM,
        "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config": scram_jaas,
        "listener.name.controller.sasl.enabled.mechanisms": "PLAIN",
        "listener.name.controller.plain.sasl.jaas.config": plain_jaas,
        "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "allow.everyone.if.no.acl.found": "false",
        "super.users": ";".join(super_users),
        "log.dirs": log_dirs,
        "num.partitions": "1",
        "auto.create.topics.enable": "false",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "10",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "4",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
        "num.network.threads": "2",
        "num.io.threads": "4",
        "log.retention.hours": "168",
        "log.segment.bytes": str(64 * 1024 * 1024),
        "message.max.bytes": str(1_048_588),
    }


def admin_config(bootstrap: str, admin_password: str) -> dict[str, str]:
    """confluent-kafka settings of the admin principal on the SASL listener (the embedded
    broker's and the test container's alike)."""
    return {
        "bootstrap.servers": bootstrap,
        "security.protocol": "SASL_PLAINTEXT",
        "sasl.mechanism": SCRAM,
        "sasl.username": ADMIN_USER,
        "sasl.password": admin_password,
    }


def scram_format_arg(admin_password: str) -> str:
    """The admin's SCRAM credential as `kafka-storage format --add-scram` takes it."""
    return f"{SCRAM}=[name={ADMIN_USER},password={admin_password}]"


def wait_for_metadata(
    config: dict[str, str], deadline: float, gone: Callable[[], str | None], where: str
) -> None:
    """Until the broker of `config` (confluent-kafka settings) answers a metadata request with
    a broker in it. `gone()` says why the broker cannot come any more (it exited), else None;
    `where` tells the reader of an error where the broker's log is."""
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({**config, "log_level": 0})
    last: Exception | None = None
    while time.monotonic() < deadline:
        reason = gone()
        if reason is not None:
            raise RuntimeError(f"{reason}; see {where}")
        try:
            md = admin.list_topics(timeout=2)
            if md.brokers:
                return
        except Exception as err:
            last = err
        time.sleep(0.2)
    raise TimeoutError(f"kafka did not answer metadata in time ({last}); see {where}")


LOG4J2 = """<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="warn">
  <Appenders>
    <RollingFile name="file" fileName="{log}" filePattern="{log}.%i">
      <PatternLayout pattern="[%d] %p %m (%c)%n"/>
      <Policies><SizeBasedTriggeringPolicy size="20 MB"/></Policies>
      <DefaultRolloverStrategy max="2"/>
    </RollingFile>
  </Appenders>
  <Loggers>
    <Root level="{level}"><AppenderRef ref="file"/></Root>
    <Logger name="kafka.server.KafkaServer" level="info"/>
    <Logger name="kafka.server.KafkaRaftServer" level="info"/>
    <Logger name="org.apache.kafka.common.security" level="warn"/>
  </Loggers>
</Configuration>
"""


@dataclass
class EmbeddedKafka:
    """A single-node KRaft cluster whose data lives in `data_dir` (kept across restarts)."""

    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 0  # SASL_PLAINTEXT client listener
    controller_port: int = 0
    open_port: int = 0  # PLAINTEXT, anonymous super user: only with open_listener
    open_listener: bool = False
    admin_password: str = ""  # read from/stored in data_dir/admin.json when empty
    heap: str = "512m"
    log_level: str = "WARN"
    proc: subprocess.Popen | None = field(default=None, init=False)
    started_in_s: float = field(default=0.0, init=False)

    @property
    def bootstrap(self) -> str:
        """The SASL_PLAINTEXT listener: every client authenticates with SCRAM-SHA-512."""
        return f"{self.host}:{self.port}"

    @property
    def open_bootstrap(self) -> str:
        if not self.open_listener:
            raise RuntimeError("this broker has no open listener")
        return f"{self.host}:{self.open_port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "kafka.log"

    def _load_admin_password(self) -> None:
        secret_file = self.data_dir / "admin.json"
        if self.admin_password:
            return
        if secret_file.exists():
            self.admin_password = json.loads(secret_file.read_text())["password"]
            return
        self.admin_password = secrets.token_urlsafe(24)
        secret_file.write_text(json.dumps({"user": ADMIN_USER, "password": self.admin_password}))
        secret_file.chmod(0o600)

    def _properties(self) -> str:
        props = broker_properties(
            host=self.host,
            port=self.port,
            controller_port=self.controller_port,
            open_port=self.open_port if self.open_listener else None,
            admin_password=self.admin_password,
            log_dirs=str(self.data_dir / "data"),
        )
        return "".join(f"{k}={v}\n" for k, v in props.items())

    def _java(self) -> list[str]:
        java = java_binary()
        if java is None:
            raise RuntimeError(f"Java {JAVA_MIN}+ is needed for the embedded Apache Kafka")
        return [
            java,
            f"-Xmx{self.heap}",
            "-Xms128m",
            "-XX:+UseSerialGC",
            "-Xss1m",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.data_dir / 'log4j2.xml'}",
            f"-Dkafka.logs.dir={self.data_dir}",
            "-cp",
            classpath(),
        ]

    def _format(self) -> None:
        meta = self.data_dir / "data" / "meta.properties"
        if meta.exists():
            return
        cmd = [
            *self._java(),
            "kafka.tools.StorageTool",
            "format",
            "--config",
            str(self.data_dir / "server.properties"),
            f"--cluster-id={random_cluster_id()}",
            "--ignore-formatted",
            "--add-scram",
            scram_format_arg(self.admin_password),
        ]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            raise RuntimeError(f"kafka storage format failed: {(res.stdout + res.stderr)[-1500:]}")

    def start(self, timeout_s: float = 60.0) -> EmbeddedKafka:
        t0 = time.monotonic()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._load_admin_password()
        self.port = self.port or free_port(self.host)
        self.controller_port = self.controller_port or free_port(self.host)
        if self.open_listener:
            self.open_port = self.open_port or free_port(self.host)
        (self.data_dir / "server.properties").write_text(self._properties())
        (self.data_dir / "server.properties").chmod(0o600)  # holds the admin password
        (self.data_dir / "log4j2.xml").write_text(
            LOG4J2.format(log=self.log_path, level=self.log_level)
        )
        self._format()
        out = open(self.data_dir / "kafka.stdout.log", "ab")
        self.proc = subprocess.Popen(
            [*self._java(), "kafka.Kafka", str(self.data_dir / "server.properties")],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=die_with_parent,
            start_new_session=True,  # a terminal's Ctrl-C goes to the launcher, which stops us
        )
        out.close()
        deadline = time.monotonic() + timeout_s
        wait_for_port(self.host, self.port, timeout_s, self.proc)
        self._wait_metadata(deadline)
        self.started_in_s = time.monotonic() - t0
        return self

    def admin_config(self) -> dict[str, str]:
        return admin_config(self.bootstrap, self.admin_password)

    def _wait_metadata(self, deadline: float) -> None:
        def gone() -> str | None:
            if self.proc is not None and self.proc.poll() is not None:
                return f"kafka exited with code {self.proc.returncode}"
            return None

        wait_for_metadata(self.admin_config(), deadline, gone, str(self.log_path))

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL, as a crash would (tests)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc, timeout_s=20.0)

    def __enter__(self) -> EmbeddedKafka:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
