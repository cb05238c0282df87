"""A partner's webhook endpoint for the tests: a Starlette app on a real port (uvicorn), which
verifies every request with the `standardwebhooks` library as an agency's receiver would, and
can be told to fail, to expect another secret, or to go away and come back on the same port."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from asn_devkit.embedded.processes import free_port

VERIFICATION_TYPE = "asn.webhooks.endpoint-verification.v1"


@dataclass
class Received:
    id: str
    type: str
    subject: str | None
    data: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Receiver:
    port: int = field(default_factory=free_port)
    secrets: list[str] = field(default_factory=list)  # each must verify (empty: verify nothing)
    fail_first: int = 0  # answer 500 to the first N attempts of each event id
    status: int = 204
    accepted: list[Received] = field(default_factory=list)  # once per id, in arrival order
    attempts: Counter[str] = field(default_factory=Counter)
    refused: int = 0  # requests the library refused (bad or missing signature)
    verifications: int = 0
    content_types: set[str] = field(default_factory=set)
    _server: uvicorn.Server | None = None
    _task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def ids(self) -> list[str]:
        return [r.id for r in self.accepted]

    async def _hook(self, request: Request) -> Response:
        body = await request.body()
        headers = dict(request.headers)
        self.content_types.add(headers.get("content-type", ""))
        event = json.loads(body)
        if event.get("type") == VERIFICATION_TYPE:
            # Sent at registration, signed with the secret the registration then returns: a
            # receiver that does not know it yet just answers 2xx.
            self.verifications += 1
            return Response(status_code=204)
        try:
            for secret in self.secrets:
                Webhook(secret).verify(body, headers)
        except WebhookVerificationError:
            self.refused += 1
            return Response(status_code=401)
        msg_id = headers["webhook-id"]
        self.attempts[msg_id] += 1
        if self.attempts[msg_id] <= self.fail_first:
            return Response(status_code=500)
        if self.status >= 300:
            return Response(status_code=self.status)
        if msg_id not in {r.id for r in self.accepted}:  # receivers deduplicate by webhook-id
            self.accepted.append(
                Received(msg_id, event["type"], event.get("subject"), event["data"], headers)
            )
        return Response(status_code=self.status)

    async def start(self) -> None:
        app = Starlette(routes=[Route("/hook", self._hook, methods=["POST"])])
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            if self._task.done():
                self._task.result()
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        """Gone: the port refuses connections until start() again."""
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._server = self._task = None
