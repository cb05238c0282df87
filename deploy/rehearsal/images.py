"""Local images for the rehearsal: no registry is reachable, so everything starts from a Debian
root file system made with debootstrap. Each image carries a label with the hash of its inputs
(build files, arguments, the base image's id) and is rebuilt only when that hash changes."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from podman_host import log, podman

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CACHE = Path("/var/tmp/asn-rehearsal")
DEBIAN = "localhost/asn-debian:bookworm"
PYTHON = "localhost/asn-python:3.11"
LABEL = "org.asn-platform.inputs"
# The suites the host's apt uses (main, updates, security), so images get the same packages.
SOURCES = """Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""


# Nothing of this is needed to run a service: manual pages, documentation (the copyright files
# stay), translations. dpkg leaves them out of every package installed later, too.
SLIM_DPKG = """path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
path-exclude=/usr/share/lintian/*
"""
SLIM_APT = """APT::Install-Recommends "false";
APT::Install-Suggests "false";
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb || true"; };
"""


def image_label(tag: str) -> str | None:
    out = subprocess.run(
        ["podman", "image", "inspect", tag, "--format", "json"], capture_output=True, text=True
    )
    if out.returncode != 0:
        return None
    labels = json.loads(out.stdout)[0].get("Labels") or {}
    return labels.get(LABEL)


def image_id(tag: str) -> str:
    return podman("image", "inspect", tag, "--format", "{{.Id}}").strip()


def digest(parts: Iterable[bytes]) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()[:16]


def files_of(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
            )
        elif path.exists():
            out.append(path)
    return out


