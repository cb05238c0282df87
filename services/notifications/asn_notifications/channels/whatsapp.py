"""WhatsApp through an HTTP gateway shaped like the WhatsApp Cloud API's template messages:

    POST <ASN_WHATSAPP_URL>            (…/v21.0/<phone-number-id>/messages)
    Authorization: Bearer <ASN_WHATSAPP_TOKEN>
    {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "6281234567890",
     "type": "template", "template": {"name": "...", "language": {"code": "id"},
     "components": [{"type": "body", "parameters": [{"type": "text", "text": "..."}]}]}}

answered 200 with ``{"messages": [{"id": "wamid..."}]}``, or an error object
``{"error": {"message", "type", "code", "error_subcode", "error_data": {"details"},
"fbtrace_id"}}`` whose ``code`` says whether trying again can help (rate limits and the
service's own trouble) or not (an invalid number, a missing template)."""

from __future__ import annotations

from typing import Any

import httpx

from asn_notifications.channels import PermanentFailure, TemporaryFailure
from asn_notifications.settings import Settings

# Cloud API error codes worth retrying: unknown/service errors, throttling, rate limits,
# "temporarily unavailable", spam-rate limits and pair rate limits.
TEMPORARY_CODES = frozenset({1, 2, 4, 80007, 130429, 131000, 131016, 131048, 131056, 133004, 190})


def template_body(*, to: str, template: str, lang: str, parameters: list[str]) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to.lstrip("+"),
        "type": "template",
        "template": {
            "name": template,
            "language": {"code": "en" if lang == "en" else "id"},
            "components": [
                {
                    "type": "body",
                    "parameters": [{"type": "text", "text": p[:1024]} for p in parameters],
                }
            ],
        },
    }


def failure_of(status: int, body: Any) -> TemporaryFailure | PermanentFailure:
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        reason = f"WhatsApp gateway HTTP {status}"
        return (
            TemporaryFailure(reason) if status >= 500 or status == 429 else PermanentFailure(reason)
        )
    code = error.get("code")
    details = (
        (error.get("error_data") or {}).get("details")
        if isinstance(error.get("error_data"), dict)
        else None
    )
    reason = f"WhatsApp {code}: {error.get('message', '')}" + (f" ({details})" if details else "")
    if code in TEMPORARY_CODES or status >= 500 or status == 429:
        return TemporaryFailure(reason)
    return PermanentFailure(reason)


class WhatsAppGateway:
    def __init__(self, settings: Settings, client: httpx.AsyncClient | None = None) -> None:
        if not settings.whatsapp_url:
            raise ValueError("ASN_WHATSAPP_URL is not set")
        self.url = settings.whatsapp_url
        self.templates = settings.whatsapp_templates
        token = settings.whatsapp_token.get_secret_value() if settings.whatsapp_token else ""
        self.client = client or httpx.AsyncClient(
            timeout=settings.whatsapp_timeout_s, headers={"Authorization": f"Bearer {token}"}
        )

    async def send(self, *, to: str, kind: str, lang: str, parameters: list[str]) -> str:
        """Send a template message; the gateway's message id."""
        template = self.templates.get(kind)
        if not template:
            raise PermanentFailure(f"no WhatsApp template configured for {kind}")
        body = template_body(to=to, template=template, lang=lang, parameters=parameters)
        try:
            response = await self.client.post(self.url, json=body)
        except httpx.HTTPError as err:
            raise TemporaryFailure(f"WhatsApp gateway unreachable: {type(err).__name__}") from err
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if response.status_code != 200:
            raise failure_of(response.status_code, answer)
        try:
            return str(answer["messages"][0]["id"])
        except (TypeError, KeyError, IndexError) as err:
            raise TemporaryFailure("WhatsApp gateway answered without a message id") from err

    async def close(self) -> None:
        await self.client.aclose()
