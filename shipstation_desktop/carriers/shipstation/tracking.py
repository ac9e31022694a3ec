"""ShipStation API (ShipEngine) tracking: GET /v1/tracking answers normalised onto the bench's statuses.

Shape (https://shipengine.github.io/shipengine-openapi/#operation/get_tracking_log, schema
get_tracking_log_response_body): tracking_number, status_code (UN unknown, AC accepted, IT in transit,
DE delivered, EX exception, AT delivery attempt, NY not yet in system, SP delivered to collection
location), status_detail_code (SHIPMENT_CREATED … PARCEL_LOST), status_description, carrier_status_code,
estimated_delivery_date, actual_delivery_date, exception_description and events[] (occurred_at in UTC,
carrier_occurred_at in local time, description, city_locality, state_province, postal_code, country_code,
status_code, status_detail_code, carrier_status_code, event_code, signer, proof_of_delivery_url).
Errors: {"request_id", "errors": [{"error_source", "error_type", "error_code", "message"}]}.
"""

from __future__ import annotations

import re
from typing import Any

from shipstation_desktop.carriers.normalize import CodeTable, Mapped, join_location, load_json, parse_time, result
from shipstation_desktop.carriers.port import CarrierEvent, TrackingResult
from shipstation_desktop.domain.enums import ExceptionType, ShipmentStatus
from shipstation_desktop.domain.errors import CarrierError

NAME = "ShipStation"
S, X = ShipmentStatus, ExceptionType

STATUS_CODES = CodeTable(
    {
        "UN": (S.IN_TRANSIT, None),
        "AC": (S.PICKED_UP, None),
        "IT": (S.IN_TRANSIT, None),
        "DE": (S.DELIVERED, None),
        "EX": (S.IN_TRANSIT, None),  # refined by the detail code or the text
        "AT": (S.OUT_FOR_DELIVERY, X.DELIVERY_FAILED),
        "NY": (S.LABEL_CREATED, None),
        "SP": (S.DELIVERED, None),
    }
)

# status_detail_code is finer than status_code; only the codes that change the answer are listed.
DETAIL_CODES = CodeTable(
    {
        "SHIPMENT_CREATED": (S.LABEL_CREATED, None),
        "AWAITING_PICKUP_DROP_OFF": (S.LABEL_CREATED, None),
        "ELEC_ADVICE_RECD_BY_CARRIER": (S.LABEL_CREATED, None),
        "NOT_YET_RECEIVED_BY_CARRIER": (S.LABEL_CREATED, None),
        "DROPPED_OFF": (S.PICKED_UP, None),
        "PICKED_UP": (S.PICKED_UP, None),
        "RECEIVED_BY_CARRIER": (S.PICKED_UP, None),
        "OUT_FOR_DELIVERY": (S.OUT_FOR_DELIVERY, None),
        "ATTEMPTED_DELIVERY": (S.OUT_FOR_DELIVERY, X.DELIVERY_FAILED),
        "ATTEMPTED_DELIVERY_FINAL": (S.OUT_FOR_DELIVERY, X.DELIVERY_FAILED),
        "CUSTOMER_CARDED": (S.OUT_FOR_DELIVERY, X.DELIVERY_FAILED),
        "NOT_DELIVERED": (S.OUT_FOR_DELIVERY, X.DELIVERY_FAILED),
        "HELD_BY_CUSTOMS": (S.IN_TRANSIT, X.CUSTOMS_DELAY),
        "DUTY_NOT_PAID": (S.IN_TRANSIT, X.CUSTOMS_DELAY),
        "INCORRECT_DECLARATION": (S.IN_TRANSIT, X.CUSTOMS_DELAY),
        "ADDRESS_QUERY": (S.IN_TRANSIT, X.ADDRESS_ISSUE),
        "CUSTOMER_MOVED": (S.IN_TRANSIT, X.ADDRESS_ISSUE),
        "NO_ACCESS_TO_RECIPIENTS_ADDRESS": (S.IN_TRANSIT, X.ADDRESS_ISSUE),
        "MISROUTED": (S.IN_TRANSIT, X.ADDRESS_ISSUE),
        "REFUSED_BY_CUSTOMER": (S.IN_TRANSIT, X.REFUSED_BY_RECIPIENT),
        "PARCEL_DAMAGED": (S.IN_TRANSIT, X.DAMAGED_IN_TRANSIT),
        "DELIVERED_DAMAGED": (S.DELIVERED, X.DAMAGED_IN_TRANSIT),
        "PARCEL_LOST": (S.LOST, X.LOST_IN_TRANSIT),
        "PARCEL_DISPOSED": (S.LOST, X.LOST_IN_TRANSIT),
        "RETURN_TO_SENDER": (S.RETURNED_TO_SENDER, None),
        "UNDELIVERABLE_RETURNED_TO_SENDER": (S.RETURNED_TO_SENDER, None),
        "CANCELLED": (S.CANCELLED, None),
    },
    default=(S.IN_TRANSIT, None),
)

