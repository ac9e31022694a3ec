"""Delivery receipts for customer notifications: `POST /webhooks/notifications`.

The e-mail relay or SMS provider (or a small relay in front of it) reports what happened to a
message the bench sent, signed like the tracking webhook (`X-SSD-Signature`, hub/signing.py):
{"provider_message_id": str, "status": "delivered" | "failed" | "clicked", "at": ISO 8601, "error": str?}.
The notification log record (a synced row) moves forward only — sent → delivered → clicked, or
sent → failed — so a late "delivered" never undoes a "clicked" and a repeated receipt changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from shipstation_desktop.sync.port import Mutation

from . import signing
from .state import HubState
from .tracking_apply import derived_id

# How far along a message is; a receipt is applied only if it moves the message further.
RANK = {"pending": 0, "deferred": 0, "sent": 1, "failed": 2, "dead": 2, "delivered": 2, "clicked": 3}


class ReceiptIn(BaseModel):
    provider_message_id: str = Field(min_length=1, max_length=200)
    status: Literal["delivered", "failed", "clicked"]
    at: datetime
    error: str = Field(default="", max_length=500)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def apply_receipt(state: HubState, receipt: ReceiptIn) -> tuple[int, dict[str, Any]]:
    with state.engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT id, data FROM records WHERE entity = 'notifications' AND NOT deleted "
                "AND data->>'provider_message_id' = :m ORDER BY id LIMIT 1"
            ),
            {"m": receipt.provider_message_id},
        ).first()
    if row is None:
        return 404, {"error": f"no notification with provider message id {receipt.provider_message_id!r}"}
    notification_id, data = row[0], dict(row[1])
    current = str(data.get("state") or "")
    if RANK.get(receipt.status, 0) <= RANK.get(current, 0):
        return 200, {"id": notification_id, "state": current, "changed": False}
    changes: dict[str, Any] = {"state": receipt.status}
    if receipt.status == "failed":
        changes["last_error"] = receipt.error or "the provider reported the message as failed"
    payload = {**data, **changes, "id": notification_id, "updated_at": state.config.now().isoformat()}
    mutation = Mutation(
        derived_id("receipt", notification_id, receipt.status),
        "notifications",
        notification_id,
        "update",
        None,
        payload,
        sorted(changes),
    )
    (result,) = state.push([mutation])
    if result.outcome == "rejected":
        return 409, {"error": result.reason}
    return 200, {"id": notification_id, "state": receipt.status, "changed": True}


def router(state: HubState) -> APIRouter:
    api = APIRouter()

    @api.post("/webhooks/notifications")
    async def receipt(request: Request) -> JSONResponse:
        body = await request.body()
        secret = state.secret("webhook_secret")
        if not secret:
            return _error(503, "The webhook secret is not configured on the hub (SSD_WEBHOOK_SECRET).")
        try:
            signing.verify(secret, request.headers.get(signing.HEADER), body, state.config.now())
        except signing.SignatureError as exc:
            state.count("hub_rejections_total", reason=exc.reason)
            return _error(exc.status, exc.message)
        try:
            parsed = ReceiptIn.model_validate_json(body)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            return _error(422, f"not a notification receipt: {where}: {first['msg']}")
        status, answer = await run_in_threadpool(apply_receipt, state, parsed)
        state.count("hub_notification_receipts_total", status=parsed.status, result=str(status))
        return JSONResponse(answer, status_code=status)

    return api
