"""Applying carrier tracking news to the center, as the bench's `apply_tracking` does locally.

Each new event becomes a `tracking_events` record whose id is domain.ids.tracking_event_id (the same id
a bench polling the carrier derives, so bench and hub never store a scan twice); the shipment's status
moves forward along the domain's state machine (the center keeps it forward-only whatever arrives);
the order follows with the status the shipment implies (domain.states.order_status_for_shipment) and
a status-history row; an exception scan opens one supervisor exception per problem.

Every mutation id is derived from the event ids that caused it, so a replayed or retried delivery
pushes the very same mutations and the center answers them as duplicates: a no-op.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import text

from shipstation_desktop.carriers.port import CarrierEvent
from shipstation_desktop.domain.enums import OrderStatus, ShipmentStatus
from shipstation_desktop.domain.exception_rules import dedup_key, severity_for
from shipstation_desktop.domain.ids import tracking_event_id
from shipstation_desktop.domain.states import ORDER_TRANSITIONS, SHIPMENT_TRANSITIONS, order_status_for_shipment
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.sync.port import Mutation

from .record_rows import as_json, full_row
from .state import HUB_BENCH_ID, HubState

_NAMESPACE = uuid.UUID("3f6b8e52-0c1d-4a7e-9f25-7b4d6a1c8e90")
SOURCE = "webhook"


class UnknownShipment(Exception):
    """No live shipment on the center has this tracking number."""


@dataclass(frozen=True, slots=True)
class TrackingNews:
    """What a webhook says about one parcel (events in any order)."""

    tracking_number: str
    events: Sequence[CarrierEvent]
    estimated_delivery: datetime | None = None
    delivered_at: datetime | None = None
    signed_by: str = ""
    proof_url: str = ""


@dataclass(frozen=True, slots=True)
class Applied:
    shipment_id: str
    tracking_number: str
    carrier: str
    new_events: int
    duplicate_events: int
    status: str
    order_status: str | None
    rejected: list[str] = field(default_factory=list)


def derived_id(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "|".join(parts)))


def normalize_number(raw: str) -> str:
    return "".join(raw.split()).upper()


def _find_shipment(conn: Any, number: str) -> tuple[str, int, dict[str, Any]] | None:
    row = conn.execute(
        text(
            "SELECT id, version, data FROM records WHERE entity = 'shipments' AND data->>'tracking_number' = :n "
            "AND NOT deleted ORDER BY (data->>'superseded_by') IS NOT NULL, id LIMIT 1"
        ),
        {"n": number},
    ).first()
    return None if row is None else (row[0], row[1], dict(row[2]))


def _existing(conn: Any, entity: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    rows = conn.execute(
        text("SELECT id, data FROM records WHERE entity = :e AND id = ANY(:ids)"), {"e": entity, "ids": ids}
    )
    return {r[0]: dict(r[1]) for r in rows}


def _sync_fields(now: datetime) -> dict[str, Any]:
    return {"created_at": now, "updated_at": now, "bench_id": HUB_BENCH_ID, "version": 1}


def apply(state: HubState, news: TrackingNews) -> Applied:
    """Stores the new events and moves the shipment and its order forward. Raises UnknownShipment."""
    number = normalize_number(news.tracking_number)
    now = state.config.now()
    with state.engine.connect() as conn:
        found = _find_shipment(conn, number)
        if found is None:
            raise UnknownShipment(number)
        shipment_id, _version, shipment = found
        carrier = str(shipment.get("carrier") or "")
        stored_number = str(shipment.get("tracking_number") or number)
        # ids as a bench derives them: from the shipment's own carrier code and tracking number
        events = sorted(news.events, key=lambda e: e.time)
        ids = [tracking_event_id(carrier, stored_number, e.time, e.code) for e in events]
        known = set(_existing(conn, "tracking_events", ids))
        order_row = conn.execute(
            text("SELECT version, data FROM records WHERE entity = 'orders' AND id = :i AND NOT deleted"),
            {"i": str(shipment.get("order_id") or "")},
        ).first()

    fresh: list[tuple[str, CarrierEvent]] = []
    seen: set[str] = set()
    for event_id, event in zip(ids, events, strict=True):
        if event_id in known or event_id in seen:
            continue
        seen.add(event_id)
        fresh.append((event_id, event))
    duplicates = len(events) - len(fresh)
    if not fresh:
        current = str(order_row[1].get("status")) if order_row is not None else None
        return Applied(shipment_id, stored_number, carrier, 0, duplicates, str(shipment.get("status")), current)

    mutations: list[Mutation] = []
    for event_id, event in fresh:
        row = full_row(
            t.TrackingEvent,
            _sync_fields(now)
            | {
                "id": event_id,
                "shipment_id": shipment_id,
                "status": event.status.value,
                "description": event.description[:2000],
                "location": event.location[:200],
                "timestamp": event.time,
                "carrier_code": event.code[:64],
                "exception_type": event.exception.value if event.exception else None,
            },
        )
        mutations.append(Mutation(derived_id("event", event_id), "tracking_events", event_id, "insert", None, row))

    status, moved_by, history = _advance(shipment, fresh)
    mutations += _shipment_update(shipment_id, shipment, news, status, moved_by, history, now)
    order_status: str | None = None
    if order_row is not None:
        order_mutations, order_status = _order_follow(order_row[0], dict(order_row[1]), shipment, status, moved_by, now)
        mutations += order_mutations
    mutations += _exceptions(state, shipment_id, shipment, fresh, now)

    results = state.push(mutations)
    rejected = [f"{m.entity}: {r.reason}" for m, r in zip(mutations, results, strict=True) if r.outcome == "rejected"]
    return Applied(shipment_id, stored_number, carrier, len(fresh), duplicates, status.value, order_status, rejected)


def _advance(
    shipment: dict[str, Any], fresh: list[tuple[str, CarrierEvent]]
) -> tuple[ShipmentStatus, str, list[dict[str, Any]]]:
    """The status the new events lead to (oldest first; stale or backward news never moves it), the id
    of the last event that moved it ("" when none did) and the history entries to append."""
    try:
        status = ShipmentStatus(str(shipment.get("status")))
    except ValueError:
        status = ShipmentStatus.PENDING
    moved_by = ""
    history: list[dict[str, Any]] = []
    for event_id, event in fresh:
        if event.status != status and event.status in SHIPMENT_TRANSITIONS[status]:
            status = event.status
            moved_by = event_id
            history.append({"status": status.value, "at": event.time.isoformat(), "note": "from webhook"})
    return status, moved_by, history


def _shipment_update(
    shipment_id: str,
    shipment: dict[str, Any],
    news: TrackingNews,
    status: ShipmentStatus,
    moved_by: str,
    history: list[dict[str, Any]],
    now: datetime,
) -> list[Mutation]:
    changes: dict[str, Any] = {}
    if moved_by:
        changes["status"] = status.value
        changes["status_history"] = [*(shipment.get("status_history") or []), *history]
        changes["last_status_update"] = history[-1]["at"]
    extras = {
        "estimated_delivery": news.estimated_delivery,
        "actual_delivery": news.delivered_at,
        "delivery_signature": news.signed_by[:200] or None,
        "delivery_photo": news.proof_url[:500] or None,
    }
    for name, value in extras.items():
        if value is not None and as_json(value) != shipment.get(name):
            changes[name] = as_json(value)
    if "estimated_delivery" in changes and not shipment.get("promised_delivery"):
        changes["promised_delivery"] = changes["estimated_delivery"]  # the first promise is what on-time means
    if not changes:
        return []
    payload = {**shipment, **changes, "id": shipment_id, "updated_at": now.isoformat()}
    key = moved_by or "|".join(sorted(str(v) for v in changes.values()))
    return [
        Mutation(
            derived_id("shipment", shipment_id, key), "shipments", shipment_id, "update", None, payload, sorted(changes)
        )
    ]


def _order_follow(
    version: int,
    order: dict[str, Any],
    shipment: dict[str, Any],
    status: ShipmentStatus,
    moved_by: str,
    now: datetime,
) -> tuple[list[Mutation], str | None]:
    current_text = str(order.get("status"))
    target = order_status_for_shipment(status) if moved_by else None
    try:
        current = OrderStatus(current_text)
    except ValueError:
        return [], current_text
    if target is None or target == current or target not in ORDER_TRANSITIONS[current]:
        return [], current.value
    order_id = str(order["id"])
    history_id = derived_id("history", order_id, target.value, moved_by)
    history = full_row(
        t.OrderStatusHistory,
        _sync_fields(now)
        | {
            "id": history_id,
            "order_id": order_id,
            "status": target.value,
            "previous_status": current.value,
            "status_details": f"shipment {status.value.lower().replace('_', ' ')}",
            "tracking_number": str(shipment.get("tracking_number") or ""),
            "carrier": str(shipment.get("carrier") or ""),
            "notes": "carrier webhook",
            "created_by": "hub",
            "source": SOURCE,
        },
    )
    payload = {**order, "status": target.value, "updated_at": now.isoformat()}
    return [
        Mutation(
            derived_id("order", order_id, target.value, moved_by),
            "orders",
            order_id,
            "update",
            version,
            payload,
            ["status"],
        ),
        Mutation(
            derived_id("history-mutation", history_id), "order_status_history", history_id, "insert", None, history
        ),
    ], target.value


def _exceptions(
    state: HubState, shipment_id: str, shipment: dict[str, Any], fresh: list[tuple[str, CarrierEvent]], now: datetime
) -> list[Mutation]:
    """One supervisor exception per (type, shipment) while it is open; a new one after it was resolved."""
    wanted: dict[str, tuple[str, CarrierEvent]] = {}
    for event_id, event in fresh:
        if event.exception is not None:
            wanted.setdefault(event.exception.value, (event_id, event))
    if not wanted:
        return []
    keys = {
        kind: dedup_key(event.exception, shipment_id, None) for kind, (_, event) in wanted.items() if event.exception
    }
    with state.engine.connect() as conn:
        existing = _existing(conn, "shipment_exceptions", [derived_id("exception", k) for k in keys.values()])
    mutations = []
    for kind, (event_id, event) in wanted.items():
        assert event.exception is not None
        exception_id = derived_id("exception", keys[kind])
        current = existing.get(exception_id)
        if current is not None and not current.get("resolved_at"):
            continue  # the same problem is already open for a supervisor
        if current is not None:
            exception_id = derived_id("exception", keys[kind], event_id)
        text_ = f"{shipment.get('tracking_number')}: {event.description} ({event.location})".strip()
        row = full_row(
            t.ShipmentException,
            _sync_fields(now)
            | {
                "id": exception_id,
                "shipment_id": shipment_id,
                "order_id": shipment.get("order_id"),
                "type": kind,
                "severity": severity_for(event.exception).value,
                "description": text_,
                "dedup_key": keys[kind],
            },
        )
        mutations.append(
            Mutation(
                derived_id("exception-mutation", exception_id), "shipment_exceptions", exception_id, "insert", None, row
            )
        )
    return mutations