_EXCEPTION_TEXT: tuple[tuple[re.Pattern[str], Mapped], ...] = (
    (re.compile(r"return(ed|ing)? to (sender|shipper)", re.I), (S.RETURNED_TO_SENDER, None)),
    (re.compile(r"\blost\b", re.I), (S.LOST, X.LOST_IN_TRANSIT)),
    (re.compile(r"refus", re.I), (S.IN_TRANSIT, X.REFUSED_BY_RECIPIENT)),
    (re.compile(r"damag", re.I), (S.IN_TRANSIT, X.DAMAGED_IN_TRANSIT)),
    (re.compile(r"weather|storm|snow|hurricane|flood", re.I), (S.IN_TRANSIT, X.WEATHER_DELAY)),
    (re.compile(r"customs|clearance", re.I), (S.IN_TRANSIT, X.CUSTOMS_DELAY)),
    (re.compile(r"\baddress\b", re.I), (S.IN_TRANSIT, X.ADDRESS_ISSUE)),  # not "addressee"
    (re.compile(r"attempt|not available|business closed", re.I), (S.OUT_FOR_DELIVERY, X.DELIVERY_FAILED)),
)
_TERMINAL = frozenset({S.DELIVERED, S.RETURNED_TO_SENDER, S.LOST, S.DAMAGED, S.CANCELLED})


def map_event(status_code: str, detail_code: str, text: str) -> Mapped:
    if detail_code and detail_code.upper() in DETAIL_CODES.codes:
        return DETAIL_CODES.map(detail_code)
    mapped = STATUS_CODES.map(status_code)
    if status_code.upper() == "EX":
        for pattern, refined in _EXCEPTION_TEXT:
            if pattern.search(text):
                return refined
        return S.IN_TRANSIT, X.DELIVERY_FAILED  # an unexplained exception still needs a supervisor's look
    return mapped


def error_of(body: Any) -> tuple[str, str | None] | None:
    """ShipEngine's error body -> (message, error_code)."""
    if not isinstance(body, dict):
        return None
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        message = str(first.get("message") or "").strip()
        if message:
            return message, str(first.get("error_code") or "") or None
    return None


def parse_data(data: Any, number: str = "") -> TrackingResult:
    if not isinstance(data, dict):
        raise CarrierError(f"{NAME} tracking response is not a JSON object", "malformed")
    error = error_of(data)
    if error is not None and "status_code" not in data:
        message, code = error
        mapped = "not_found" if code in ("not_found", "tracking_number_not_found") else code or "error"
        raise CarrierError(f"{NAME}: {message}", mapped)
    number = str(data.get("tracking_number") or number).strip().upper()
    raw_events = data.get("events") or []
    top = str(data.get("status_code") or "").upper()
    if not number or not isinstance(raw_events, list):
        raise CarrierError(f"{NAME} tracking response has no tracking number or events", "malformed")
    if top == "UN" and not raw_events:
        why = str(data.get("status_description") or "unknown number")
        raise CarrierError(f"{NAME} has no tracking for {number} ({why})", "not_found")
    events: list[CarrierEvent] = []
    signed_by = proof_url = ""
    for raw in raw_events:
        if not isinstance(raw, dict):
            continue
        description = str(raw.get("description") or raw.get("status_description") or "").strip()
        when = parse_time(raw.get("occurred_at") or raw.get("carrier_occurred_at"))
        if when is None:
            raise CarrierError(f"{NAME} sent an event without a time", "malformed")
        status_code = str(raw.get("status_code") or "")
        detail = str(raw.get("status_detail_code") or "")
        mapped, exception = map_event(status_code, detail, description)
        if mapped is S.DELIVERED:
            signed_by = signed_by or str(raw.get("signer") or "")
        proof_url = proof_url or str(raw.get("proof_of_delivery_url") or "")
        events.append(
            CarrierEvent(
                time=when,
                status=mapped,
                code=str(raw.get("event_code") or raw.get("carrier_status_code") or status_code),
                description=description,
                location=join_location(raw.get("city_locality"), raw.get("state_province"), raw.get("country_code")),
                exception=exception,
            )
        )
    headline = map_event(top, str(data.get("status_detail_code") or ""), str(data.get("exception_description") or ""))
    # Only a final headline overrides the events; otherwise the furthest event decides.
    status: ShipmentStatus | None = headline[0] if headline[0] in _TERMINAL and top not in ("", "UN") else None
    return result(
        number,
        events,
        status=status,
        estimated_delivery=parse_time(data.get("estimated_delivery_date")),
        delivered_at=parse_time(data.get("actual_delivery_date")),
        signed_by=signed_by,
        proof_url=proof_url,
    )


def parse_tracking(body: bytes) -> TrackingResult:
    return parse_data(load_json(body, NAME))
