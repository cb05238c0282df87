"""The sender: claims due messages (FOR UPDATE SKIP LOCKED, so several instances share the
work), sends each by the person's channel, and records the outcome: sent; a temporary failure
retried later with exponential backoff; a permanent one (a bounce, an invalid number, no
address) kept with its reason for the admin's list of undelivered messages.

A claim is a lease (``sender_lease_s``): a sender that dies mid-batch leaves its messages to be
claimed again when the lease ends. The one message it may have handed to the server just before
dying goes again, with the same Message-ID, so mail systems can tell it is the same message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from asn_notifications.channels import DeliveryFailure, PermanentFailure, TemporaryFailure
from asn_notifications.channels.smtp import SmtpSession
from asn_notifications.channels.whatsapp import WhatsAppGateway
from asn_notifications.delivery import compose
from asn_notifications.domain.contacts import Channel
from asn_notifications.domain.messages import Kind
from asn_notifications.domain.schedule import retry_delay
from asn_notifications.handlers import certificates, sending
from asn_notifications.settings import Settings
from asn_platform.logmask import mask_contacts
from asn_platform.uow import UnitsOfWork

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


@dataclass
class Outcome:
    channel: str | None
    provider_id: str | None = None
    failure: DeliveryFailure | None = None


class Sender:
    def __init__(
        self,
        units: UnitsOfWork,
        settings: Settings,
        clock: Clock,
        whatsapp: WhatsAppGateway | None = None,
    ) -> None:
        self.units = units
        self.settings = settings
        self.clock = clock
        self.whatsapp = whatsapp
        self.parts = compose.EmailParts(
            sender=settings.mail_from,
            issuer=settings.issuer_name,
            verify_base_url=settings.verify_base_url,
        )
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._stopping = False

    # -- one pass ------------------------------------------------------------------------
    async def run_once(self) -> int:
        """Claim one batch of due messages and settle each; the number claimed."""
        s = self.settings
        now = self.clock()
        lease = timedelta(seconds=s.sender_lease_s)
        rows = await self.units.run(lambda uow: sending.claim(uow, now, lease, s.sender_batch_size))
        if not rows:
            return 0
        lanes = max(1, min(s.sender_concurrency, len(rows)))
        await asyncio.gather(*(self._lane(rows[i::lanes]) for i in range(lanes)))
        return len(rows)

    async def _lane(self, rows: list[dict[str, Any]]) -> None:
        """One SMTP connection sending its share of the batch, one message after the other."""
        async with SmtpSession(self.settings) as mail:
            for row in rows:
                outcome = await self._deliver(row, mail)
                await self._settle(row, outcome)

    async def _deliver(self, row: dict[str, Any], mail: SmtpSession) -> Outcome:
        channel: Channel | None = None
        try:
            async with self.units.reading() as conn:
                facts = await sending.gather(conn, row)
                channel = compose.channel_for(facts, whatsapp_on=self.whatsapp is not None)
                values = compose.template_vars(facts, verify_base_url=self.settings.verify_base_url)
                certificate = None
                if row["kind"] == Kind.COMPLETION.value and channel is Channel.EMAIL:
                    certificate = await certificates.certificate_view(
                        conn,
                        row["payload"]["certificate_number"],
                        base_url=self.settings.verify_base_url,
                        issuer=self.settings.issuer_name,
                    )
            kind = Kind(row["kind"])
            if channel is Channel.WHATSAPP and self.whatsapp is not None:
                assert facts.contact is not None and facts.contact.mobile
                provider_id = await self.whatsapp.send(
                    to=facts.contact.mobile,
                    kind=kind.value,
                    lang=values["lang"],
                    parameters=compose.whatsapp_parameters(kind, values),
                )
                return Outcome(channel.value, provider_id)
            rendered = compose.render(kind, values["lang"], values)
            message = compose.email_message(
                facts, rendered, self.parts, now=self.clock(), certificate=certificate
            )
            return Outcome(Channel.EMAIL.value, await mail.send(message))
        except DeliveryFailure as failure:
            return Outcome(channel.value if channel else None, failure=failure)
        except Exception as err:  # a bug or a lost database: retried, then failed, never stuck
            log.exception("message %s could not be prepared", row["id"])
            reason = f"internal error: {type(err).__name__}"
            return Outcome(channel.value if channel else None, failure=TemporaryFailure(reason))

    async def _settle(self, row: dict[str, Any], outcome: Outcome) -> None:
        s = self.settings
        failure = outcome.failure
        delivery_id = row["id"]
        if failure is None:
            await self.units.run(
                lambda uow: sending.settle_sent(
                    uow, delivery_id, channel=outcome.channel or "", provider_id=outcome.provider_id,
                    now=self.clock(),
                )
            )  # fmt: skip
            return
        reason = mask_contacts(failure.reason)  # kept and logged without the address
        if isinstance(failure, TemporaryFailure) and row["attempts"] < s.retry_max_attempts:
            at = self.clock() + retry_delay(
                row["attempts"], initial_s=s.retry_initial_delay_s, max_s=s.retry_max_delay_s
            )
            log.info("message %s: temporary failure (%s), again at %s", delivery_id, reason, at)
            await self.units.run(
                lambda uow: sending.settle_retry(
                    uow, delivery_id, channel=outcome.channel, error=reason, at=at
                )
            )
            return
        if isinstance(failure, TemporaryFailure):
            reason = f"gave up after {row['attempts']} attempts: {reason}"
        kind = "permanent failure" if isinstance(failure, PermanentFailure) else "failure"
        log.warning("message %s: %s (%s)", delivery_id, kind, reason)
        await self.units.run(
            lambda uow: sending.settle_failed(
                uow, delivery_id, channel=outcome.channel, error=reason
            )
        )

    # -- the loop ------------------------------------------------------------------------
    def wake(self) -> None:
        self._wake.set()

    async def _loop(self) -> None:
        while not self._stopping:
            try:
                claimed = await self.run_once()
            except Exception:
                log.exception("sender pass failed; trying again")
                claimed = 0
            if claimed >= self.settings.sender_batch_size:
                continue  # more may be due
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.settings.sender_interval_s)
            self._wake.clear()

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="notifications-sender")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None
        if self.whatsapp is not None:
            await self.whatsapp.close()
