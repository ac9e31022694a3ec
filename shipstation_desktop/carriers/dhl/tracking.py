"""DHL Express (MyDHL API) tracking answers -> TrackingResult.

Shape: GET /shipments/{shipmentTrackingNumber}/tracking and GET /tracking?shipmentTrackingNumber=…
(https://developer.dhl.com/api-reference/dhl-express-mydhl-api, "Track a single DHL Express Shipment" and
"Track a single or multiple DHL Express Shipments"): shipments[] {shipmentTrackingNumber, status,
productCode, description, estimatedDeliveryDate, events[] {date "2024-01-10", time "14:05:00",
GMTOffset "+01:00", typeCode, description, serviceArea[{code, description}], signedBy}}.
Errors are problem+json: {"instance", "detail", "title", "message", "status", "additionalDetails"}.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from shipstation_desktop.domain.enums import ExceptionType, ShipmentStatus
from shipstation_desktop.domain.errors import CarrierError

from ..normalize import CodeTable, load_json, offset_tz, parse_time, result
from ..port import CarrierEvent, TrackingResult

CARRIER_NAME = "DHL Express"
TRACKING_URL = "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id={number}"
NOT_FOUND = "not_found"

_S = ShipmentStatus
_X = ExceptionType

# DHL Express checkpoint codes (the event typeCode).
EVENT_CODES = CodeTable(
    codes={
        "SA": (_S.PICKED_UP, None),  # shipment acceptance
        "PU": (_S.PICKED_UP, None),  # shipment picked up
        "PL": (_S.IN_TRANSIT, None),  # processed at location
        "DF": (_S.IN_TRANSIT, None),  # departed facility
        "AF": (_S.IN_TRANSIT, None),  # arrived at facility
        "AR": (_S.IN_TRANSIT, None),  # arrived at delivery facility
        "TR": (_S.IN_TRANSIT, None),  # record of transfer
        "TP": (_S.IN_TRANSIT, None),  # forwarded to a third party
        "RR": (_S.IN_TRANSIT, None),  # response received (customs)
        "CI": (_S.IN_TRANSIT, None),  # in customs clearance
        "CR": (_S.IN_TRANSIT, None),  # clearance release
        "AD": (_S.IN_TRANSIT, None),  # agreed delivery
        "WC": (_S.OUT_FOR_DELIVERY, None),  # with delivery courier
        "CC": (_S.OUT_FOR_DELIVERY, None),  # awaiting collection by the recipient
        "OK": (_S.DELIVERED, None),
        "PD": (_S.DELIVERED, None),  # partial delivery
        "DD": (_S.DELIVERED, _X.DAMAGED_IN_TRANSIT),  # delivered damaged
        "CD": (_S.IN_TRANSIT, _X.CUSTOMS_DELAY),  # controllable clearance delay
        "OH": (_S.IN_TRANSIT, _X.CUSTOMS_DELAY),  # on hold (in Express almost always clearance)
        "HP": (_S.IN_TRANSIT, _X.CUSTOMS_DELAY),  # held for payment of duties and taxes
        "NH": (_S.IN_TRANSIT, _X.DELIVERY_FAILED),  # not home
        "CA": (_S.IN_TRANSIT, _X.DELIVERY_FAILED),  # closed on arrival
        "MD": (_S.IN_TRANSIT, _X.DELIVERY_FAILED),  # missed delivery cycle
        "ND": (_S.IN_TRANSIT, _X.DELIVERY_FAILED),  # not delivered
        "SS": (_S.IN_TRANSIT, _X.DELIVERY_FAILED),  # shipment stopped
        "BA": (_S.IN_TRANSIT, _X.ADDRESS_ISSUE),  # bad address
        "CM": (_S.IN_TRANSIT, _X.ADDRESS_ISSUE),  # customer moved
        "RD": (_S.IN_TRANSIT, _X.REFUSED_BY_RECIPIENT),  # refused delivery
        "DM": (_S.IN_TRANSIT, _X.DAMAGED_IN_TRANSIT),  # damaged
        "DS": (_S.DAMAGED, _X.DAMAGED_IN_TRANSIT),  # destroyed
        "RT": (_S.RETURNED_TO_SENDER, None),  # returned to shipper
    },
)

# Product codes DHL reports on a shipment; the names as the Rating API spells them.
PRODUCTS = {
    "P": "EXPRESS WORLDWIDE",
    "D": "EXPRESS WORLDWIDE (documents)",
    "U": "EXPRESS WORLDWIDE (EU)",
    "N": "EXPRESS DOMESTIC",
    "K": "EXPRESS 9:00",
    "E": "EXPRESS 9:00 (documents)",
    "T": "EXPRESS 12:00",
    "Y": "EXPRESS 12:00 (documents)",
    "H": "ECONOMY SELECT",
    "W": "ECONOMY SELECT (EU)",
}
_END_OF_DAY = time(23, 59)


def parse_body(body: bytes) -> TrackingResult:
    """INFO.parse_tracking: one raw tracking response body (its first shipment)."""
    return parse(load_json(body, CARRIER_NAME))


def parse(data: Any, number: str = "") -> TrackingResult:
    shipments = _shipments(data, number)
    wanted = number.strip().upper()
    for shipment in shipments:
        if not wanted or str(shipment.get("shipmentTrackingNumber") or "").strip().upper() == wanted:
            return _shipment(shipment, number)
    raise CarrierError(f"DHL Express has no tracking information for {number or 'this number'}", NOT_FOUND)


def parse_many(data: Any) -> dict[str, TrackingResult]:
    """Every shipment in a multi-number answer, keyed by its waybill number."""
    out: dict[str, TrackingResult] = {}
    for shipment in _shipments(data, ""):
        parsed = _shipment(shipment, "")
        out[parsed.tracking_number] = parsed
    return out


def error_of(body: Any, number: str = "", status_code: int | None = None) -> CarrierError:
    parsed = problem(body)
    message, code = parsed if parsed else ("the request was refused", None)
    if status_code == 404 or code == "404" or "no data found" in message.lower():
        return CarrierError(f"DHL Express has no tracking information for {number or 'this number'}", NOT_FOUND)
    return CarrierError(f"DHL Express: {message}", code or (str(status_code) if status_code else None))


def problem(body: Any) -> tuple[str, str | None] | None:
    """problem+json -> (detail, status code); DHL's detail says what was wrong, the title only how."""
    if not isinstance(body, dict):
        return None
    message = body.get("detail") or body.get("message") or body.get("title")
    if not message:
        return None
    text = str(message).strip()
    extra = [str(a).strip() for a in body.get("additionalDetails") or [] if str(a).strip()]
    if extra:
        text = f"{text} ({'; '.join(extra[:3])})"
    code = body.get("status")
    return text, (str(code) if code not in (None, "") else None)


