"""HTTP calls to the platform's services, always with the signed-in user's own token: the
services decide what the user may see; the console only hides what they would refuse."""

from __future__ import annotations

import asyncio
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
            raise ServiceError(
                service,
                503,
                {
                    "message": "Layanan tidak dapat dihubungi",
                    "message_en": f"Service unreachable ({err.__class__.__name__})",
                },
            ) from err

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

    async def gather(self, *calls: Any) -> list[Any]:
        return list(await asyncio.gather(*calls))
