"""A minimal webhook receiver for an agency without Kafka: verifies each request with the
`standardwebhooks` library, skips an id it has already handled, prints the CloudEvent.

    python services/webhooks/examples/receiver.py --port 9100 --secret-file /tmp/wh-secret

The secret comes from the registration answer (shown once); the file is read on every request,
so it can be written after the receiver started. Until it exists only the registration's
verification request (type asn.webhooks.endpoint-verification.v1) is answered.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import uvicorn
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

VERIFICATION_TYPE = "asn.webhooks.endpoint-verification.v1"


def read_secrets(secret_file: Path) -> list[str]:
    """The secrets in the file (one, or two during a rotation); none before registration."""
    try:
        return secret_file.read_text().split()
    except FileNotFoundError:
        return []


def make_app(secret_file: Path) -> Starlette:
    seen: set[str] = set()  # a real receiver keeps these in its database

    async def hook(request: Request) -> Response:
        body = await request.body()
        try:
            event = json.loads(body)
        except ValueError:
            return Response(status_code=400)
        if event.get("type") == VERIFICATION_TYPE:
            print(f"verification request for {event.get('subject')}", flush=True)
            return Response(status_code=204)
        secrets = read_secrets(secret_file)
        if not secrets:
            return Response(status_code=503)  # not configured yet: the platform retries
        for secret in secrets:  # during a rotation, either the old or the new secret verifies
            try:
                Webhook(secret).verify(body, dict(request.headers))
                break
            except WebhookVerificationError:
                continue
        else:
            print("refused: bad signature", file=sys.stderr, flush=True)
            return Response(status_code=401)
        msg_id = request.headers["webhook-id"]
        if msg_id not in seen:  # at-least-once: the same id may come again
            seen.add(msg_id)
            print(json.dumps(event, ensure_ascii=False), flush=True)
        return Response(status_code=204)

    return Starlette(routes=[Route("/hook", hook, methods=["POST"])])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--secret-file", type=Path, required=True)
    args = parser.parse_args()
    uvicorn.run(make_app(args.secret_file), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
