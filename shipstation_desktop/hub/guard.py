"""Limits every request meets before any route sees it, as one pure ASGI middleware:

1. an optional IP allow-list (403),
2. a per-client token bucket (429 with Retry-After),
3. a body size limit (413): the body is read in chunks and refused as soon as it passes the limit,
   whatever Content-Length claims (a lying or absent header gains nothing), then replayed to the app;
and it times and counts every answer for /metrics (rejections by reason).

The client is the TCP peer. Behind a reverse proxy that is the proxy, so allow-list and rate limit
then apply to the proxy: run the hub where carriers reach it directly, or put the limits on the proxy.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import datetime
from typing import Any

from fastapi import FastAPI
from starlette.responses import JSONResponse
from starlette.routing import Match

from . import ops
from .state import HubState

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_TRACKED_CLIENTS = 50_000


class RateLimiter:
    """Token bucket per client: `per_minute` tokens, refilled continuously; a burst of one minute's
    allowance, then one request per 60/per_minute seconds. Clock injected (HubConfig.now)."""

    def __init__(self, per_minute: int, now: Callable[[], datetime]) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.now = now
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """0 when the request may pass, else the seconds until it could."""
        at = self.now().timestamp()
        with self._lock:
            tokens, last = self._buckets.get(client, (self.capacity, at))
            tokens = min(self.capacity, tokens + max(0.0, at - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, at)
                return 0.0
            self._buckets[client] = (tokens, at)
            if len(self._buckets) > MAX_TRACKED_CLIENTS:
                self._forget_full(at)
            return (1.0 - tokens) / self.rate

    def _forget_full(self, at: float) -> None:
        """Drops clients whose bucket has refilled: they are indistinguishable from new ones."""
        full = [c for c, (tokens, last) in self._buckets.items() if tokens + (at - last) * self.rate >= self.capacity]
        for client in full:
            del self._buckets[client]


class Guard:
    def __init__(self, app: ASGIApp, state: HubState, routes: Callable[[], list[Any]]) -> None:
        self.app = app
        self.state = state
        self.routes = routes
        config = state.config
        self.max_body = config.max_body_bytes
        self.networks = [ipaddress.ip_network(n, strict=False) for n in config.allow_ips]
        per_minute = config.rate_limit_per_minute
        self.limiter = RateLimiter(per_minute, config.now) if per_minute > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        answered = False

        async def send_counted(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.start" and not answered:
                # counted before the client can see the answer (and ask /metrics about it); the
                # duration is the time to the response's head, streaming bodies excluded
                answered = True
                ops.observe_request(
                    self.state, self._route(scope), int(message["status"]), time.perf_counter() - started
                )
            await send(message)

        try:
            await self._guarded(scope, receive, send_counted)
        finally:
            if not answered:  # the client left first (499, as nginx logs it) or the app failed (500)
                status = 499 if scope.get("ssd.disconnected") else 500
                ops.observe_request(self.state, self._route(scope), status, time.perf_counter() - started)

    async def _guarded(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = (scope.get("client") or ("unknown", 0))[0]
        if self.networks and not self._allowed(client):
            await self._refuse(scope, receive, send, 403, "ip", "This address may not use the hub.")
            return
        if self.limiter is not None:
            wait = self.limiter.take(client)
            if wait > 0:
                headers = {"Retry-After": str(max(1, math.ceil(wait)))}
                await self._refuse(scope, receive, send, 429, "rate_limit", "Too many requests; slow down.", headers)
                return
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            await self._too_large(scope, receive, send)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                scope["ssd.disconnected"] = True
                return  # the client left; nobody to answer
            body += message.get("body", b"")
            more = bool(message.get("more_body", False))
            if len(body) > self.max_body:
                await self._too_large(scope, receive, send)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()  # afterwards: the real channel (a disconnect for streaming routes)

        await self.app(scope, replay, send)

    def _allowed(self, client: str) -> bool:
        try:
            address = ipaddress.ip_address(client)
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"The request body is larger than {self.max_body} bytes."
        await self._refuse(scope, receive, send, 413, "body_too_large", message, {"Connection": "close"})

    async def _refuse(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        status: int,
        reason: str,
        message: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.state.count(ops.REJECTIONS, reason=reason)
        await JSONResponse({"error": message}, status_code=status, headers=headers)(scope, receive, send)

    def _route(self, scope: Scope) -> str:
        route = scope.get("route")
        path = getattr(route, "path", None)
        if isinstance(path, str):
            return path
        # refused before routing (or no route matched): name the route it would have reached
        return _template(self.routes(), scope) or "unmatched"


def _template(routes: list[Any], scope: Scope) -> str | None:
    """The path template of the route that would serve this request. FastAPI wraps each included
    router (original_router); the hub's routers are included without a prefix."""
    for candidate in routes:
        inner = getattr(candidate, "original_router", None)
        if inner is not None:
            found = _template(list(inner.routes), scope)
            if found:
                return found
            continue
        match, _ = candidate.matches(scope)
        if match is Match.FULL and isinstance(getattr(candidate, "path", None), str):
            return str(candidate.path)
    return None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def install(app: FastAPI, state: HubState) -> None:
    app.add_middleware(Guard, state=state, routes=lambda: list(app.routes))
