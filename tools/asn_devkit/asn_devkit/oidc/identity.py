"""The provider as a subprocess on a free 127.0.0.1 port, for the tests and the launcher."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import jwt

from asn_devkit.oidc.accounts import AUDIENCE, REALM
from asn_devkit.oidc.tokens import token_for


class DevIdentity:
    """The provider as a subprocess on a free 127.0.0.1 port (tests, launcher)."""

    def __init__(
        self, port: int | None = None, log_path: Path | None = None, token_ttl_s: int = 900
    ) -> None:
        from asn_devkit.embedded.processes import free_port

        self.port = port or free_port()
        self.token_ttl_s = token_ttl_s
        self.log_path = log_path or Path(tempfile.gettempdir()) / f"asn-oidc-{os.getpid()}.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self._tokens: dict[tuple[str | None, str | None], str] = {}

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}/realms/{REALM}"

    def settings(self) -> dict[str, Any]:
        """Settings overrides pointing a service at this provider."""
        return {"oidc_issuer": self.issuer, "oidc_audience": AUDIENCE}

    def env(self) -> dict[str, str]:
        return {"ASN_OIDC_ISSUER": self.issuer, "ASN_OIDC_AUDIENCE": AUDIENCE}

    def start(self, timeout_s: float = 30.0) -> DevIdentity:
        from asn_devkit.embedded.processes import die_with_parent

        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "asn_devkit.oidc",
                "--port",
                str(self.port),
                "--token-ttl",
                str(self.token_ttl_s),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"identity provider exited; see {self.log_path}")
            try:
                if httpx.get(f"{self.issuer}/.well-known/openid-configuration").status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"identity provider not up after {timeout_s}s; see {self.log_path}")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is not None:
            from asn_devkit.embedded.processes import stop_process

            stop_process(self.proc, timeout_s=5.0)
            self.proc = None

    def token(self, role: str | None = "admin", user: str | None = None) -> str:
        """A token of a seeded user or client; cached, and fetched again near its expiry."""
        key = (role, user)
        cached = self._tokens.get(key)
        if cached is not None:
            exp = jwt.decode(cached, options={"verify_signature": False}).get("exp", 0)
            if exp - time.time() > 120:
                return cached
        fresh = token_for(self.issuer, role, user)
        self._tokens[key] = fresh
        return fresh

    def headers(self, role: str | None = "admin", user: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(role, user)}"}
