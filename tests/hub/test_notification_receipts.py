"""Delivery receipts move a notification's log state forward at the center, signed and idempotent."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from shipstation_desktop.domain.ids import uuid7
from shipstation_desktop.hub import notification_receipts, signing
from shipstation_desktop.hub.record_rows import full_row
from shipstation_desktop.hub.state import HubConfig, HubState
from shipstation_desktop.persistence.notification_tables import Notification
from shipstation_desktop.sync.port import Mutation

from .tracking_support import serve

pytestmark = pytest.mark.postgres
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def hub(center: str, hub_secrets: dict[str, str]) -> Iterator[HubState]:
    state = HubState(HubConfig(central_url=center, secret=hub_secrets.get, now=lambda: NOW))
    yield state
    state.close()


@pytest.fixture
def client(hub: HubState) -> Iterator[httpx.Client]:
    app = FastAPI()
    app.include_router(notification_receipts.router(hub))
    with serve(app) as url, httpx.Client(base_url=url, timeout=30) as c:
        yield c


@pytest.fixture
def sent(hub: HubState) -> str:
    """A notification a bench sent, as the center holds it."""
    nid = uuid7()
    row = full_row(
        Notification,
        {
            "id": nid,
            "order_id": uuid7(),
            "trigger": "shipped",
            "channel": "sms",
            "language": "es",
            "recipient": "+34600000000",
            "state": "sent",
            "send_after": NOW,
            "sent_at": NOW,
            "provider_message_id": "msg-42",
            "created_at": NOW,
            "updated_at": NOW,
            "bench_id": "bench-a",
            "version": 1,
        },
    )
    (result,) = hub.push([Mutation(uuid7(), "notifications", nid, "insert", None, row)])
    assert result.outcome == "applied", result.reason
    return nid


def post(client: httpx.Client, body: dict[str, object], secret: str) -> httpx.Response:
    raw = json.dumps(body).encode()
    header = signing.sign(secret, int(NOW.timestamp()), raw)
    return client.post("/webhooks/notifications", content=raw, headers={signing.HEADER: header})


def state_of(hub: HubState, nid: str) -> str:
    with hub.engine.connect() as conn:
        return str(conn.execute(text("SELECT data->>'state' FROM records WHERE id = :i"), {"i": nid}).scalar())


def test_receipts_move_the_state_forward_only(
    client: httpx.Client, hub: HubState, sent: str, hub_secrets: dict[str, str]
) -> None:
    secret = hub_secrets["webhook_secret"]
    delivered = {"provider_message_id": "msg-42", "status": "delivered", "at": NOW.isoformat()}
    answer = post(client, delivered, secret)
    assert answer.status_code == 200 and answer.json() == {"id": sent, "state": "delivered", "changed": True}
    assert post(client, delivered, secret).json()["changed"] is False  # the same receipt again
    clicked = post(client, {**delivered, "status": "clicked"}, secret)
    assert clicked.json()["state"] == "clicked"
    late = post(client, delivered, secret)  # a late "delivered" never undoes the click
    assert late.json() == {"id": sent, "state": "clicked", "changed": False}
    assert state_of(hub, sent) == "clicked"


def test_unsigned_unknown_and_malformed_receipts(client: httpx.Client, sent: str, hub_secrets: dict[str, str]) -> None:
    body = {"provider_message_id": "msg-42", "status": "delivered", "at": NOW.isoformat()}
    assert post(client, body, "wrong-secret").status_code == 401
    assert post(client, {**body, "provider_message_id": "nope"}, hub_secrets["webhook_secret"]).status_code == 404
    bad = post(client, {**body, "status": "exploded"}, hub_secrets["webhook_secret"])
    assert bad.status_code == 422 and "status" in bad.json()["error"]
