"""China Post / EMS tracking, normalised through the UPU EMSEVT event codes.

China Post publishes no open JSON tracking API, so the bench defines the JSON it reads, built on
the codes every EMS operator exchanges (UPU EMSEVT, the codes behind www.ems.com.cn's own
timeline). A company gateway or tracking aggregator configured as the account's base URL answers
GET /v1/tracking/{mailNo} with:

    {"mailNo": "EA123456785CN",
     "events": [{"code": "EMA", "time": "2024-03-01T10:20:00+08:00", "location": "Shenzhen",
                 "country": "CN", "description": "Posting/Collection", "signer": ""}]}

and errors as {"error": {"code": "NOT_FOUND", "message": "…"}}. Times without an offset are China
Standard Time (UTC+8, no summer time).
"""

from __future__ import annotations

import re
from datetime import timedelta, timezone
from typing import Any

from shipstation_desktop.carriers.normalize import CodeTable, join_location, load_json, parse_time, result
from shipstation_desktop.carriers.port import CarrierEvent, TrackingResult
from shipstation_desktop.domain.enums import ExceptionType, ShipmentStatus
from shipstation_desktop.domain.errors import CarrierError

NAME = "China Post"
CHINA_TZ = timezone(timedelta(hours=8))

S, X = ShipmentStatus, ExceptionType
EMSEVT = CodeTable(
    {
        "EMA": (S.PICKED_UP, None),  # posting / collection
        "EMB": (S.IN_TRANSIT, None),  # arrival at outward office of exchange
        "EMC": (S.IN_TRANSIT, None),  # departure from outward office of exchange
        "EMD": (S.IN_TRANSIT, None),  # arrival at inward office of exchange
        "EME": (S.IN_TRANSIT, None),  # handed over to customs (routine, not yet a delay)
        "EMF": (S.IN_TRANSIT, None),  # departure from inward office of exchange
        "EMG": (S.IN_TRANSIT, None),  # arrival at delivery office
        "EMH": (S.OUT_FOR_DELIVERY, X.DELIVERY_FAILED),  # unsuccessful delivery attempt
        "EMI": (S.DELIVERED, None),  # final delivery
        "EMJ": (S.IN_TRANSIT, None),  # arrival at transit office of exchange
        "EMK": (S.IN_TRANSIT, None),  # departure from transit office of exchange
        "EXA": (S.IN_TRANSIT, None),  # presented to export customs
        "EXB": (S.IN_TRANSIT, X.CUSTOMS_DELAY),  # held by export customs
        "EXC": (S.IN_TRANSIT, None),  # returned from export customs
        "EXD": (S.IN_TRANSIT, None),  # held at outward office of exchange
        "EDA": (S.IN_TRANSIT, None),  # held at inward office of exchange
        "EDB": (S.IN_TRANSIT, None),  # presented to import customs
        "EDC": (S.IN_TRANSIT, None),  # returned from customs
        "EDD": (S.IN_TRANSIT, None),  # into sorting centre
        "EDE": (S.IN_TRANSIT, None),  # out of sorting centre
        "EDF": (S.IN_TRANSIT, None),  # held at delivery depot
        "EDG": (S.OUT_FOR_DELIVERY, None),  # out for physical delivery
        "EDH": (S.OUT_FOR_DELIVERY, None),  # arrived at collection point for pick-up
    }
)

# EME with words like "held"/"detained" is a real customs delay, not the routine hand-over.
_CUSTOMS_HELD = ("held", "detain", "retain", "duty", "扣")


def map_event(code: str, description: str) -> tuple[ShipmentStatus, ExceptionType | None]:
    status, exception = EMSEVT.map(code)
    lowered = description.lower()
    if code.upper() == "EME" and any(word in lowered for word in _CUSTOMS_HELD):
        exception = X.CUSTOMS_DELAY
    if code.upper() == "EMH":
        if "refus" in lowered:
            exception = X.REFUSED_BY_RECIPIENT
        elif re.search(r"\baddress\b", lowered):  # not "addressee absent"
            exception = X.ADDRESS_ISSUE
    if "return" in lowered and "sender" in lowered:
        status = S.RETURNED_TO_SENDER
    return status, exception


def parse_data(data: Any, number: str = "") -> TrackingResult:
    if not isinstance(data, dict):
        raise CarrierError(f"{NAME} tracking response is not a JSON object", "malformed")
    error = data.get("error")
    if isinstance(error, dict):
        code = str(error.get("code") or "error")
        message = str(error.get("message") or "unknown error")
        mapped = "not_found" if code.upper() == "NOT_FOUND" else code
        raise CarrierError(f"{NAME} has no tracking for {number or 'this number'} ({message})", mapped)
    number = str(data.get("mailNo") or number).strip().upper()
    raw_events = data.get("events")
    if not isinstance(raw_events, list):
        raise CarrierError(f"{NAME} tracking response has no event list", "malformed")
    if not raw_events:
        raise CarrierError(f"{NAME} has no tracking for {number or 'this number'} yet", "not_found")
    events: list[CarrierEvent] = []
    signed_by = ""
    for raw in raw_events:
        if not isinstance(raw, dict):
            continue
        code = str(raw.get("code") or "").strip().upper()
        description = str(raw.get("description") or "").strip()
        time = parse_time(raw.get("time"), default_tz=CHINA_TZ)
        if time is None:
            raise CarrierError(f"{NAME} sent an event without a time", "malformed")
        status, exception = map_event(code, description)
        if status is S.DELIVERED and raw.get("signer"):
            signed_by = str(raw["signer"])
        events.append(
            CarrierEvent(
                time=time,
                status=status,
                code=code,
                description=description or code,
                location=join_location(raw.get("location"), raw.get("country")),
                exception=exception,
            )
        )
    return result(number, events, signed_by=signed_by)


def parse_tracking(body: bytes) -> TrackingResult:
    return parse_data(load_json(body, NAME))
