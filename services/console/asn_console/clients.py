"""HTTP calls to the platform's services, always with the signed-in user's own token: the
services decide what the user may see; the console only hides what they would refuse.

The console owns no data: these clients stand where the other services keep their SQL."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx

from asn_console.settings import Settings


class ServiceError(Exception):
    def __init__(self, service: str, status: int, body: Any) -> None:
        self.service = service
        self.status = status
        self.body = body if isinstance(body, dict) else {"message": str(body)[:300]}
        super().__init__(f"{service} answered {status}")

    def message(self, lang: str) -> str:
        text = self.body.get("message_en" if lang == "en" else "message") or self.body.get(
            "message"
        )
        return str(text or self.body.get("error") or f"HTTP {self.status}")


class Services:
    def __init__(self, settings: Settings, http: httpx.AsyncClient) -> None:
        self.http = http
        self.urls = {
            "surveys": settings.surveys_url.rstrip("/"),
            "enrollment": settings.enrollment_url.rstrip("/"),
            "recommendations": settings.recommendations_url.rstrip("/"),
            "notifications": settings.notifications_url.rstrip("/"),
            "webhooks": settings.webhooks_url.rstrip("/"),
        }

    def for_token(self, token: str, lang: str) -> UserApi:
        return UserApi(self, token, lang)


class UserApi:
    """One user's view of the services."""

    def __init__(self, services: Services, token: str, lang: str) -> None:
        self.services = services
        self.headers = {"Authorization": f"Bearer {token}", "Accept-Language": lang}

    async def raw(self, service: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        url = f"{self.services.urls[service]}{path}"
        try:
            return await self.services.http.request(method, url, headers=self.headers, **kwargs)
        except httpx.HTTPError as err:
            raise unreachable(service, err) from err

    async def call(self, service: str, method: str, path: str, **kwargs: Any) -> Any:
        r = await self.raw(service, method, path, **kwargs)
        try:
            body = r.json()
        except ValueError:
            body = r.text
        if r.status_code >= 400:
            raise ServiceError(service, r.status_code, body)
        return body

    async def get(self, service: str, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v is not None}
        return await self.call(service, "GET", path, params=clean)

    async def post(self, service: str, path: str, body: dict[str, Any]) -> Any:
        return await self.call(service, "POST", path, json=body)

    async def maybe(self, service: str, path: str, default: Any = None, **params: Any) -> Any:
        """The answer, or `default` when refused or missing (a panel the user cannot see)."""
        try:
            return await self.get(service, path, **params)
        except ServiceError:
            return default

    async def attempt(self, service: str, method: str, path: str, body: dict[str, Any]) -> Attempt:
        """A command whose refusal the page shows (a 4xx message) instead of failing; an
        expired token (401) still raises, which signs the user out."""
        r = await self.raw(service, method, path, json=body)
        if r.status_code in (200, 201):
            return Attempt(r.json() if r.content else {}, None)
        err = ServiceError(service, r.status_code, json_of(r))
        if r.status_code == 401:
            raise err
        return Attempt(None, err)

    async def stream(self, service: str, path: str, params: dict[str, str]) -> httpx.Response:
        """An open streamed response (the caller reads and closes it): for big downloads that
        the console passes through without holding them."""
        url = f"{self.services.urls[service]}{path}"
        request = self.services.http.build_request("GET", url, headers=self.headers, params=params)
        try:
            return await self.services.http.send(request, stream=True)
        except httpx.HTTPError as err:
            raise unreachable(service, err) from err

    async def gather(self, *calls: Any) -> list[Any]:
        return list(await asyncio.gather(*calls))


@dataclass(frozen=True)
class Attempt:
    body: Any
    error: ServiceError | None


def unreachable(service: str, err: httpx.HTTPError) -> ServiceError:
    return ServiceError(
        service,
        503,
        {
            "message": "Layanan tidak dapat dihubungi",
            "message_en": f"Service unreachable ({err.__class__.__name__})",
        },
    )


def json_of(r: httpx.Response) -> Any:
    try:
        return r.json() if r.content else {}
    except ValueError:
        return r.text
