"""ShipStation Custom Store endpoint: GET /shipstation?action=export (orders XML) and
POST /shipstation?action=shipnotify (a label was made in ShipStation).

Per ShipStation's "Custom Store Development Guide" (security: HTTP Basic on every call; export:
start_date/end_date as MM/dd/yyyy HH:mm and page, answered with <Orders pages="N">; shipnotify:
order_number, carrier, service, tracking_number in the query and a <ShipNotice> body), e.g.
https://github.com/DynamoMTL/spree_shipstation/blob/master/doc/ShipStationCustomStoreDevGuide.pdf

Dates are read and written in UTC. The end date is inclusive to the minute ShipStation names (it
sends whole minutes), so an order modified at 10:05:30 is in a window ending "10:05".
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from shipstation_desktop.sync.port import CenterRefused, CenterUnavailable

from . import order_export, shipnotify, xml_export
from .ship_notice import NoticeError, parse
from .shipnotify import ShipResult
from .state import HubState

PATH = "/shipstation"
PAGE_SIZE = 100
MAX_NOTICE_BYTES = 256 * 1024  # a ShipNotice is a few KB; anything near this is not one
_REALM = 'Basic realm="ShipStation Custom Store", charset="UTF-8"'
_EXPORT_DATE_FORMATS = ("%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y")
_METRIC = "ssd_hub_custom_store_requests_total"

AfterShip = Callable[[ShipResult], None]


def _plain(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return PlainTextResponse(message + "\n", status_code=status, headers=headers)


def _credentials_ok(state: HubState, header: str) -> bool | None:
    """True/False for the request's Basic credentials; None when the hub has none configured."""
    user, password = state.secret("custom_store_user"), state.secret("custom_store_password")
    if not user or not password:
        return None
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        given_user, sep, given_password = (
            base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
        )
    except (binascii.Error, UnicodeDecodeError):
        return False
    # Both compared in full, constant time: neither the name nor the password leaks by timing.
    user_ok = hmac.compare_digest(given_user.encode(), user.encode())
    password_ok = hmac.compare_digest(given_password.encode(), password.encode())
    return bool(sep) and user_ok and password_ok


def _refuse(state: HubState, request: Request, action: str) -> Response | None:
    ok = _credentials_ok(state, request.headers.get("authorization", ""))
    if ok is None:
        state.count(_METRIC, action=action, outcome="unconfigured")
        return _plain(503, "The Custom Store user and password are not configured on the hub.")
    if not ok:
        state.count(_METRIC, action=action, outcome="unauthorized")
        return _plain(401, "Wrong or missing Custom Store credentials.", {"WWW-Authenticate": _REALM})
    return None


def parse_export_date(value: str | None, name: str) -> datetime:
    text = (value or "").strip()
    if not text:
        raise ValueError(f"{name} is required (MM/dd/yyyy HH:mm).")
    for fmt in _EXPORT_DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise ValueError(f"{name} {text[:40]!r} is not a date in the form MM/dd/yyyy HH:mm.")


def export_window(start: str | None, end: str | None) -> order_export.Window:
    begin = parse_export_date(start, "start_date")
    finish = parse_export_date(end, "end_date")
    if finish < begin:
        raise ValueError("end_date is before start_date.")
    return order_export.Window(begin, finish + timedelta(minutes=1))


def parse_page(value: str | None) -> int:
    text = (value or "1").strip()
    if not text.isdigit() or not 1 <= int(text) <= 1_000_000:
        raise ValueError(f"page {text[:20]!r} is not a page number (1, 2, …).")
    return int(text)


async def _read_limited(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it is longer than `limit` (never buffered past it)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def router(
    state: HubState,
    *,
    page_size: int = PAGE_SIZE,
    max_notice_bytes: int = MAX_NOTICE_BYTES,
    after_ship: AfterShip | None = None,
) -> APIRouter:
    """`after_ship` runs after a notice changed the center (not for a repeat): the place for a
    customer notification or any other follow-up that must not happen twice."""
    api = APIRouter()

    @api.get(PATH)
    def export(request: Request) -> Response:
        refused = _refuse(state, request, "export")
        if refused is not None:
            return refused
        query = request.query_params
        action = (query.get("action") or "").lower()
        if action != "export":
            return _plain(400, f"Unknown action {action[:40]!r} for GET; use action=export.")
        try:
            window = export_window(query.get("start_date"), query.get("end_date"))
            page = parse_page(query.get("page"))
        except ValueError as exc:
            state.count(_METRIC, action="export", outcome="bad_request")
            return _plain(400, str(exc))
        total = order_export.count(state.engine, window)
        pages = max(1, -(-total // page_size))
        state.count(_METRIC, action="export", outcome="ok")
        body = xml_export.document(pages, order_export.page_xml(state.engine, window, page, page_size))
        return StreamingResponse(body, media_type="application/xml; charset=utf-8")

    @api.post(PATH)
    async def notify(request: Request) -> Response:
        refused = _refuse(state, request, "shipnotify")
        if refused is not None:
            return refused
        action = (request.query_params.get("action") or "").lower()
        if action != "shipnotify":
            return _plain(400, f"Unknown action {action[:40]!r} for POST; use action=shipnotify.")
        body = await _read_limited(request, max_notice_bytes)
        if body is None:
            state.count(_METRIC, action="shipnotify", outcome="too_large")
            return _plain(413, f"The ship notice is larger than {max_notice_bytes} bytes.")
        try:
            notice = parse(body, request.query_params)
            result = await run_in_threadpool(shipnotify.apply, state, notice)
        except NoticeError as exc:
            state.count(_METRIC, action="shipnotify", outcome=str(exc.status))
            return _plain(exc.status, exc.message)
        except (CenterUnavailable, CenterRefused) as exc:
            # ShipStation retries a failed notice later; nothing was half-applied (one push, one transaction).
            state.count(_METRIC, action="shipnotify", outcome="503")
            return _plain(503, f"The hub cannot reach the center right now: {exc}")
        state.count(_METRIC, action="shipnotify", outcome=result.outcome)
        if result.outcome == "shipped" and after_ship is not None:
            await run_in_threadpool(after_ship, result)
        return _plain(200, f"Order {result.order_number} {result.outcome}: {result.tracking_number}")

    return api
