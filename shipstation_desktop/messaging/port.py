"""The ports the notification service sends through; adapters raise MessagingError, never raw I/O errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from shipstation_desktop.domain.errors import UserError


class MessagingError(UserError):
    """A message could not be sent. `permanent`: no retry can help (bad address, rejected content,
    wrong credentials) — the caller dead-letters it instead of retrying."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True, slots=True)
class Email:
    to: str
    subject: str
    text: str
    html: str = ""  # optional HTML alternative


class EmailSender(Protocol):
    def send(self, message: Email) -> str:
        """Sends one message; returns the provider's message id (the Message-ID header for SMTP)."""
        ...


class SmsSender(Protocol):
    def send(self, to: str, body: str) -> str:
        """Sends one SMS to an E.164 number; returns the provider's message id."""
        ...
