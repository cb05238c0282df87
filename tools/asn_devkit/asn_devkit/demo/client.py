"""The demo's HTTP side: the services' URLs, tokens from the OpenID provider (client
credentials), and one call per API the demo uses; a failed or missing step is a DemoError naming
the service and the step."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from asn_devkit.mailcatcher import PAGE_PORT_OFFSET

T = TypeVar("T")
Json = dict[str, Any]

SERVICES = ("surveys", "enrollment", "recommendations", "notifications")
DEFAULT_URLS = {
    "surveys": "http://127.0.0.1:8001",
    "enrollment": "http://127.0.0.1:8002",
    "recommendations": "http://127.0.0.1:8003",
    "notifications": "http://127.0.0.1:8005",
}
# The page of the local mail catcher `./dev run` starts (asn_devkit.mailcatcher, base port + 26).
DEFAULT_MAIL_URL = "http://127.0.0.1:8026"
NOTIFICATIONS_PORT_OFFSET = 5
# The development OpenID provider `./dev run` starts (base port + 10); production: Keycloak.
DEFAULT_ISSUER = "http://127.0.0.1:8010/realms/asn"
OIDC_PORT_OFFSET = 10
# Client credentials of the demo (acts as BKPSDM admin) and of a survey kiosk: the development
# provider's seeded clients (asn_devkit.oidc, deploy/keycloak/realm-asn.json).
DEMO_CLIENT = ("asn-demo", "dev-demo-secret")
KIOSK_CLIENT = ("asn-kiosk", "dev-kiosk-secret")
READY_WAIT_S = 20.0  # how long a platform that is still starting may take to be ready


# --- errors and HTTP ---------------------------------------------------------------------------


class DemoError(Exception):
    """A step that failed or never happened: which service, what, and (once known) which step."""

    def __init__(self, service: str, message: str, step: str | None = None) -> None:
        super().__init__(message)
        self.service = service
        self.message = message
        self.step = step

    def __str__(self) -> str:
        where = f"[{self.step}] " if self.step else ""
        return f"{where}{self.service}: {self.message}"


@dataclass(frozen=True, slots=True)
class Urls:
    surveys: str = DEFAULT_URLS["surveys"]
    enrollment: str = DEFAULT_URLS["enrollment"]
    recommendations: str = DEFAULT_URLS["recommendations"]
    issuer: str = DEFAULT_ISSUER
    notifications: str = DEFAULT_URLS["notifications"]
    mail: str = DEFAULT_MAIL_URL  # the mail catcher's page (its JSON list at /api/messages)

    def of(self, service: str) -> str:
        url: str = getattr(self, service)
        return url.rstrip("/")

    @classmethod
    def on_base_port(cls, base_port: int, host: str = "127.0.0.1") -> Urls:
        surveys, enrollment, recommendations, notifications = (
            f"http://{host}:{base_port + i}" for i in (1, 2, 3, NOTIFICATIONS_PORT_OFFSET)
        )
        issuer = f"http://{host}:{base_port + OIDC_PORT_OFFSET}/realms/asn"
        mail = f"http://{host}:{base_port + PAGE_PORT_OFFSET}"
        return cls(surveys, enrollment, recommendations, issuer, notifications, mail)


def _error_text(response: httpx.Response, lang: str) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(body, dict):
        message = body.get("message_en" if lang == "en" else "message") or body.get("message")
        fields = body.get("fields") or []
        if message:
            details = "; ".join(
                f"{f.get('field')}: {f.get('problem')}" for f in fields if isinstance(f, dict)
            )
            return f"{message}{' (' + details + ')' if details else ''}"
        if "detail" in body:
            return str(body["detail"])[:300]
    return str(body)[:300]


class Api:
    """The services' HTTP APIs (and the mail catcher's page), with errors that name the
    service."""

    def __init__(
        self,
        urls: Urls | None = None,
        *,
        lang: str = "id",
        token: str | None = None,
        kiosk_token: str | None = None,
        client: tuple[str, str] = DEMO_CLIENT,
        kiosk_client: tuple[str, str] = KIOSK_CLIENT,
        request_timeout_s: float = 15.0,
        wait_timeout_s: float = 45.0,
        poll_interval_s: float = 0.3,
    ) -> None:
        self.urls = urls or Urls()
        self.lang = lang
        self.wait_timeout_s = wait_timeout_s
        self.poll_interval_s = poll_interval_s
        headers = {"Accept-Language": lang, "User-Agent": "asn-demo"}
        self.client = httpx.Client(timeout=request_timeout_s, headers=headers)
        # Tokens by client credentials from the identity provider: the demo acts as a BKPSDM
        # admin and submits answers as a registered kiosk (which the rate limit lets through).
        token = token or self.client_token(*client)
        self.client.headers["Authorization"] = f"Bearer {token}"
        self.operator_headers: dict[str, str] = {}
        self.kiosk_headers = {
            "Authorization": f"Bearer {kiosk_token or self.client_token(*kiosk_client)}"
        }

    def client_token(self, client_id: str, secret: str) -> str:
        issuer = self.urls.issuer.rstrip("/")
        try:
            found = self.client.get(f"{issuer}/.well-known/openid-configuration")
            found.raise_for_status()
            r = self.client.post(
                found.json()["token_endpoint"],
                data={"grant_type": "client_credentials"},
                auth=(client_id, secret),
            )
            r.raise_for_status()
            return str(r.json()["access_token"])
        except (httpx.HTTPError, KeyError, ValueError) as err:
            raise DemoError(
                "identity",
                self.t(
                    f"token untuk {client_id} tidak didapat dari {issuer}: {err}",
                    f"no token for {client_id} from {issuer}: {err}",
                ),
            ) from None

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def t(self, text_id: str, text_en: str) -> str:
        return text_en if self.lang == "en" else text_id

    def request(
        self,
        service: str,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        url = self.urls.of(service) + path
        try:
            return self.client.request(
                method, url, params=params, json=json, content=content, headers=headers
            )
        except httpx.ConnectError:
            raise DemoError(
                service,
                self.t(
                    f"tidak bisa dihubungi di {self.urls.of(service)}; sudahkah platform "
                    "dijalankan (./dev run) dan URL-nya benar?",
                    f"cannot be reached at {self.urls.of(service)}; is the platform running "
                    "(./dev run) and the URL right?",
                ),
            ) from None
        except httpx.HTTPError as err:
            raise DemoError(
                service, f"{method} {path}: {type(err).__name__} {err}".strip()
            ) from None

    def call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        ok: Sequence[int] = (200, 201),
        params: dict[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        response = self.request(
            service, method, path, params=params, json=json, content=content, headers=headers
        )
        if response.status_code not in ok:
            raise DemoError(
                service,
                f"{method} {path} -> HTTP {response.status_code}: "
                f"{_error_text(response, self.lang)}",
            )
        return response.json()

    def get(self, service: str, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v is not None}
        return self.call(service, "GET", path, params=clean or None)

    def wait_until(
        self,
        service: str,
        what: str,
        probe: Callable[[], T | None],
        timeout_s: float | None = None,
    ) -> T:
        """Call `probe` until it returns something (events take time); DemoError on timeout."""
        limit = self.wait_timeout_s if timeout_s is None else timeout_s
        deadline = time.monotonic() + limit
        while True:
            found = probe()
            if found is not None:
                return found
            if time.monotonic() >= deadline:
                raise DemoError(
                    service,
                    self.t(
                        f"{what}: belum terjadi setelah {limit:.0f} detik. Periksa log layanan "
                        f"{service} (.data/{service}.log) dan apakah broker Kafka berjalan.",
                        f"{what}: did not happen within {limit:.0f} s. Check the {service} "
                        f"service's log (.data/{service}.log) and that the Kafka broker runs.",
                    ),
                )
            time.sleep(self.poll_interval_s)
