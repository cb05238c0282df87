"""What a page answers instead of its content."""

from __future__ import annotations

NOT_ALLOWED = ("Anda tidak berhak membuka halaman ini.", "You are not allowed to open this page.")


class LoginRequired(Exception):
    """No session: the browser is sent to the sign-in."""


class Refused(Exception):
    """The page is refused with `status` and a message (Indonesian, English)."""

    def __init__(self, status: int = 403, message: tuple[str, str] | None = None) -> None:
        super().__init__(message[1] if message else NOT_ALLOWED[1])
        self.status = status
        self.message = message or NOT_ALLOWED
