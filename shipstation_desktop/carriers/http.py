"""The HTTP plumbing every carrier adapter shares: auth, rate limits, retries, error mapping.

Carriers differ in their payloads, not in how a well-behaved client talks to them: tokens are cached
until they expire and fetched again once on a 401, requests never exceed the carrier's published
rate, 429/5xx/timeouts are retried with backoff (the carrier's Retry-After wins), and whatever goes
wrong reaches the packer as one CarrierError sentence with the carrier's own code kept.
"""

from __future__ import annotations

import base64
import email.utils
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx

from shipstation_desktop.domain.errors import CarrierError

log = logging.getLogger(__name__)

Sleep = Callable[[float], None]
Monotonic = Callable[[], float]
# A carrier's error body -> (message, code); None when the body says nothing useful.
ErrorParser = Callable[[Any], tuple[str, str | None] | None]


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One HTTP exchange with a carrier (each retry is its own), for integration-health analytics."""

    carrier: str
    method: str
    path: str
    status: int | None  # None: no answer (timeout, connection failure)
    elapsed_s: float
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and self.status < 400


# Told about every request; injected by services (carriers never import persistence).
RequestObserver = Callable[[RequestRecord], None]

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=5.0)
MAX_RETRY_AFTER_S = 60.0  # a carrier asking for longer is treated as down, not waited on at the bench


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 4  # the first try and three retries
    backoff_s: tuple[float, ...] = (1.0, 5.0, 15.0)

    def delay(self, retry: int, retry_after: float | None) -> float:
        base = self.backoff_s[min(retry, len(self.backoff_s) - 1)]
        return min(MAX_RETRY_AFTER_S, retry_after) if retry_after is not None else base


class RateLimiter:
    """A token bucket: at most `per_second` requests on average, `burst` at once. Thread-safe, so
    the GUI's buy and the tracking poller share one carrier's allowance."""

    def __init__(
        self, per_second: float, burst: int = 1, *, sleep: Sleep = time.sleep, monotonic: Monotonic = time.monotonic
    ) -> None:
        if per_second <= 0:
            raise ValueError("a rate limit must be positive")
        self.per_second = per_second
        self.burst = max(1, burst)
        self._tokens = float(self.burst)
        self._sleep = sleep
        self._monotonic = monotonic
        self._last = monotonic()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Takes one token, sleeping until there is one; returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._monotonic()
                self._tokens = min(self.burst, self._tokens + (now - self._last) * self.per_second)
                self._last = now
                # The epsilon: after sleeping exactly `wait`, float rounding can leave 0.999…, and a
                # clock that moves only by the time slept (tests) would then never reach a full token.
                if self._tokens >= 1 - 1e-9:
                    self._tokens = max(0.0, self._tokens - 1)
                    return waited
                wait = (1 - self._tokens) / self.per_second
            self._sleep(wait)
            waited += wait


class Auth(Protocol):
    def headers(self, http: CarrierHttp) -> dict[str, str]:
        """Headers that authenticate one request (may fetch a token)."""
        ...

    def invalidate(self) -> None:
        """The carrier said 401: forget any cached token."""
        ...


class NoAuth:
    def headers(self, http: CarrierHttp) -> dict[str, str]:
        return {}

    def invalidate(self) -> None:
        return None


@dataclass(slots=True)
class HeaderAuth:
    """A static credential in a header: ShipStation's API-Key, a USPS payment token, …"""

    values: Mapping[str, str]

    def headers(self, http: CarrierHttp) -> dict[str, str]:
        return dict(self.values)

    def invalidate(self) -> None:
        return None


def basic_auth(user: str, password: str) -> HeaderAuth:
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return HeaderAuth({"Authorization": f"Basic {token}"})


