"""hub/guard.py driven as plain ASGI: chunks, client addresses and a lying Content-Length are exactly
what each test says (no database: the guard never touches the center)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from shipstation_desktop.hub import guard, ops
from shipstation_desktop.hub.state import HubConfig, HubState


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2024, 3, 5, 9, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at


def make_app(**config: Any) -> tuple[FastAPI, HubState, list[bytes]]:
    state = HubState(HubConfig(central_url="postgresql://nobody@127.0.0.1:1/none", **config))
    seen: list[bytes] = []
    app = FastAPI()

    @app.post("/echo/{name}")
    async def echo(name: str, request: Request) -> JSONResponse:
        body = await request.body()
        seen.append(body)
        return JSONResponse({"name": name, "length": len(body)})

    guard.install(app, state)
    return app, state, seen


def call(
    app: FastAPI, chunks: Iterable[bytes] = (b"",), client: str = "127.0.0.1", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    """One POST /echo/x through the ASGI app; returns status, headers and body."""
    parts = list(chunks)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/echo/x",
        "raw_path": b"/echo/x",
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": (client, 50000),
        "server": ("127.0.0.1", 8080),
    }
    sent: list[MutableMapping[str, Any]] = []
    received = 0

    async def receive() -> dict[str, Any]:
        nonlocal received
        if received < len(parts):
            received += 1
            return {"type": "http.request", "body": parts[received - 1], "more_body": received < len(parts)}
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body


def test_body_in_chunks_reaches_the_route_whole() -> None:
    app, _state, seen = make_app(max_body_bytes=100)
    status, _, body = call(app, [b"a" * 40, b"b" * 40, b"c" * 20])
    assert status == 200
    assert seen == [b"a" * 40 + b"b" * 40 + b"c" * 20]
    assert b'"length":100' in body


def test_body_over_the_limit_is_413_whatever_content_length_says() -> None:
    app, state, seen = make_app(max_body_bytes=100)
    status, _, body = call(app, [b"x" * 60, b"x" * 60], headers={"Content-Length": "10"})  # a lie
    assert status == 413
    assert b"larger than 100 bytes" in body
    status, headers, _ = call(
        app, [b"x" * 10], headers={"Content-Length": "5000"}
    )  # declared too large: refused at once
    assert status == 413 and headers["connection"] == "close"
    assert seen == []  # the route never ran
    assert state.counters['hub_rejections_total{reason="body_too_large"}'] == 2


def test_ip_allow_list() -> None:
    app, state, seen = make_app(allow_ips=("10.0.0.0/8", "2001:db8::/32"))
    assert call(app, client="10.1.2.3")[0] == 200
    assert call(app, client="2001:db8::7")[0] == 200
    status, _, body = call(app, client="203.0.113.9")
    assert status == 403 and b"may not use the hub" in body
    assert call(app, client="not-an-address")[0] == 403
    assert len(seen) == 2
    assert state.counters['hub_rejections_total{reason="ip"}'] == 2


def test_rate_limit_per_client_with_retry_after() -> None:
    clock = Clock()
    app, state, _ = make_app(rate_limit_per_minute=3, now=clock)
    assert [call(app, client="198.51.100.1")[0] for _ in range(3)] == [200, 200, 200]
    status, headers, _ = call(app, client="198.51.100.1")
    assert status == 429
    assert headers["retry-after"] == "20"  # one token every 60/3 s
    assert call(app, client="198.51.100.2")[0] == 200  # another client has its own allowance
    clock.at += timedelta(seconds=20)
    assert call(app, client="198.51.100.1")[0] == 200
    assert call(app, client="198.51.100.1")[0] == 429
    assert state.counters['hub_rejections_total{reason="rate_limit"}'] == 2


def test_rate_limit_zero_turns_it_off() -> None:
    app, _, _ = make_app(rate_limit_per_minute=0)
    assert {call(app)[0] for _ in range(20)} == {200}


def test_every_answer_is_timed_and_counted_by_route_template() -> None:
    app, state, _ = make_app(max_body_bytes=10)
    call(app)
    call(app, [b"x" * 11])
    assert state.counters['hub_requests_total{route="/echo/{name}",status="200"}'] == 1
    assert state.counters['hub_requests_total{route="/echo/{name}",status="413"}'] == 1
    text = ops.render(state)
    assert 'hub_request_duration_seconds_count{route="/echo/{name}"} 2' in text
    assert 'hub_request_duration_seconds_bucket{le="+Inf",route="/echo/{name}"} 2' in text


def test_limiter_forgets_idle_clients_when_the_table_is_full(monkeypatch: Any) -> None:
    clock = Clock()
    monkeypatch.setattr(guard, "MAX_TRACKED_CLIENTS", 10)
    limiter = guard.RateLimiter(1, clock)
    for i in range(10):
        assert limiter.take(f"c{i}") == 0
    clock.at += timedelta(minutes=5)  # all of them refilled
    assert limiter.take("busy") == 0
    assert limiter.take("busy") > 0  # over the table size: the refilled clients are dropped
    assert set(limiter._buckets) == {"busy"}
