"""USPS Tracking 3.0 answers -> TrackingResult.

Shape: GET /tracking/v3/tracking/{number}?expand=DETAIL (https://developer.usps.com/trackingv3, examples at
github.com/USPS/api-examples): trackingNumber, statusCategory, status, statusSummary,
expectedDeliveryTimeStamp, trackingEvents[] {eventType, eventTimestamp, GMTTimestamp, GMTOffset,
eventCode, eventCity, eventState, eventZIP, eventCountry, name}. eventTimestamp is the local time of the
scan (sometimes written with a misleading "Z"); GMTTimestamp / GMTOffset, where present, say where it is.
Errors come as {"apiVersion", "error": {"code", "message", "errors": [{"status", "code", "title", "detail"}]}}.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from shipstation_desktop.domain.enums import ExceptionType, ShipmentStatus
from shipstation_desktop.domain.errors import CarrierError

from ..normalize import CodeTable, Mapped, join_location, load_json, offset_tz, parse_time, result
from ..port import CarrierEvent, TrackingResult

CARRIER_NAME = "USPS"
TRACKING_URL = "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}"
NOT_FOUND = "not_found"

_S = ShipmentStatus
_X = ExceptionType

# USPS event codes (Publication 199 / IMpb scan event codes as the Tracking API reports them).
EVENT_CODES = CodeTable(
    codes={
        "GX": (_S.LABEL_CREATED, None),  # shipping label created, USPS awaiting item
        "MA": (_S.LABEL_CREATED, None),  # manifest acknowledgement (pre-shipment)
        "03": (_S.PICKED_UP, None),  # accepted / USPS in possession of item
        "OA": (_S.PICKED_UP, None),  # accepted at origin facility
        "80": (_S.PICKED_UP, None),  # picked up by the carrier from the shipper
        "06": (_S.IN_TRANSIT, None),  # forwarded
        "07": (_S.IN_TRANSIT, None),  # arrival at unit
        "08": (_S.IN_TRANSIT, None),  # missent
        "10": (_S.IN_TRANSIT, None),  # processed through facility
        "PC": (_S.IN_TRANSIT, None),  # sorting complete
        "59": (_S.OUT_FOR_DELIVERY, None),  # out for delivery
        "OF": (_S.OUT_FOR_DELIVERY, None),  # out for delivery
        "16": (_S.OUT_FOR_DELIVERY, None),  # available for pickup at the post office
        "01": (_S.DELIVERED, None),
        "17": (_S.DELIVERED, None),  # picked up at the post office by the addressee
        "02": (_S.IN_TRANSIT, _X.DELIVERY_FAILED),  # notice left, no authorized recipient available
        "27": (_S.IN_TRANSIT, _X.DELIVERY_FAILED),  # receptacle full / item oversized
        "51": (_S.IN_TRANSIT, _X.DELIVERY_FAILED),  # business closed
        "52": (_S.IN_TRANSIT, _X.DELIVERY_FAILED),  # notice left, receptacle blocked
        "53": (_S.IN_TRANSIT, _X.DELIVERY_FAILED),  # receptacle full
        "54": (_S.IN_TRANSIT, _X.DELIVERY_FAILED),  # no secure location available
        "55": (_S.IN_TRANSIT, _X.DELIVERY_FAILED),  # no access to delivery location
        "56": (_S.IN_TRANSIT, _X.DELIVERY_FAILED),  # animal interference
        "04": (_S.IN_TRANSIT, _X.REFUSED_BY_RECIPIENT),  # refused
        "05": (_S.IN_TRANSIT, _X.ADDRESS_ISSUE),  # undeliverable as addressed
        "21": (_S.IN_TRANSIT, _X.ADDRESS_ISSUE),  # no such number
        "22": (_S.IN_TRANSIT, _X.ADDRESS_ISSUE),  # insufficient address
        "23": (_S.IN_TRANSIT, _X.ADDRESS_ISSUE),  # moved, left no address
        "24": (_S.IN_TRANSIT, _X.ADDRESS_ISSUE),  # forward expired
        "25": (_S.IN_TRANSIT, _X.ADDRESS_ISSUE),  # addressee unknown
        "26": (_S.IN_TRANSIT, _X.ADDRESS_ISSUE),  # vacant
        "28": (_S.IN_TRANSIT, _X.ADDRESS_ISSUE),  # unclaimed / illegible
        "09": (_S.RETURNED_TO_SENDER, None),  # returned to sender
        "29": (_S.RETURNED_TO_SENDER, None),  # return to sender, not picked up
        "31": (_S.RETURNED_TO_SENDER, None),  # return to sender, processed
        "11": (_S.LOST, _X.LOST_IN_TRANSIT),  # dead letter: sent to the mail recovery center
        "44": (_S.CANCELLED, None),  # customer recall
    },
)

# statusCategory as the API words it; used when an event code is not in the table above.
CATEGORIES: dict[str, Mapped] = {
    "PRE-SHIPMENT": (_S.LABEL_CREATED, None),
    "ACCEPTED": (_S.PICKED_UP, None),
    "IN TRANSIT": (_S.IN_TRANSIT, None),
    "OUT FOR DELIVERY": (_S.OUT_FOR_DELIVERY, None),
    "AVAILABLE FOR PICKUP": (_S.OUT_FOR_DELIVERY, None),
    "DELIVERY ATTEMPT": (_S.IN_TRANSIT, _X.DELIVERY_FAILED),
    "ALERT": (_S.IN_TRANSIT, None),
    "DELIVERED": (_S.DELIVERED, None),
    "RETURN TO SENDER": (_S.RETURNED_TO_SENDER, None),
}

_NOT_FOUND_HINTS = ("not found", "could not locate", "no record", "invalid tracking")
_END_OF_DAY = time(23, 59)


def parse_body(body: bytes) -> TrackingResult:
    """INFO.parse_tracking: one raw Tracking 3.0 response body."""
    return parse(load_json(body, CARRIER_NAME))


def parse(data: Any, number: str = "", status_code: int | None = None) -> TrackingResult:
    if not isinstance(data, dict):
        raise CarrierError("USPS tracking response is not a JSON object", "malformed")
    if isinstance(data.get("error"), dict):
        raise error_of(data, number, status_code)
    tracking_number = str(data.get("trackingNumber") or number).strip()
    if not tracking_number:
        raise CarrierError("USPS tracking response names no tracking number", "malformed")
    raw_events = data.get("trackingEvents") or []
    if not isinstance(raw_events, list):
        raise CarrierError("USPS tracking response has unreadable trackingEvents", "malformed")
    category = _category(data.get("statusCategory"))
    # USPS lists the newest scan first; only that one may borrow the overall category for an unknown code.
    events = [_event(e, category if i == 0 else None) for i, e in enumerate(raw_events) if isinstance(e, dict)]
    status = None if events else (category[0] if category else _S.LABEL_CREATED)
    delivered = next((e for e in raw_events if isinstance(e, dict) and e.get("eventCode") in ("01", "17")), None)
    return result(
        tracking_number,
        events,
        status=status,
        estimated_delivery=_estimate(data),
        signed_by=str((delivered or {}).get("name") or ""),
        service=_plain(data.get("mailClass")),
    )


def error_of(data: dict[str, Any], number: str = "", status_code: int | None = None) -> CarrierError:
    """The error body as one sentence; unknown numbers get the NOT_FOUND code track_many skips."""
    message, code = error_message(data) or ("the request was refused", None)
    if status_code == 404 or any(hint in message.lower() for hint in _NOT_FOUND_HINTS):
        what = number or "this number"
        return CarrierError(f"USPS has no tracking information for {what} ({message})", NOT_FOUND)
    return CarrierError(f"USPS: {message}", code or (str(status_code) if status_code else None))


def error_message(body: Any) -> tuple[str, str | None] | None:
    """USPS error body -> (message, code); the specific inner error wins over the HTTP-level one."""
    if not isinstance(body, dict) or not isinstance(body.get("error"), dict):
        return None
    error = body["error"]
    inner = error.get("errors")
    first = inner[0] if isinstance(inner, list) and inner and isinstance(inner[0], dict) else {}
    message = first.get("detail") or first.get("title") or error.get("message")
    if not message:
        return None
    code = first.get("code") or error.get("code")
    return str(message).strip(), (str(code) if code not in (None, "") else None)


def _category(value: Any) -> Mapped | None:
    return CATEGORIES.get(str(value or "").strip().upper())


def _event(event: dict[str, Any], category: Mapped | None) -> CarrierEvent:
    code = str(event.get("eventCode") or "").strip().upper()
    fallback = category if category and category[0] is not _S.DELIVERED else None
    status, exception = EVENT_CODES.map(code, fallback)
    return CarrierEvent(
        time=_event_time(event),
        status=status,
        code=code or str(event.get("eventType") or ""),
        description=str(event.get("eventType") or "").strip(),
        location=join_location(event.get("eventCity"), event.get("eventState"), event.get("eventZIP")),
        exception=exception,
    )


def _event_time(event: dict[str, Any]) -> datetime:
    gmt = event.get("GMTTimestamp")
    if gmt:
        parsed = parse_time(str(gmt))
        if parsed is not None:
            return parsed
    local = str(event.get("eventTimestamp") or "").strip()
    if not local:
        raise CarrierError("USPS tracking event has no time", "malformed")
    offset = event.get("GMTOffset")
    if offset:
        # The local wall-clock time is right; a trailing "Z" on it is not.
        naive = local[:-1] if local.endswith(("Z", "z")) else local
        parsed = parse_time(naive[:19], default_tz=offset_tz(str(offset)))
    else:
        parsed = parse_time(local)
    assert parsed is not None
    return parsed


def _estimate(data: dict[str, Any]) -> datetime | None:
    value = data.get("expectedDeliveryTimeStamp") or data.get("expectedDeliveryDate")
    if not value:
        return None
    parsed = parse_time(str(value))
    if parsed is not None and len(str(value).strip()) == 10:  # date only: the end of that day
        parsed = datetime.combine(parsed.date(), _END_OF_DAY, tzinfo=parsed.tzinfo)
    return parsed


def _plain(value: Any) -> str:
    """USPS decorates mail class names with HTML (<SUP>&reg;</SUP>); keep the words."""
    text = str(value or "")
    while "<" in text and ">" in text.split("<", 1)[1]:
        head, rest = text.split("<", 1)
        text = head + rest.split(">", 1)[1]
    for entity in ("&reg;", "&#174;", "&trade;", "&#8482;"):
        text = text.replace(entity, "")
    return text.strip()
