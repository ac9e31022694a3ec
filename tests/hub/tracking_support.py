"""Shared by the tracking page tests: a parcel shipped on a real bench and synced to the center,
changes pushed to the center as the hub would (HubState.push), the hub served by a real uvicorn on
127.0.0.1, and a small Server-Sent Events reader."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import uvicorn
from fastapi import FastAPI

from shipstation_desktop.domain.ids import uuid7
from shipstation_desktop.domain.units import Weight
from shipstation_desktop.hub.state import HUB_BENCH_ID, HubState
from shipstation_desktop.services import central, packing
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.sync.port import Mutation, MutationResult
from tests.fakes.orders import add_order

CUSTOMER_NAME = "Zoltan Quimby"


@dataclass(frozen=True)
class Parcel:
    shipment_id: str
    tracking_number: str
    order_number: str
    carrier: str
    shipped_at: datetime


def ship_parcel(bench: Bench, order_number: str = "SO-T1") -> Parcel:
    add_order(bench, order_number, name=CUSTOMER_NAME)
    shipment = packing.ship(bench, order_number, weight=Weight.of("1.2", "kg")).shipment
    central.sync_once(bench)
    return Parcel(shipment.id, shipment.tracking_number, order_number, shipment.carrier, shipment.created_at)


def push_event(
    hub: HubState,
    parcel: Parcel,
    status: str,
    description: str,
    at: datetime,
    *,
    location: str = "",
    shipment_fields: dict[str, Any] | None = None,
) -> list[MutationResult]:
    """A carrier event and the shipment's new status, as the webhook receiver pushes them."""
    stamp = at.isoformat()
    event_id = packing.tracking_event_id(parcel.carrier, parcel.tracking_number, at, status)
    event = {
        "id": event_id,
        "shipment_id": parcel.shipment_id,
        "status": status,
        "description": description,
        "location": location,
        "timestamp": stamp,
        "carrier_code": status,
        "exception_type": None,
        "raw_data": None,
        "created_at": stamp,
        "updated_at": stamp,
        "deleted_at": None,
        "bench_id": HUB_BENCH_ID,
        "version": 1,
    }
    fields = {"status": status, "last_status_update": stamp, **(shipment_fields or {})}
    shipment = {"id": parcel.shipment_id, "updated_at": stamp, **fields}
    results = hub.push(
        [
            Mutation(uuid7(), "tracking_events", event_id, "insert", None, event),
            Mutation(uuid7(), "shipments", parcel.shipment_id, "update", None, shipment, sorted(fields)),
        ]
    )
    assert [r.outcome for r in results] == ["applied", "applied"], results
    return results


def later(parcel: Parcel, hours: float) -> datetime:
    return parcel.shipped_at + timedelta(hours=hours)


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """The app on a free 127.0.0.1 port, served by uvicorn in a background thread. The socket is
    listening before the thread starts, so a client may connect at once (the backlog holds it)."""
    # IPPROTO_TCP explicitly: with proto 0 asyncio never sets TCP_NODELAY on accepted connections and
    # every response waits ~40 ms for delayed ACKs.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="warning", lifespan="off", ws="none", http="h11", loop="asyncio", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        assert not thread.is_alive(), "uvicorn did not stop"


@dataclass(frozen=True)
class SseMessage:
    event: str
    data: str
    comment: str = ""

    def json(self) -> Any:
        return json.loads(self.data)


def sse_messages(lines: Iterator[str]) -> Iterator[SseMessage]:
    """Parses an event stream (WHATWG HTML §9.2.6): fields until a blank line; comments on their own."""
    event, data = "", list[str]()
    for line in lines:
        if line.startswith(":"):
            yield SseMessage("", "", comment=line[1:].strip())
        elif line == "":
            if data:
                yield SseMessage(event or "message", "\n".join(data))
            event, data = "", []
        else:
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "event":
                event = value
            elif name == "data":
                data.append(value)
