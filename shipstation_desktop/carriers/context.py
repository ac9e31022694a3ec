"""What a carrier adapter is built from: its account settings, its secrets and the bench's clock.

Tests build the same context with a fake transport (respx or a local server), a fake sleep and a
fake clock, so every adapter is exercised exactly as the bench runs it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from shipstation_desktop.domain.clock import Clock, SystemClock
from shipstation_desktop.domain.errors import CarrierError
from shipstation_desktop.settings.carrier_endpoints import base_url
from shipstation_desktop.settings.model import CarrierAccount

from .http import Auth, CarrierHttp, ErrorParser, RateLimiter, RequestObserver, RetryPolicy, Sleep, generic_error

SecretLookup = Callable[[str], str | None]  # field ("client_id", "api_key", …) -> keyring value


class LazyHttp:
    """An adapter's client, built on first use — a bench with the carrier switched on but no secrets
    yet still starts, and the first call names the missing credential — and built once even when the
    GUI's buy and the tracking poller ask at the same moment."""

    def __init__(self, build: Callable[[], CarrierHttp]) -> None:
        self._build = build
        self._http: CarrierHttp | None = None
        self._lock = threading.Lock()

    def get(self) -> CarrierHttp:
        with self._lock:
            if self._http is None:
                self._http = self._build()
            return self._http

    def close(self) -> None:
        with self._lock:
            if self._http is not None:
                self._http.close()
                self._http = None


@dataclass(frozen=True)
class CarrierContext:
    account: CarrierAccount
    secret: SecretLookup = field(default=lambda _field: None)
    clock: Clock = field(default_factory=SystemClock)
    transport: httpx.BaseTransport | None = None
    sleep: Sleep = time.sleep
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    observer: RequestObserver | None = None  # every request, for integration health (services/telemetry.py)

    @property
    def code(self) -> str:
        return self.account.code

    @property
    def base_url(self) -> str:
        return base_url(self.account.code, self.account.sandbox, self.account.base_url)

    def require(self, name: str, carrier_name: str) -> str:
        """A credential the adapter cannot work without; its absence is a message, not a crash."""
        value = self.secret(name)
        if not value:
            raise CarrierError(
                f"{carrier_name} has no {name.replace('_', ' ')} saved; add it in Preferences → Carriers", "credentials"
            )
        return value

    def http(
        self,
        carrier_name: str,
        *,
        auth: Auth | None = None,
        per_second: float,
        burst: int = 1,
        error_parser: ErrorParser = generic_error,
        default_headers: dict[str, str] | None = None,
    ) -> CarrierHttp:
        """The adapter's client, paced at the account's limit or else the carrier's published one."""
        rate = self.account.rate_limit_per_s or per_second
        return CarrierHttp(
            carrier_name,
            self.base_url,
            auth=auth,
            rate_limiter=RateLimiter(rate, burst, sleep=self.sleep, monotonic=self.clock.monotonic),
            retry=self.retry,
            error_parser=error_parser,
            transport=self.transport,
            sleep=self.sleep,
            monotonic=self.clock.monotonic,
            default_headers=default_headers,
            observer=self.observer,
        )