def _shipments(data: Any, number: str) -> list[dict[str, Any]]:
    if not isinstance(data, dict):
        raise CarrierError("DHL Express tracking response is not a JSON object", "malformed")
    if "shipments" not in data:
        if problem(data) is not None:
            raise error_of(data, number)
        raise CarrierError("DHL Express tracking response has no shipments", "malformed")
    shipments = data["shipments"]
    if not isinstance(shipments, list):
        raise CarrierError("DHL Express tracking response has unreadable shipments", "malformed")
    return [s for s in shipments if isinstance(s, dict)]


def _shipment(shipment: dict[str, Any], number: str) -> TrackingResult:
    tracking_number = str(shipment.get("shipmentTrackingNumber") or number).strip()
    if not tracking_number:
        raise CarrierError("DHL Express tracking response names no waybill number", "malformed")
    raw_events = [e for e in shipment.get("events") or [] if isinstance(e, dict)]
    events = [_event(e) for e in raw_events]
    delivered = [e for e in raw_events if str(e.get("typeCode") or "").upper() in ("OK", "PD", "DD")]
    signed_by = str(delivered[-1].get("signedBy") or "") if delivered else ""
    product = str(shipment.get("productCode") or "").strip().upper()
    return result(
        tracking_number,
        events,
        estimated_delivery=_estimate(shipment),
        signed_by=signed_by,
        service=PRODUCTS.get(product, product),
    )


def _event(event: dict[str, Any]) -> CarrierEvent:
    code = str(event.get("typeCode") or "").strip().upper()
    status, exception = EVENT_CODES.map(code)
    areas = [a for a in event.get("serviceArea") or [] if isinstance(a, dict)]
    location = str(areas[0].get("description") or areas[0].get("code") or "") if areas else ""
    return CarrierEvent(
        time=_event_time(event),
        status=status,
        code=code,
        description=str(event.get("description") or "").strip(),
        location=location.strip(),
        exception=exception,
    )


def _event_time(event: dict[str, Any]) -> datetime:
    day = str(event.get("date") or "").strip()
    if not day:
        raise CarrierError("DHL Express tracking event has no date", "malformed")
    clock = str(event.get("time") or "00:00:00").strip()
    if clock.isdigit():  # some answers give seconds after midnight
        clock = str(timedelta(seconds=int(clock) % 86400)).zfill(8)
    parsed = parse_time(f"{day[:10]}T{clock}", default_tz=offset_tz(event.get("GMTOffset")))
    assert parsed is not None
    return parsed


def _estimate(shipment: dict[str, Any]) -> datetime | None:
    value = shipment.get("estimatedTimeOfDelivery") or shipment.get("estimatedDeliveryDate")
    if isinstance(value, dict):
        value = value.get("estimatedDeliveryDate")
    if not value:
        return None
    parsed = parse_time(str(value))
    if parsed is not None and len(str(value).strip()) == 10:  # date only: the end of that day
        parsed = datetime.combine(parsed.date(), _END_OF_DAY, tzinfo=parsed.tzinfo)
    return parsed
