"""Email over SMTP with aiosmtplib: one connection reused for a batch, STARTTLS or implicit
TLS and a login from the settings; SMTP replies sorted into temporary (4xx, no connection) and
permanent (5xx bounces) failures."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from types import TracebackType

import aiosmtplib

from asn_notifications.channels import PermanentFailure, TemporaryFailure
from asn_notifications.settings import Settings

log = logging.getLogger(__name__)


def _reply_failure(code: int, message: str, what: str) -> TemporaryFailure | PermanentFailure:
    reason = f"SMTP {code} {what}: {message}".strip()
    # 535/530 are the relay's login, not the recipient: fixable by the operator, so retried.
    if code >= 500 and code not in (530, 535):
        return PermanentFailure(reason)
    return TemporaryFailure(reason)


class SmtpSession:
    """``async with SmtpSession(settings) as mail: await mail.send(message)``: connects on the
    first send, reconnects after a lost connection, quits at the end."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._smtp: aiosmtplib.SMTP | None = None

    def _client(self) -> aiosmtplib.SMTP:
        s = self.settings
        return aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            use_tls=s.smtp_security == "tls",
            start_tls=s.smtp_security == "starttls",
            username=s.smtp_username,
            password=s.smtp_password.get_secret_value() if s.smtp_password else None,
            timeout=s.smtp_timeout_s,
        )

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._smtp is not None and self._smtp.is_connected:
            return self._smtp
        smtp = self._client()
        try:
            await smtp.connect()
        except aiosmtplib.SMTPResponseException as err:
            raise _reply_failure(err.code, err.message, "on connect") from err
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as err:
            raise TemporaryFailure(f"SMTP server unreachable: {type(err).__name__}: {err}") from err
        self._smtp = smtp
        return smtp

    async def send(self, message: EmailMessage) -> str:
        """Send one message; its Message-ID."""
        smtp = await self._connected()
        try:
            await smtp.send_message(message)
        except aiosmtplib.SMTPRecipientsRefused as err:
            first = err.recipients[0]
            raise _reply_failure(first.code, first.message, "recipient refused") from err
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError) as err:
            await self._drop()
            raise TemporaryFailure(f"SMTP connection lost: {type(err).__name__}: {err}") from err
        except aiosmtplib.SMTPResponseException as err:
            raise _reply_failure(err.code, err.message, "refused the message") from err
        except aiosmtplib.SMTPException as err:
            await self._drop()
            raise TemporaryFailure(f"SMTP error: {type(err).__name__}: {err}") from err
        return str(message["Message-ID"])

    async def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()

    async def __aenter__(self) -> SmtpSession:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None and smtp.is_connected:
            try:
                await smtp.quit()
            except (aiosmtplib.SMTPException, OSError):
                smtp.close()