@dataclass
class OAuthClientCredentials:
    """OAuth 2.0 client-credentials grant (UPS, FedEx, USPS): the token is cached until shortly
    before it expires and fetched again when the carrier rejects it.

    `basic` sends the client id and secret as HTTP Basic (UPS); otherwise they go in the form (FedEx,
    USPS). `extra_form` carries carrier extras such as USPS's scope."""

    token_path: str
    client_id: str
    client_secret: str
    basic: bool = False
    extra_form: Mapping[str, str] = field(default_factory=dict)
    extra_headers: Mapping[str, str] = field(default_factory=dict)
    margin_s: float = 60.0
    _token: str | None = field(default=None, init=False)
    _expires_at: float = field(default=0.0, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    fetches: int = field(default=0, init=False)  # how many tokens were fetched (tests, diagnostics)

    def headers(self, http: CarrierHttp) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(http)}"}

    def invalidate(self) -> None:
        with self._lock:
            self._token = None

    def token(self, http: CarrierHttp) -> str:
        with self._lock:
            if self._token is not None and http.monotonic() < self._expires_at:
                return self._token
            form = {"grant_type": "client_credentials", **self.extra_form}
            headers = {"Content-Type": "application/x-www-form-urlencoded", **self.extra_headers}
            if self.basic:
                raw = f"{self.client_id}:{self.client_secret}".encode()
                headers["Authorization"] = "Basic " + base64.b64encode(raw).decode("ascii")
            else:
                form |= {"client_id": self.client_id, "client_secret": self.client_secret}
            body = http.request("POST", self.token_path, data=form, headers=headers, authenticate=False)
            token = body.get("access_token") if isinstance(body, dict) else None
            if not token:
                raise CarrierError(f"{http.carrier_name} sent no access token; check the API credentials", "auth")
            try:
                lifetime = float(body.get("expires_in", 3600))
            except (TypeError, ValueError):
                lifetime = 3600.0
            self._token = str(token)
            self._expires_at = http.monotonic() + max(0.0, lifetime - self.margin_s)
            self.fetches += 1
            return self._token


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: either a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        at = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return max(0.0, (at - (now or datetime.now(UTC))).total_seconds())


def _first_text(*values: Any) -> str | None:
    for value in values:
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def generic_error(body: Any) -> tuple[str, str | None] | None:
    """The common error shapes: {"errors": [{"code", "message"}]}, {"response": {"errors": …}} (UPS),
    {"error": {"message"}}, {"message"}, {"detail"} (problem+json), {"error_description"} (OAuth)."""
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("response"), dict):
        inner = generic_error(body["response"])
        if inner:
            return inner
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        message = _first_text(first.get("message"), first.get("detail"), first.get("title"))
        code = _first_text(str(first.get("code") or "") or None, first.get("error_code"))
        if message:
            return message, code
    error = body.get("error")
    if isinstance(error, dict):
        message = _first_text(error.get("message"), error.get("detail"))
        if message:
            return message, _first_text(str(error.get("code") or "") or None)
    message = _first_text(body.get("error_description"), body.get("detail"), body.get("message"), body.get("title"))
    if message:
        error_code = body.get("error") if isinstance(body.get("error"), str) else None
        code = _first_text(error_code, str(body.get("code") or ""), str(body.get("status") or ""))
        return message, code
    return None