def debian_base() -> str:
    """localhost/asn-debian:bookworm, imported from a debootstrap minbase root file system."""
    inputs = digest(
        [SOURCES.encode(), b"minbase bookworm", SLIM_DPKG.encode(), SLIM_APT.encode(), b"man1"]
    )
    if image_label(DEBIAN) == inputs:
        return DEBIAN
    rootfs = CACHE / "rootfs"
    if rootfs.exists():
        shutil.rmtree(rootfs)
    CACHE.mkdir(parents=True, exist_ok=True)
    log("debootstrap bookworm (minbase), about a minute")
    subprocess.run(
        [
            "debootstrap",
            "--variant=minbase",
            "bookworm",
            str(rootfs),
            "http://deb.debian.org/debian",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    (rootfs / "etc/apt/sources.list").unlink(missing_ok=True)
    (rootfs / "etc/apt/sources.list.d/debian.sources").write_text(SOURCES)
    (rootfs / "etc/dpkg/dpkg.cfg.d/01-asn-slim").write_text(SLIM_DPKG)
    (rootfs / "etc/apt/apt.conf.d/01-asn-slim").write_text(SLIM_APT)
    # debootstrap keeps the packages it installed; the base needs none of them, nor the docs
    # installed before the dpkg filter existed.
    for junk in ("var/cache/apt/archives", "var/lib/apt/lists", "usr/share/man", "usr/share/info"):
        for p in (rootfs / junk).glob("*"):
            if p.is_file() or p.is_symlink():
                p.unlink()
            elif p.is_dir() and p.name != "partial":
                shutil.rmtree(p)
    for p in (rootfs / "usr/share/doc").glob("*/*"):
        if p.name != "copyright":
            shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
    for p in (rootfs / "usr/share/locale").glob("*"):
        if p.name != "locale.alias":
            shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
    # Java's postinst registers its manual pages with update-alternatives, which fails when
    # the folder is missing (the pages themselves are still left out)
    (rootfs / "usr/share/man/man1").mkdir(parents=True, exist_ok=True)
    tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
    subprocess.run(
        [
            "podman",
            "import",
            "--change",
            'CMD ["/bin/bash"]',
            "--change",
            f"LABEL {LABEL}={inputs}",
            "-",
            DEBIAN,
        ],
        stdin=tar.stdout,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    tar.wait()
    shutil.rmtree(rootfs)
    return DEBIAN


@dataclass
class Build:
    """One `podman build` from a Containerfile and a context, cached by its inputs."""

    tag: str
    containerfile: Path
    context: Path
    inputs: list[Path]
    args: dict[str, str] = field(default_factory=dict)
    base: str | None = None  # the image it is built FROM (its id is part of the inputs)
    extra_context: dict[str, Path] = field(default_factory=dict)  # copied in at build time

    def key(self) -> str:
        parts = [self.containerfile.read_bytes()]
        for root in self.inputs:
            parts += [
                str(p.relative_to(root.parent)).encode() + p.read_bytes() for p in files_of([root])
            ]
        parts += [f"{k}={v}".encode() for k, v in sorted(self.args.items())]
        if self.base:
            parts.append(image_id(self.base).encode())
        return digest(parts)

    def ensure(self) -> tuple[str, bool]:
        key = self.key()
        if image_label(self.tag) == key:
            return self.tag, False
        log(f"building {self.tag}")
        with tempfile.TemporaryDirectory(prefix="asn-build-") as tmp:
            context = self.context
            if self.extra_context:
                # A private copy of the context, so build-time files never land in the repo.
                context = Path(tmp) / "context"
                shutil.copytree(self.context, context, symlinks=True)
                for name, source in self.extra_context.items():
                    target = context / name
                    target.mkdir(parents=True, exist_ok=True)
                    for f in files_of([source]):
                        shutil.copy(f, target / f.name)
            cmd = ["podman", "build", "--format", "docker", "-q", "-t", self.tag]
            cmd += ["--label", f"{LABEL}={key}", "-f", str(self.containerfile)]
            for k, v in self.args.items():
                cmd += ["--build-arg", f"{k}={v}"]
            subprocess.run([*cmd, str(context)], check=True, stdout=subprocess.DEVNULL)
        return self.tag, True


def extra_ca_folder() -> Path:
    """This machine's extra trusted CAs (outgoing TLS is re-signed here): copied into the
    Python base at build time, never into the repository."""
    return Path("/usr/local/share/ca-certificates")


def base_builds() -> list[Build]:
    images = HERE / "images"
    return [
        Build(
            PYTHON,
            images / "python/Containerfile",
            images / "python",
            [images / "python"],
            base=DEBIAN,
            extra_context={"extra-ca": extra_ca_folder()},
        ),
        Build(
            "localhost/asn-postgres:15",
            images / "postgres/Containerfile",
            images / "postgres",
            [images / "postgres"],
            base=DEBIAN,
        ),
        Build(
            "localhost/asn-prometheus:debian",
            images / "prometheus/Containerfile",
            images / "prometheus",
            [images / "prometheus"],
            base=DEBIAN,
        ),
    ]


def sizes(tags: Iterable[str]) -> dict[str, int]:
    """Bytes per image, for the tags that exist."""
    found = {t: podman("image", "inspect", t, "--format", "{{.Size}}", check=False) for t in tags}
    return {t: int(out.strip()) for t, out in found.items() if out.strip().isdigit()}


def maven_copy(pom: Path, folder: Path, *properties: str) -> Path:
    """`mvn dependency:copy-dependencies` of a committed pom into a cache folder, once."""
    marker = folder / ".complete"
    if not marker.exists():
        log(f"fetching {pom.parent.name} jars with Maven (first run only)")
        folder.mkdir(parents=True, exist_ok=True)
        cmd = ["mvn", "-q", "-f", str(pom), "dependency:copy-dependencies"]
        subprocess.run([*cmd, *properties, f"-DoutputDirectory={folder}"], check=True)
        marker.touch()
    return folder


def kafka_build() -> Build:
    """The broker's jars are the tests' (embedded Kafka, its committed pom); the CLI tools the
    compose file calls come from tools-pom.xml at the same version."""
    from asn_devkit.embedded.kafka import KAFKA_VERSION, cache_dir, ensure_jars

    folder = HERE / "images" / "kafka"
    ensure_jars()
    broker = cache_dir()
    tools = maven_copy(
        folder / "tools-pom.xml",
        broker.parent / f"kafka-tools-{KAFKA_VERSION}",
        f"-Dkafka.version={KAFKA_VERSION}",
    )
    return Build(
        f"localhost/asn-kafka:{KAFKA_VERSION}",
        folder / "Containerfile",
        folder,
        [folder, broker, tools],
        base=DEBIAN,
        extra_context={"libs": broker, "libs-tools": tools},
    )


KEYCLOAK_POM = HERE / "images" / "keycloak" / "pom.xml"


def keycloak_version() -> str:
    text = KEYCLOAK_POM.read_text()
    return text.split("<keycloak.version>")[1].split("</keycloak.version>")[0].strip()


def keycloak_dist() -> Path:
    """The Keycloak distribution from Maven Central (the committed pom), fetched once into a
    cache outside the repository."""
    from asn_devkit.embedded.kafka import cache_dir

    folder = cache_dir().parent / f"keycloak-{keycloak_version()}"  # the same cache root
    return maven_copy(KEYCLOAK_POM, folder, "-DexcludeTransitive=true")


def keycloak_build() -> Build:
    folder = HERE / "images" / "keycloak"
    dist = keycloak_dist()
    return Build(
        f"localhost/asn-keycloak:{keycloak_version()}",
        folder / "Containerfile",
        folder,
        [folder, dist],
        base=DEBIAN,
        extra_context={"dist": dist},
    )
