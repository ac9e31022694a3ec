"""Webhook receivers (issue 10; seed 000 "real-time tracking updates via webhooks", seed 003 ShipStation
order and ship notifications).

- POST /webhooks/tracking     our own JSON, HMAC-signed (hub/signing.py): {"carrier", "tracking_number",
                              "events": [{"time", "status", "code", "description", "location", "exception"?}]}
- POST /webhooks/shipengine   ShipStation API (ShipEngine) tracking webhooks, RSA-signed: {"resource_type":
                              "API_TRACK", "data": <a tracking response>} per
                              https://docs.shipstation.com/apis/shipengine/docs/guides/webhooks, parsed by
                              the ShipStation carrier's own tracking parser
- POST /webhooks/carrier/{code}  a carrier's native tracking response relayed as is, HMAC-signed like
                              /webhooks/tracking, parsed by that carrier's registered parser
- POST /webhooks/shipstation  ShipStation v1 ORDER_NOTIFY / SHIP_NOTIFY (hub/shipstation_api.py)

Answers: 200 with what was stored; 400/401 for signatures (hub_rejections_total), 404 JSON
{"error"} for a tracking number the center does not know (counted, and not retried forever by
well-behaved senders), 422 with one line per invalid field. Processing is idempotent: a delivery sent
twice stores its events once (hub/tracking_apply.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Annotated, Any

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.concurrency import run_in_threadpool

from shipstation_desktop.carriers import registry
from shipstation_desktop.carriers.port import CarrierEvent
from shipstation_desktop.carriers.shipstation.tracking import parse_data
from shipstation_desktop.domain.enums import ExceptionType, ShipmentStatus
from shipstation_desktop.domain.errors import CarrierError, UserError

from . import ops, shipstation_api, signing, tracking_apply
from .state import HubState

MAX_EVENTS = 500
_CARRIER = re.compile(r"^[a-z0-9_]{1,32}$")

Text = Annotated[str, Field(max_length=2000)]


class EventIn(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    time: AwareDatetime
    status: ShipmentStatus
    # The carrier's own code; a sender without one gets the status as the code (the event id needs one).
    code: Annotated[str, Field(max_length=64)] = ""
    description: Text = ""
    location: Annotated[str, Field(max_length=200)] = ""
    exception: ExceptionType | None = None

    @field_validator("status", "exception", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value


class TrackingIn(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    carrier: Annotated[str, Field(min_length=1, max_length=32)]
    tracking_number: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9 ._-]+$")]
    events: Annotated[list[EventIn], Field(min_length=1, max_length=MAX_EVENTS)]


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def _details(exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(p) for p in err["loc"]) or "body"
        out.append(f"{where}: {err['msg']}")
    return out[:20]


def _carrier_label(value: str) -> str:
    code = value.strip().lower()
    return code if _CARRIER.match(code) else "other"


def load_keys(jwks: str | None) -> dict[str, rsa.RSAPublicKey]:
    return signing.load_jwks(jwks) if jwks else {}


def router(
    state: HubState,
    *,
    shipengine_jwks: str | None = None,
    resource_hosts: tuple[str, ...] = (shipstation_api.API_HOST,),
    http_client: Callable[[tuple[str, str]], httpx.Client] | None = None,
    after_ship: shipstation_api.AfterShip = shipstation_api.after_ship,
) -> APIRouter:
    """`shipengine_jwks`: ShipEngine's JWKS document (else the secret "shipengine_jwks", read when the
    first ShipEngine webhook arrives); `resource_hosts`: hosts a ShipStation resource_url may name;
    `http_client`: builds the client for ShipStation's API from (key, secret)."""
    api = APIRouter()
    hosts = frozenset(h.lower() for h in resource_hosts)
    keys: dict[str, rsa.RSAPublicKey] | None = load_keys(shipengine_jwks) if shipengine_jwks else None

    def reject(reason: str, status: int, message: str) -> JSONResponse:
        state.count(ops.REJECTIONS, reason=reason)
        return _error(status, message)

    def count_events(carrier: str, result: str, amount: int = 1) -> None:
        if amount:
            state.count(ops.WEBHOOK_EVENTS, float(amount), carrier=_carrier_label(carrier), result=result)

    async def apply_news(carrier: str, news: tracking_apply.TrackingNews) -> JSONResponse:
        try:
            applied = await run_in_threadpool(tracking_apply.apply, state, news)
        except tracking_apply.UnknownShipment:
            count_events(carrier, "unknown_shipment", len(news.events))
            return _error(
                404, f"No shipment with tracking number {tracking_apply.normalize_number(news.tracking_number)}."
            )
        except UserError as exc:  # the center is down or refused the hub: the sender should retry
            count_events(carrier, "center_unavailable", len(news.events))
            return _error(503, str(exc))
        count_events(carrier, "stored", applied.new_events)
        count_events(carrier, "duplicate", applied.duplicate_events)
        body = {
            "tracking_number": applied.tracking_number,
            "events_stored": applied.new_events,
            "events_duplicate": applied.duplicate_events,
            "shipment_status": applied.status,
            "order_status": applied.order_status,
        }
        if applied.rejected:
            count_events(carrier, "rejected", len(applied.rejected))
            return JSONResponse({**body, "error": "; ".join(applied.rejected)[:500]}, status_code=409)
        return JSONResponse(body)

    def check_hmac(request: Request, body: bytes) -> JSONResponse | None:
        secret = state.secret("webhook_secret")
        if not secret:
            return _error(503, "The webhook secret is not configured on the hub (SSD_WEBHOOK_SECRET).")
        try:
            signing.verify(secret, request.headers.get(signing.HEADER), body, state.config.now())
        except signing.SignatureError as exc:
            return reject(exc.reason, exc.status, exc.message)
        return None

    @api.post("/webhooks/tracking")
    async def tracking(request: Request) -> JSONResponse:
        body = await request.body()
        refused = check_hmac(request, body)
        if refused is not None:
            return refused
        try:
            payload = TrackingIn.model_validate_json(body)
        except ValidationError as exc:
            count_events("other", "invalid")
            return _error(422, "The webhook body is not a valid tracking update.", details=_details(exc))
        events = [
            CarrierEvent(e.time, e.status, e.code or e.status.value, e.description, e.location, e.exception)
            for e in payload.events
        ]
        news = tracking_apply.TrackingNews(payload.tracking_number, events)
        return await apply_news(payload.carrier, news)

    @api.post("/webhooks/carrier/{code}")
    async def carrier_native(code: str, request: Request) -> JSONResponse:
        body = await request.body()
        refused = check_hmac(request, body)
        if refused is not None:
            return refused
        try:
            info = registry.get(code)
        except UserError:
            return _error(404, f"Unknown carrier {code[:32]!r}.")
        if info.parse_tracking is None:
            return _error(404, f"{info.name} has no tracking parser.")
        try:
            result = info.parse_tracking(body)
        except CarrierError as exc:
            count_events(info.code, "invalid")
            return _error(422, f"The {info.name} tracking body cannot be read: {exc}")
        news = tracking_apply.TrackingNews(
            result.tracking_number,
            result.events,
            result.estimated_delivery,
            result.delivered_at,
            result.signed_by,
            result.proof_url,
        )
        return await apply_news(info.code, news)

    @api.post("/webhooks/shipengine")
    async def shipengine(request: Request) -> JSONResponse:
        nonlocal keys
        body = await request.body()
        if keys is None:
            try:
                keys = load_keys(state.secret("shipengine_jwks"))
            except ValueError as exc:
                return _error(503, f"The ShipEngine public keys cannot be read: {exc}")
        if not keys:
            return _error(503, "ShipEngine's public keys (JWKS) are not configured on the hub (SSD_SHIPENGINE_JWKS).")
        try:
            signing.verify_shipengine(keys, request.headers, body, state.config.now())
        except signing.SignatureError as exc:
            return reject(exc.reason, exc.status, exc.message)
        try:
            payload = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _error(422, "The webhook body is not JSON.")
        if not isinstance(payload, dict):
            return _error(422, "The webhook body is not a JSON object.")
        kind = str(payload.get("resource_type") or "")
        if kind != "API_TRACK":
            state.count(ops.WEBHOOK_EVENTS, carrier="shipstation", result="ignored")
            return JSONResponse({"ignored": f"resource_type {kind[:40]!r} is not handled"}, status_code=202)
        data = payload.get("data")
        carrier = str(data.get("carrier_code") or "shipstation") if isinstance(data, dict) else "shipstation"
        try:
            result = parse_data(data)
        except CarrierError as exc:
            count_events(carrier, "invalid")
            return _error(422, f"The tracking data cannot be read: {exc}")
        news = tracking_apply.TrackingNews(
            result.tracking_number,
            result.events,
            result.estimated_delivery,
            result.delivered_at,
            result.signed_by,
            result.proof_url,
        )
        return await apply_news(carrier, news)

    def client_for(key: str, secret: str) -> httpx.Client:
        if http_client is not None:
            return http_client((key, secret))
        return httpx.Client(auth=(key, secret), timeout=15.0, follow_redirects=False)

    def process_shipstation(payload: dict[str, Any]) -> shipstation_api.Outcome:
        key, secret = state.secret("shipstation_api_key"), state.secret("shipstation_api_secret")
        if not key or not secret:
            raise shipstation_api.ResourceError(
                503, "unconfigured", "The ShipStation API key and secret are not configured on the hub."
            )
        with client_for(key, secret) as client:
            return shipstation_api.process(state, client, payload, hosts, after_ship)

    @api.post("/webhooks/shipstation")
    async def shipstation(request: Request) -> JSONResponse:
        try:
            payload = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _error(422, "The webhook body is not JSON.")
        if not isinstance(payload, dict):
            return _error(422, "The webhook body is not a JSON object.")
        try:
            outcome = await run_in_threadpool(process_shipstation, payload)
        except shipstation_api.ResourceError as exc:
            if exc.reason in ("forbidden_host", "bad_resource_url"):
                state.count(ops.REJECTIONS, reason="ssrf" if exc.reason == "forbidden_host" else exc.reason)
            state.count(ops.WEBHOOK_EVENTS, carrier="shipstation", result=exc.reason)
            return _error(exc.status, exc.message)
        except UserError as exc:
            state.count(ops.WEBHOOK_EVENTS, carrier="shipstation", result="center_unavailable")
            return _error(503, str(exc))
        for result, items in (
            ("stored", outcome.created + outcome.updated + outcome.shipped),
            ("duplicate", outcome.duplicates + outcome.unchanged),
            ("skipped", outcome.skipped),
        ):
            count_events("shipstation", result, len(items))
        return JSONResponse(outcome.as_json())

    return api