class CarrierHttp:
    """One carrier account's HTTP client. Adapters call `request` and get parsed JSON back or a
    CarrierError; they never see httpx exceptions."""

    def __init__(
        self,
        carrier_name: str,
        base_url: str,
        *,
        auth: Auth | None = None,
        rate_limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        error_parser: ErrorParser = generic_error,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        sleep: Sleep = time.sleep,
        monotonic: Monotonic = time.monotonic,
        default_headers: Mapping[str, str] | None = None,
        observer: RequestObserver | None = None,
    ) -> None:
        self.carrier_name = carrier_name
        self.observer = observer
        self.base_url = base_url.rstrip("/")
        self.auth: Auth = auth or NoAuth()
        self.rate_limiter = rate_limiter
        self.retry = retry or RetryPolicy()
        self.error_parser = error_parser
        self.sleep = sleep
        self.monotonic = monotonic
        self._client = httpx.Client(
            base_url=self.base_url,
            transport=transport,
            timeout=timeout,
            headers={"Accept": "application/json", "User-Agent": "ShipStation-Desktop", **(default_headers or {})},
        )
        self.calls = 0  # requests sent, retries included (integration health)
        self.last_elapsed_s = 0.0

    def close(self) -> None:
        self._client.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        data: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        authenticate: bool = True,
        expect_json: bool = True,
        ok_statuses: frozenset[int] = frozenset(),
    ) -> Any:
        """Sends one logical request (retried as needed) and returns its JSON body (or raw bytes when
        `expect_json` is false). Statuses in `ok_statuses` are returned as {"_status": n, "body": …}
        instead of raising, for APIs that answer "not found" with a 404 the adapter wants to see."""
        refreshed = False
        retry = 0
        while True:
            sent_headers = dict(headers or {})
            if authenticate:
                sent_headers |= self.auth.headers(self)
            if self.rate_limiter is not None:
                self.rate_limiter.acquire()
            started = self.monotonic()
            self.calls += 1
            try:
                response = self._client.request(
                    method, path, json=json_body, data=data, params=params, headers=sent_headers
                )
            except httpx.TimeoutException as exc:
                self._observe(method, path, None, started, type(exc).__name__)
                if retry + 1 < self.retry.attempts:
                    self._wait(retry, None, f"timed out ({type(exc).__name__})")
                    retry += 1
                    continue
                raise CarrierError(f"{self.carrier_name} did not answer in time; try again", "timeout") from exc
            except httpx.TransportError as exc:
                self._observe(method, path, None, started, type(exc).__name__)
                if retry + 1 < self.retry.attempts:
                    self._wait(retry, None, f"connection failed ({exc})")
                    retry += 1
                    continue
                raise CarrierError(f"cannot reach {self.carrier_name} ({exc}); check the network", "network") from exc
            finally:
                self.last_elapsed_s = self.monotonic() - started
            status = response.status_code
            self._observe(method, path, status, started, "")
            if status == 401 and authenticate and not refreshed:
                self.auth.invalidate()  # an expired or revoked token: fetch a new one, once
                refreshed = True
                continue
            if status in RETRY_STATUSES and retry + 1 < self.retry.attempts:
                self._wait(retry, parse_retry_after(response.headers.get("Retry-After")), f"HTTP {status}")
                retry += 1
                continue
            if status in ok_statuses:
                return {"_status": status, "body": self._json_or_none(response)}
            if status >= 400:
                raise self._error(response)
            if not expect_json:
                return response.content
            if not response.content:
                return {}
            try:
                return response.json()
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise CarrierError(
                    f"{self.carrier_name} sent an answer that is not valid JSON (HTTP {status}); try again later",
                    "malformed",
                ) from exc

    def _observe(self, method: str, path: str, status: int | None, started: float, error: str) -> None:
        if self.observer is None:
            return
        record = RequestRecord(self.carrier_name, method, path, status, self.monotonic() - started, error)
        try:
            self.observer(record)
        except Exception:  # analytics must never fail a label purchase
            log.exception("request observer failed for %s %s", self.carrier_name, path)

    def _wait(self, retry: int, retry_after: float | None, why: str) -> None:
        delay = self.retry.delay(retry, retry_after)
        log.info("%s: %s; retrying in %.1f s", self.carrier_name, why, delay)
        self.sleep(delay)

    @staticmethod
    def _json_or_none(response: httpx.Response) -> Any:
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return None

    def _error(self, response: httpx.Response) -> CarrierError:
        status = response.status_code
        parsed = None
        body = self._json_or_none(response)
        if body is not None:
            try:
                parsed = self.error_parser(body)
            except (KeyError, TypeError, ValueError, IndexError):
                parsed = None
        if parsed is None:
            parsed = generic_error(body)
        detail, code = parsed if parsed else (None, None)
        code = code or str(status)
        if status in (401, 403):
            why = detail or "the credentials were refused"
            return CarrierError(
                f"{self.carrier_name} refused the credentials ({why}); check them in Preferences → Carriers", code
            )
        if status == 429:
            return CarrierError(f"{self.carrier_name} is limiting requests; wait a minute and try again", code)
        if status >= 500:
            extra = f": {detail}" if detail else ""
            return CarrierError(f"{self.carrier_name} is having trouble (HTTP {status}{extra}); try again later", code)
        return CarrierError(f"{self.carrier_name}: {detail or f'request refused (HTTP {status})'}", code)
