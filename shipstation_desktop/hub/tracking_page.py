"""The customer tracking page (issue 10, seed 002 "Customer Status Tracking Endpoints" and "Real-time
Updates"): anyone holding a tracking number may look, so the page shows what a carrier's public page
shows and nothing more (hub/tracking_view.py decides what that is).

- GET /track/{n}             mobile HTML: inline CSS, no external asset, complete without JavaScript;
                             its script only subscribes to the stream below (EventSource) for live changes.
- GET /track?number=n        the 404 page's search form lands here and is redirected to /track/{n}.
- GET /api/track/{n}         the same view as JSON ({"error": ...} with 404 for an unknown number).
- GET /api/track/{n}/events  Server-Sent Events (https://html.spec.whatwg.org/multipage/server-sent-events.html):
                             `event: status` with the full view first, then again whenever it changes;
                             a comment line as heartbeat; at most a few streams per client address.

The stream polls rather than listens: the center's change log (docs/adr/0009) is one cheap indexed
query per tick, and the view is re-read only when something was written; a change that does not
alter what the customer sees is not sent.
"""

from __future__ import annotations

import json
import secrets
import threading
import weakref
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from urllib.parse import quote

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from jinja2 import PackageLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from . import tracking_i18n as i18n
from . import tracking_view
from .state import HubState

_templates = SandboxedEnvironment(
    loader=PackageLoader("shipstation_desktop", "resources/hub/templates"),
    autoescape=True,
    undefined=StrictUndefined,
)


class StreamLimiter:
    """Open live streams per client address. A Condition (not a sleep) lets tests wait for a stream
    to be torn down after the client left."""

    def __init__(self, per_client: int) -> None:
        self.per_client = per_client
        self._open: dict[str, int] = {}
        self._changed = threading.Condition()

    def acquire(self, client: str) -> Callable[[], None] | None:
        """A release function for a new stream, or None when the client has too many open."""
        with self._changed:
            if self._open.get(client, 0) >= self.per_client:
                return None
            self._open[client] = self._open.get(client, 0) + 1
        released = threading.Event()

        def release() -> None:
            if released.is_set():
                return
            released.set()
            with self._changed:
                left = self._open.get(client, 0) - 1
                if left > 0:
                    self._open[client] = left
                else:
                    self._open.pop(client, None)
                self._changed.notify_all()

        return release

    def open_streams(self, client: str | None = None) -> int:
        with self._changed:
            return self._open.get(client, 0) if client is not None else sum(self._open.values())

    def wait_idle(self, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: not self._open, timeout)


@dataclass
class StreamSettings:
    poll_seconds: float = 1.0
    heartbeat_seconds: float = 15.0
    retry_ms: int = 3000  # how long a browser waits before reconnecting a dropped stream
    limiter: StreamLimiter = field(default_factory=lambda: StreamLimiter(per_client=4))


