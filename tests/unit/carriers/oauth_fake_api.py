"""A fake carrier API behind httpx.MockTransport: scripted answers per route, every request recorded.

Used by the UPS and FedEx adapter tests. Each route holds a queue of answers; the last one repeats,
so "401 then 200" and "always 500" are both one line. A fake clock whose sleep moves time keeps the
rate limiter and retry back-off instant and observable.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from shipstation_desktop.carriers.context import CarrierContext
from shipstation_desktop.domain.clock import FakeClock
from shipstation_desktop.settings.model import CarrierAccount

DATA = Path(__file__).resolve().parents[2] / "data" / "carriers"

Answer = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


def load(carrier: str, name: str) -> Any:
    return json.loads((DATA / carrier / name).read_text(encoding="utf-8"))


def raw(carrier: str, name: str) -> bytes:
    return (DATA / carrier / name).read_bytes()


def ok(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def token(value: str = "tok-1", expires_in: int = 3599) -> httpx.Response:
    return httpx.Response(200, json={"access_token": value, "token_type": "Bearer", "expires_in": expires_in})


class FakeApi:
    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Answer]] = {}
        self.requests: list[httpx.Request] = []

    def add(self, method: str, path: str, *answers: Answer) -> FakeApi:
        self.routes[(method.upper(), path)] = list(answers)
        return self

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        queue = self.routes.get((request.method, request.url.path))
        if not queue:
            return httpx.Response(599, text=f"no fake route for {request.method} {request.url.path}")
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        return answer(request)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)

    def calls(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method.upper() and r.url.path == path]


class Sleeper:
    """The context's sleep: records each delay and moves the fake clock by it (plus a microsecond, as
    a real sleep overshoots; exact float steps can leave the rate limiter a hair short of a token)."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.clock.advance(seconds + 1e-6)


def context(
    api: FakeApi,
    code: str,
    *,
    account: str = "A1B2C3",
    secrets: dict[str, str] | None = None,
    clock: FakeClock | None = None,
) -> tuple[CarrierContext, Sleeper]:
    clock = clock or FakeClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))  # a Monday
    sleeper = Sleeper(clock)
    values = {"client_id": "cid", "client_secret": "csecret"} if secrets is None else secrets
    ctx = CarrierContext(
        account=CarrierAccount(code=code, account=account, sandbox=True),
        secret=values.get,
        clock=clock,
        transport=api.transport,
        sleep=sleeper,
    )
    return ctx, sleeper


def body_of(request: httpx.Request) -> Any:
    return json.loads(request.content)
