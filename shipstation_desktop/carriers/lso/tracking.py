"""LSO tracking: seed 004's TrackingResult JSON normalised onto the bench's statuses.

    {"trackingNumber": "LSO…", "status": "in_transit", "currentLocation": "Austin, TX",
     "estimatedDelivery": "…Z", "history": [{"id", "status", "location", "description", "timestamp"}],
     "deliveryProof": {"deliveredAt", "recipientName", "signature", "photo", "notes"} | null}

Seed 004's ShipmentStatus has one `exception` value; what went wrong is in the event's text, so the
exception type is read from it (weather, address, damage, loss, refusal, customs, failed attempt).
"""

from __future__ import annotations

import re
from typing import Any

from shipstation_desktop.carriers.normalize import CodeTable, Mapped, load_json, parse_time, result
from shipstation_desktop.carriers.port import CarrierEvent, TrackingResult
from shipstation_desktop.domain.enums import ExceptionType, ShipmentStatus
from shipstation_desktop.domain.errors import CarrierError

NAME = "LSO"
S, X = ShipmentStatus, ExceptionType

STATUSES = CodeTable(
    {
        "DRAFT": (S.PENDING, None),
        "PENDING_PICKUP": (S.LABEL_CREATED, None),
        "PICKED_UP": (S.PICKED_UP, None),
        "IN_TRANSIT": (S.IN_TRANSIT, None),
        "OUT_FOR_DELIVERY": (S.OUT_FOR_DELIVERY, None),
        "DELIVERED": (S.DELIVERED, None),
        "EXCEPTION": (S.IN_TRANSIT, None),  # refined by the text below
        "CANCELLED": (S.CANCELLED, None),
    }
)

_EXCEPTION_TEXT: tuple[tuple[re.Pattern[str], Mapped], ...] = (
    (re.compile(r"return(ed|ing)? to sender", re.I), (S.RETURNED_TO_SENDER, None)),
    (re.compile(r"\blost\b|cannot be located", re.I), (S.LOST, X.LOST_IN_TRANSIT)),
    (re.compile(r"refus", re.I), (S.IN_TRANSIT, X.REFUSED_BY_RECIPIENT)),
    (re.compile(r"damag", re.I), (S.IN_TRANSIT, X.DAMAGED_IN_TRANSIT)),
    (re.compile(r"weather|storm|snow|flood", re.I), (S.IN_TRANSIT, X.WEATHER_DELAY)),
    (re.compile(r"customs", re.I), (S.IN_TRANSIT, X.CUSTOMS_DELAY)),
    (re.compile(r"\baddress\b", re.I), (S.IN_TRANSIT, X.ADDRESS_ISSUE)),  # not "addressee"
    (re.compile(r"attempt|not home|no one|unable to deliver|closed", re.I), (S.OUT_FOR_DELIVERY, X.DELIVERY_FAILED)),
)


def map_event(status: str, description: str) -> Mapped:
    mapped = STATUSES.map(status)
    if status.strip().lower() == "exception":
        for pattern, refined in _EXCEPTION_TEXT:
            if pattern.search(description):
                return refined
        return S.IN_TRANSIT, X.DELIVERY_FAILED  # an exception LSO did not explain still needs a look
    return mapped


def parse_data(data: Any, number: str = "") -> TrackingResult:
    if not isinstance(data, dict):
        raise CarrierError(f"{NAME} tracking response is not a JSON object", "malformed")
    error = data.get("error")
    if isinstance(error, dict):
        code = str(error.get("code") or "error")
        message = str(error.get("message") or "unknown error")
        mapped = "not_found" if code == "NOT_FOUND" else code
        raise CarrierError(f"{NAME} has no tracking for {number or 'this number'} ({message})", mapped)
    number = str(data.get("trackingNumber") or number).strip().upper()
    history = data.get("history")
    if not number or not isinstance(history, list):
        raise CarrierError(f"{NAME} tracking response has no tracking number or history", "malformed")
    events: list[CarrierEvent] = []
    for raw in history:
        if not isinstance(raw, dict):
            continue
        code = str(raw.get("status") or "")
        description = str(raw.get("description") or "").strip()
        when = parse_time(raw.get("timestamp"))
        if when is None:
            raise CarrierError(f"{NAME} sent an event without a timestamp", "malformed")
        mapped, exception = map_event(code, description)
        events.append(CarrierEvent(when, mapped, code, description or code, str(raw.get("location") or ""), exception))
    top = str(data.get("status") or "")
    # An "exception" headline says nothing about how far the parcel got: let the events decide.
    status: ShipmentStatus | None = None if top.lower() in ("", "exception") else STATUSES.map(top)[0]
    proof = data.get("deliveryProof") if isinstance(data.get("deliveryProof"), dict) else None
    return result(
        number,
        events,
        status=status,
        estimated_delivery=parse_time(data.get("estimatedDelivery")),
        delivered_at=parse_time(proof.get("deliveredAt")) if proof else None,
        signed_by=str(proof.get("recipientName") or "") if proof else "",
        proof_url=str(proof.get("photo") or "") if proof else "",
        service=str(data.get("serviceType") or ""),
    )


def parse_tracking(body: bytes) -> TrackingResult:
    return parse_data(load_json(body, NAME))
