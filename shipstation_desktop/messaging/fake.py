"""In-memory senders for tests and the demo bench: they record what would have gone out."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from .port import Email, MessagingError


@dataclass
class FakeEmailSender:
    sent: list[Email] = field(default_factory=list)
    fail_times: int = 0  # the next N sends fail (retryable), then sends succeed
    error: str = "mail server unavailable"
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def send(self, message: Email) -> str:
        if self.fail_times > 0:
            self.fail_times -= 1
            raise MessagingError(self.error)
        self.sent.append(message)
        return f"<fake-{next(self._ids)}@fake.invalid>"


@dataclass
class FakeSmsSender:
    sent: list[tuple[str, str]] = field(default_factory=list)
    fail_times: int = 0
    error: str = "SMS provider unavailable"
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def send(self, to: str, body: str) -> str:
        if self.fail_times > 0:
            self.fail_times -= 1
            raise MessagingError(self.error)
        self.sent.append((to, body))
        return f"sms-{next(self._ids)}"