def _security_headers(nonce: str, language: str) -> dict[str, str]:
    return {
        "Content-Security-Policy": (
            f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; connect-src 'self'; "
            "img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        ),
        "Cache-Control": "no-store",
        "Content-Language": language,
        "Referrer-Policy": "no-referrer",
        "Vary": "Accept-Language",
        "X-Content-Type-Options": "nosniff",
    }


def _language(request: Request, lang: str | None) -> str:
    return i18n.negotiate(lang, request.headers.get("accept-language"))


def _render(name: str, language: str, status_code: int, **context: Any) -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    html = _templates.get_template(name).render(
        lang=language,
        t=i18n.strings(language),
        languages=[(code, i18n.NATIVE_NAMES[code]) for code in i18n.LANGUAGES],
        status_label=partial(i18n.status_label, language),
        nonce=nonce,
        **context,
    )
    return HTMLResponse(html, status_code=status_code, headers=_security_headers(nonce, language))


def _not_found_page(language: str, number: str | None) -> HTMLResponse:
    return _render("not_found.html", language, 404, number=number)


def _page(view: dict[str, Any], language: str) -> HTMLResponse:
    destination = ", ".join(v for v in (view["destination"]["city"], view["destination"]["country"]) if v)
    delivered = view["status"] == "delivered"
    events = [dict(e, when=tracking_view.format_time(e["time"])) for e in view["events"]]
    number = quote(view["tracking_number"], safe="")
    return _render(
        "track.html",
        language,
        200,
        view=view,
        events=events,
        eta=tracking_view.format_date(view["estimated_delivery"]),
        show_eta=bool(view["estimated_delivery"]) and not delivered,
        delivered=tracking_view.format_time(view["delivered_at"]),
        destination=destination,
        config={"stream": f"/api/track/{number}/events", "labels": i18n.status_labels(language)},
    )


def _sse(view: dict[str, Any]) -> str:
    return "event: status\ndata: " + json.dumps(view, ensure_ascii=False, separators=(",", ":")) + "\n\n"


def router(state: HubState, settings: StreamSettings | None = None) -> APIRouter:
    conf = settings or StreamSettings()
    api = APIRouter()

    def load(number: str) -> dict[str, Any] | None:
        return tracking_view.load(state.engine, number)

    @api.get("/track", response_class=HTMLResponse)
    def search(request: Request, number: str = "", lang: str | None = None) -> Response:
        language = _language(request, lang)
        normalized = tracking_view.normalize_number(number)
        if normalized is None:
            return _not_found_page(language, None)
        return RedirectResponse(f"/track/{quote(normalized, safe='')}?lang={language}", status_code=303)

    @api.get("/track/{tracking_number}", response_class=HTMLResponse)
    def page(tracking_number: str, request: Request, lang: str | None = None) -> HTMLResponse:
        language = _language(request, lang)
        view = load(tracking_number)
        state.count("ssd_hub_tracking_requests_total", kind="page", found=str(view is not None).lower())
        if view is None:
            return _not_found_page(language, tracking_view.normalize_number(tracking_number))
        return _page(view, language)

    @api.get("/api/track/{tracking_number}")
    def as_json(tracking_number: str, request: Request, lang: str | None = None) -> JSONResponse:
        view = load(tracking_number)
        state.count("ssd_hub_tracking_requests_total", kind="json", found=str(view is not None).lower())
        if view is None:
            message = i18n.strings(_language(request, lang))["error_not_found"]
            return JSONResponse({"error": message}, status_code=404, headers={"Cache-Control": "no-store"})
        return JSONResponse(view, headers={"Cache-Control": "no-store"})

    @api.get("/api/track/{tracking_number}/events")
    async def events(tracking_number: str, request: Request, lang: str | None = None) -> Response:
        language = _language(request, lang)
        client = request.client.host if request.client else "unknown"
        release = conf.limiter.acquire(client)
        if release is None:
            message = i18n.strings(language)["error_too_many_streams"]
            return JSONResponse({"error": message}, status_code=429, headers={"Retry-After": "30"})
        try:
            # the marker first: a write landing between it and the read is seen again on the next tick
            marker = await anyio.to_thread.run_sync(tracking_view.change_marker, state.engine)
            view = await anyio.to_thread.run_sync(load, tracking_number)
        except BaseException:
            release()
            raise
        if view is None:
            release()
            message = i18n.strings(language)["error_not_found"]
            return JSONResponse({"error": message}, status_code=404)
        state.count("ssd_hub_tracking_requests_total", kind="stream", found="true")
        body = _stream(request, tracking_number, view, marker, release)
        # A stream the server never started (the client left before the first byte) still frees its slot.
        weakref.finalize(body, release)
        return StreamingResponse(
            body,
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    async def _stream(
        request: Request,
        number: str,
        view: dict[str, Any],
        marker: tuple[int, str],
        release: Callable[[], None],
    ) -> AsyncIterator[str]:
        try:
            yield f"retry: {conf.retry_ms}\n\n"
            yield _sse(view)
            quiet = 0.0
            while True:
                await anyio.sleep(conf.poll_seconds)
                if await request.is_disconnected():
                    return
                latest = await anyio.to_thread.run_sync(tracking_view.change_marker, state.engine)
                if latest != marker:
                    marker = latest
                    fresh = await anyio.to_thread.run_sync(load, number)
                    if fresh is None:
                        return  # deleted meanwhile: nothing more to tell
                    if fresh != view:
                        view = fresh
                        quiet = 0.0
                        yield _sse(view)
                        continue
                quiet += conf.poll_seconds
                if quiet >= conf.heartbeat_seconds:
                    quiet = 0.0
                    yield ": keepalive\n\n"
        finally:
            release()

    return api
