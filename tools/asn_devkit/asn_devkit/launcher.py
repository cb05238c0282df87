"""`asn-platform run`: the whole platform on one machine, no Docker needed.

Starts an embedded broker unless KAFKA_BOOTSTRAP_SERVERS is set: Apache Kafka (a JVM, jars
fetched by Maven on first use) when Java 17+ is on PATH, with its data in ASN_DATA_DIR/kafka,
SASL/SCRAM and ACLs (a principal per service); else Tansu (memory only, no SASL or ACLs).
ASN_EMBEDDED_BROKER=kafka|tansu forces the choice. PostgreSQL comes from DATABASE_URL or else an
embedded server whose data lives in ASN_DATA_DIR (survives restarts). It creates the topics, the
service users and their ACLs, starts the three services (each creates its database and applies
its migrations) and supervises them. If Kafka dies it is restarted on the same data and the
services reconnect by themselves; Tansu keeps everything in memory and running consumers stall
after it restarts, so with Tansu the services are restarted too.
Ctrl-C (SIGINT) or SIGTERM stops everything and leaves no process behind.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from cryptography.fernet import Fernet
from rich.console import Console
from rich.table import Table

from asn_devkit.embedded import kafka as embedded_kafka
from asn_devkit.embedded.kafka import EmbeddedKafka
from asn_devkit.embedded.postgres import EmbeddedPostgres
from asn_devkit.embedded.processes import die_with_parent, free_port, stop_process
from asn_devkit.embedded.tansu import TansuBroker
from asn_devkit.mailcatcher import MailCatcher
from asn_devkit.oidc import DevIdentity, token_main
from asn_platform import access
from asn_platform.kafka import ensure_topics

SERVICES: tuple[tuple[str, str], ...] = (
    ("surveys", "asn_surveys"),
    ("enrollment", "asn_enrollment"),
    ("recommendations", "asn_recommendations"),
    ("console", "asn_console"),  # the web console (base + 4); owns no data
    ("notifications", "asn_notifications"),  # base + 5; mail to the catcher below
    ("webhooks", "asn_webhooks"),  # signed webhooks for agencies without Kafka (base + 6)
)

console = Console(stderr=True)

# The development OpenID provider listens on base port + 10 unless ASN_OIDC_ISSUER is set.
OIDC_PORT_OFFSET = 10


@dataclass
class ServiceProcess:
    name: str
    module: str
    port: int
    env: dict[str, str]
    log_path: Path
    kafka_env: dict[str, str] = field(default_factory=dict)  # this service's Kafka principal
    proc: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    started_at: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", self.module],
            env={**self.env, **self.kafka_env, "ASN_HTTP_PORT": str(self.port)},
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent,
            start_new_session=True,  # Ctrl-C reaches the launcher only; it stops us in order
        )
        log.close()
        self.started_at = time.monotonic()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc, timeout_s=25.0)


@dataclass
class Platform:
    data_dir: Path
    base_port: int
    kafka_port: int
    pg_port: int
    broker: TansuBroker | None = None
    kafka: EmbeddedKafka | None = None
    postgres: EmbeddedPostgres | None = None
    bootstrap: str = ""
    database_url: str = ""
    services: list[ServiceProcess] = field(default_factory=list)
    service_passwords: dict[str, str] = field(default_factory=dict)
    identity: DevIdentity | None = None
    oidc_env: dict[str, str] = field(default_factory=dict)
    mail: MailCatcher | None = None

    def start_identity(self) -> None:
        """The development OpenID provider, unless ASN_OIDC_ISSUER points at a real one."""
        if os.environ.get("ASN_OIDC_ISSUER"):
            console.print(f"Identity: [bold]{os.environ['ASN_OIDC_ISSUER']}[/] (ASN_OIDC_ISSUER)")
            return
        if self.identity is None:
            self.identity = DevIdentity(
                port=self.base_port + OIDC_PORT_OFFSET, log_path=self.data_dir / "oidc.log"
            )
        self.identity.start()
        self.oidc_env = self.identity.env()
        console.print(
            f"Identity: development OpenID provider at [bold]{self.identity.issuer}[/] "
            "(token: asn-platform token --role admin)"
        )

    def start_infrastructure(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        external_kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or os.environ.get(
            "ASN_KAFKA_BOOTSTRAP_SERVERS"
        )
        if external_kafka:
            self.bootstrap = external_kafka
            console.print(f"Kafka: [bold]{external_kafka}[/] (KAFKA_BOOTSTRAP_SERVERS)")
        elif choose_embedded_broker() == "kafka":
            self.start_kafka()
        else:
            self.broker = TansuBroker(port=self.kafka_port, log_path=self.data_dir / "tansu.log")
            self.broker.start()
            self.bootstrap = self.broker.bootstrap
            why = (
                "ASN_EMBEDDED_BROKER=tansu"
                if os.environ.get("ASN_EMBEDDED_BROKER")
                else ("no Java 17+ with Maven or cached jars")
            )
            console.print(
                f"[yellow]warning: Kafka: embedded Tansu at [bold]{self.bootstrap}[/] ({why}): "
                "it keeps nothing across a restart and has no SASL or ACLs[/]"
            )
        external_db = os.environ.get("DATABASE_URL") or os.environ.get("ASN_DATABASE_URL")
        if external_db:
            self.database_url = external_db
            console.print("PostgreSQL: DATABASE_URL")
        else:
            self.postgres = EmbeddedPostgres(self.data_dir / "postgres", port=self.pg_port)
            self.postgres.start()
            self.database_url = self.postgres.url
            console.print(
                f"PostgreSQL: embedded at [bold]{self.database_url}[/], "
                f"data in {self.data_dir / 'postgres'}"
            )
        if self.kafka is not None:
            self.prepare_kafka()
        else:
            asyncio.run(ensure_topics(self.bootstrap))

    # -- embedded Apache Kafka -------------------------------------------------------------
    def start_kafka(self) -> None:
        kafka_dir = self.data_dir / "kafka"
        if not embedded_kafka.jars_ready():
            console.print(
                f"fetching Apache Kafka {embedded_kafka.KAFKA_VERSION} with Maven into "
                f"{embedded_kafka.cache_dir()} (first run only)..."
            )
        self.kafka = EmbeddedKafka(kafka_dir, port=self.kafka_port)
        self.kafka.start()
        self.bootstrap = self.kafka.bootstrap
        console.print(
            f"Kafka: embedded Apache Kafka {embedded_kafka.KAFKA_VERSION} at "
            f"[bold]{self.bootstrap}[/] (SASL/SCRAM-SHA-512 + ACLs, data in {kafka_dir}, "
            f"started in {self.kafka.started_in_s:.1f}s)"
        )

    def prepare_kafka(self) -> None:
        """Topics, the services' users and ACLs (idempotent), and the files `asn-partners
        --dev` reads: the admin login stays in data/kafka (mode 0600), never printed."""
        assert self.kafka is not None
        kafka_dir = self.kafka.data_dir
        secrets_file = kafka_dir / "service-credentials.json"
        if secrets_file.exists():
            self.service_passwords = json.loads(secrets_file.read_text())
        for svc in access.SERVICE_ACCESS:
            self.service_passwords.setdefault(svc.service, access.new_password())
        secrets_file.write_text(json.dumps(self.service_passwords))
        secrets_file.chmod(0o600)
        admin = access.admin_client(self.kafka.admin_config())
        access.ensure_topics_sync(admin)
        access.ensure_service_access(admin, self.service_passwords)
        for service, password in self.service_passwords.items():
            access.wait_for_login(
                self.kafka.admin_config(), access.service_principal(service), password
            )
        (kafka_dir / "bootstrap").write_text(self.bootstrap)

    def kafka_env_for(self, service: str) -> dict[str, str]:
        # The console talks HTTP only: it has no Kafka principal.
        if self.kafka is None or service not in self.service_passwords:
            return {}
        return {
            "ASN_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
            "ASN_KAFKA_SASL_MECHANISM": access.SCRAM_MECHANISM,
            "ASN_KAFKA_SASL_USERNAME": access.service_principal(service),
            "ASN_KAFKA_SASL_PASSWORD": self.service_passwords[service],
        }

    def webhooks_secret_key(self) -> str:
        """The key sealing the webhook secrets, made once and kept with the data (a new key
        would leave the stored secrets unreadable)."""
        path = self.data_dir / "webhooks-secret-key"
        if not path.exists():
            path.write_text(Fernet.generate_key().decode())
            path.chmod(0o600)
        return path.read_text().strip()

    def start_services(self) -> None:
        env = {
            **os.environ,
            "ASN_KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "ASN_DATABASE_URL": self.database_url,
            "ASN_LOG_FORMAT": os.environ.get("ASN_LOG_FORMAT", "json"),
            **self.oidc_env,
            **{f"ASN_{name.upper()}_URL": f"http://127.0.0.1:{self.base_port + i}"
               for i, (name, _) in enumerate(SERVICES[:3], start=1)},  # for the console
            "ASN_NOTIFICATIONS_URL": f"http://127.0.0.1:{self.base_port + 5}",  # the console's
            "ASN_CONSOLE_URL": f"http://127.0.0.1:{self.base_port + 4}",  # linked from each /
            "ASN_WEBHOOKS_URL": f"http://127.0.0.1:{self.base_port + 6}",  # for the console
            "ASN_WEBHOOKS_ALLOW_HTTP_LOOPBACK": "true",  # dev: a receiver on 127.0.0.1 may be http
            "ASN_WEBHOOKS_SECRET_KEYS": os.environ.get("ASN_WEBHOOKS_SECRET_KEYS")
            or self.webhooks_secret_key(),
            "ASN_VERIFY_BASE_URL": f"http://127.0.0.1:{self.base_port + 5}",  # certificate QR
            # the demo's sessions lie four weeks back, so attendance can be marked at once
            "ASN_DEMO_LEAD_TIME_DAYS": os.environ.get("ASN_DEMO_LEAD_TIME_DAYS", "-28"),
        }  # fmt: skip
        self.mail = self.mail or MailCatcher(self.data_dir, self.base_port)
        self.mail.start()
        env.update(self.mail.env())
        env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
        env.pop("DATABASE_URL", None)
        if self.broker is not None:
            env["ASN_KAFKA_IDEMPOTENCE"] = "false"  # Tansu has no idempotent producer
        if not self.services:
            self.services = [
                ServiceProcess(
                    name,
                    module,
                    self.base_port + i,
                    env,
                    self.data_dir / f"{name}.log",
                )
                for i, (name, module) in enumerate(SERVICES, start=1)
            ]
        for svc in self.services:
            svc.env = env
            svc.kafka_env = self.kafka_env_for(svc.name)
            svc.start()

    def wait_ready(self, timeout_s: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout_s
        pending = {s.name for s in self.services}
        with httpx.Client(timeout=2.0) as client:
            while pending and time.monotonic() < deadline:
                for svc in self.services:
                    if svc.name not in pending:
                        continue
                    try:
                        if client.get(f"{svc.url}/ready").status_code == 200:
                            pending.discard(svc.name)
                    except httpx.HTTPError:
                        pass
                time.sleep(0.3)
        if pending:
            console.print(f"[red]not ready after {timeout_s:.0f}s:[/] {', '.join(sorted(pending))}")
        return not pending

    def print_urls(self) -> None:
        table = Table(title="Platform ASN siap / ASN platform ready")
        table.add_column("layanan / service")
        table.add_column("URL")
        table.add_column("API docs")
        for svc in self.services:
            table.add_row(svc.name, svc.url, "-" if svc.name == "console" else f"{svc.url}/docs")
        if self.identity is not None:
            table.add_row("identity (dev)", self.identity.issuer, "asn-platform token --role admin")
        console.print(table)
        if self.identity is not None:
            from asn_devkit.oidc import DEV_PASSWORD, USERS

            users = ", ".join(f"{u.username} ({'/'.join(u.roles) or '-'})" for u in USERS)
            console.print(f"Console: [bold]http://127.0.0.1:{self.base_port + 4}[/] · dev users, password "
                          f"[bold]{DEV_PASSWORD}[/]: {users}")  # fmt: skip
        if self.mail is not None:
            console.print(self.mail.describe())
        console.print(f"Logs: {self.data_dir}/<service>.log   Ctrl-C stops everything.")

    def supervise_once(self) -> None:
        if self.kafka is not None and not self.kafka.alive():
            # Kafka is durable: same data, same port; the services' clients reconnect.
            code = self.kafka.proc.returncode if self.kafka.proc else None
            console.print(f"[yellow]embedded Kafka exited ({code}): restarting it on its data[/]")
            try:
                self.kafka.start()
            except (RuntimeError, TimeoutError, OSError) as err:
                self.kafka.stop()
                console.print(f"[red]Kafka did not come back ({err}); trying again[/]")
                return
            console.print(f"Kafka back in {self.kafka.started_in_s:.1f}s; services reconnect")
        if self.broker is not None and not self.broker.alive():
            console.print("[yellow]embedded broker died: restarting it and the services[/]")
            for svc in self.services:
                svc.stop()
            self.broker.start()
            asyncio.run(ensure_topics(self.bootstrap))
            self.start_services()
            self.wait_ready()
            return
        if self.identity is not None and not self.identity.alive():
            # New signing key: services refetch the JWKS on the unknown kid by themselves.
            console.print("[yellow]identity provider stopped: starting it again[/]")
            self.identity.start()
        if self.postgres is not None and self.postgres.stale_pid() is None:
            # Services reconnect by themselves (the pool opens new connections on demand).
            console.print("[yellow]embedded PostgreSQL stopped: starting it again[/]")
            self.postgres.start()
        for svc in self.services:
            if not svc.alive():
                code = svc.proc.returncode if svc.proc else None
                # Back off on crash loops so a bad config does not spin the CPU.
                delay = min(30.0, 2.0 ** min(svc.restarts, 5))
                if time.monotonic() - svc.started_at < delay:
                    continue
                svc.restarts += 1
                console.print(f"[yellow]{svc.name} exited ({code}); restart #{svc.restarts}[/]")
                svc.start()

    def stop(self) -> None:
        for svc in self.services:
            svc.stop()
        if self.mail is not None:
            self.mail.stop()
        if self.broker is not None:
            self.broker.stop()
        if self.kafka is not None:
            self.kafka.stop()
        if self.postgres is not None:
            self.postgres.stop()
        if self.identity is not None:
            self.identity.stop()


def choose_embedded_broker() -> str:
    """kafka or tansu: ASN_EMBEDDED_BROKER if set, else Kafka when Java 17+ is on PATH."""
    wanted = os.environ.get("ASN_EMBEDDED_BROKER", "").strip().lower()
    if wanted in ("kafka", "tansu"):
        return wanted
    if wanted:
        raise SystemExit(
            f"configuration error: ASN_EMBEDDED_BROKER must be kafka or tansu, not {wanted!r}"
        )
    return "kafka" if embedded_kafka.available() else "tansu"


class _Stop(Exception):
    pass


def _raise_stop(signum: int, frame: object) -> None:
    raise _Stop


def run(args: argparse.Namespace) -> int:
    platform = Platform(
        data_dir=Path(args.data_dir).resolve(),
        base_port=args.base_port,
        kafka_port=args.kafka_port or free_port(),
        pg_port=args.pg_port or free_port(),
    )
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    try:
        platform.start_infrastructure()
        platform.start_identity()
        platform.start_services()
        if not platform.wait_ready(args.ready_timeout):
            console.print(f"see logs in {platform.data_dir}")
        platform.print_urls()
        while True:
            time.sleep(1.0)
            platform.supervise_once()
    except (_Stop, KeyboardInterrupt):
        console.print("stopping...")
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        platform.stop()
        console.print("stopped.")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="asn-platform", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run_p = sub.add_parser("run", help="run the whole platform on embedded parts")
    run_p.add_argument(
        "--data-dir",
        default=os.environ.get("ASN_DATA_DIR", ".data"),
        help="where embedded PostgreSQL keeps its data and services their logs",
    )
    run_p.add_argument(
        "--base-port",
        type=int,
        default=int(os.environ.get("ASN_BASE_PORT", "8000")),
        help="services listen on base+1 (surveys), +2 (enrollment), +3 (recommendations), +4 (console), +5 (notifications); mail catcher +25/+26",
    )
    run_p.add_argument(
        "--kafka-port",
        type=int,
        default=int(os.environ.get("ASN_KAFKA_PORT", "0")),
        help="client port of the embedded broker (default: a free one)",
    )
    run_p.add_argument(
        "--pg-port",
        type=int,
        default=int(os.environ.get("ASN_PG_PORT", "0")),
        help="port of the embedded PostgreSQL (default: a free one)",
    )
    run_p.add_argument("--ready-timeout", type=float, default=90.0)
    sub.add_parser("token", help="print an access token (development provider)", add_help=False)
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["token"]:
        sys.exit(token_main(argv[1:]))
    args = parser.parse_args(argv)
    sys.exit(run(args))


if __name__ == "__main__":
    main()
