"""UPS Track API (GET /api/track/v1/details/{inquiryNumber}) bodies -> TrackingResult.

Shapes from UPS's published OpenAPI spec (github.com/UPS-API/api-documentation, Tracking.yaml; reference
at https://developer.ups.com/api/reference?loc=en_US#tag/Tracking): trackResponse.shipment[].package[]
with activity[] (date YYYYMMDD, time HHMMSS local, gmtOffset, status.type/code/description, location.address),
deliveryDate[] (SDD scheduled, RDD rescheduled, DEL delivered), deliveryTime, deliveryInformation
(receivedBy, deliveryPhoto, signature). An unknown number comes back as HTTP 404 with
{"response": {"errors": [...]}} or as shipment[].warnings "Tracking Information Not Found".

Status types (activity.status.type), as UPS documents them:

| type | meaning                              | ShipmentStatus      |
|------|--------------------------------------|---------------------|
| M    | manifest: shipper created a label    | LABEL_CREATED       |
| MV   | manifest voided                      | CANCELLED           |
| P    | pickup scan                          | PICKED_UP           |
| I    | in transit                           | IN_TRANSIT          |
| W    | warehousing                          | IN_TRANSIT          |
| O    | out for delivery                     | OUT_FOR_DELIVERY    |
| D    | delivered                            | DELIVERED           |
| DO   | delivered to origin CFS (freight)    | IN_TRANSIT          |
| DD   | delivered to destination CFS         | IN_TRANSIT          |
| RS   | returned to shipper                  | RETURNED_TO_SENDER  |
| NA   | not available                        | PENDING             |
| X    | exception                            | IN_TRANSIT + below  |
| else | unknown                              | IN_TRANSIT          |

UPS gives exceptions one type (X) and says what happened in the description (the 2-character status.code
varies by scan), so an X activity's ExceptionType comes from its description, first rule that matches:

| description mentions                                      | ExceptionType         | status             |
|-----------------------------------------------------------|-----------------------|--------------------|
| refused / declined / rejected by the receiver             | REFUSED_BY_RECIPIENT  | IN_TRANSIT         |
| damage                                                    | DAMAGED_IN_TRANSIT    | IN_TRANSIT         |
| lost / unable to locate                                   | LOST_IN_TRANSIT       | LOST               |
| customs / clearance / brokerage / import                  | CUSTOMS_DELAY         | IN_TRANSIT         |
| weather / storm / natural disaster / flood / snow         | WEATHER_DELAY         | IN_TRANSIT         |
| address / moved / wrong zip                               | ADDRESS_ISSUE         | IN_TRANSIT         |
| delivery attempt / not available / closed / no one / missed | DELIVERY_FAILED     | OUT_FOR_DELIVERY   |
| anything else                                             | none (raw code kept)  | IN_TRANSIT         |
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, tzinfo
from typing import Any

from shipstation_desktop.domain.enums import ExceptionType, ShipmentStatus
from shipstation_desktop.domain.errors import CarrierError

from ..http import generic_error
from ..normalize import CodeTable, Mapped, join_location, load_json, offset_tz, result
from ..port import CarrierEvent, TrackingResult

CARRIER_NAME = "UPS"
NOT_FOUND = "not_found"
TRACKING_URL = "https://www.ups.com/track?tracknum={number}"

STATUS_TYPES = CodeTable(
    {
        "M": (ShipmentStatus.LABEL_CREATED, None),
        "MV": (ShipmentStatus.CANCELLED, None),
        "P": (ShipmentStatus.PICKED_UP, None),
        "I": (ShipmentStatus.IN_TRANSIT, None),
        "W": (ShipmentStatus.IN_TRANSIT, None),
        "O": (ShipmentStatus.OUT_FOR_DELIVERY, None),
        "D": (ShipmentStatus.DELIVERED, None),
        "DO": (ShipmentStatus.IN_TRANSIT, None),
        "DD": (ShipmentStatus.IN_TRANSIT, None),
        "RS": (ShipmentStatus.RETURNED_TO_SENDER, None),
        "NA": (ShipmentStatus.PENDING, None),
        "X": (ShipmentStatus.IN_TRANSIT, None),
    }
)

# (pattern on the lower-cased description, result); the first match wins, so refusals and damage are
# recognised before the generic "delivery attempt" wording that often accompanies them.
_EXCEPTION_RULES: tuple[tuple[re.Pattern[str], Mapped], ...] = (
    (
        re.compile(r"refus|declin|rejected"),
        (ShipmentStatus.IN_TRANSIT, ExceptionType.REFUSED_BY_RECIPIENT),
    ),
    (re.compile(r"damage"), (ShipmentStatus.IN_TRANSIT, ExceptionType.DAMAGED_IN_TRANSIT)),
    (re.compile(r"\blost\b|unable to locate"), (ShipmentStatus.LOST, ExceptionType.LOST_IN_TRANSIT)),
    (
        re.compile(r"customs|clearance|brokerage|import"),
        (ShipmentStatus.IN_TRANSIT, ExceptionType.CUSTOMS_DELAY),
    ),
    (
        re.compile(r"weather|storm|natural disaster|flood|snow|hurricane"),
        (ShipmentStatus.IN_TRANSIT, ExceptionType.WEATHER_DELAY),
    ),
    (
        re.compile(r"address|receiver has moved|wrong (zip|postal)"),
        (ShipmentStatus.IN_TRANSIT, ExceptionType.ADDRESS_ISSUE),
    ),
    (
        re.compile(r"delivery attempt|attempted|not available|closed|no one|nobody|missed"),
        (ShipmentStatus.OUT_FOR_DELIVERY, ExceptionType.DELIVERY_FAILED),
    ),
)

_NOT_FOUND_TEXT = "tracking information not found"
_END_OF_DAY = time(23, 59)


def classify_exception(description: str) -> Mapped:
    text = description.lower()
    for pattern, mapped in _EXCEPTION_RULES:
        if pattern.search(text):
            return mapped
    return (ShipmentStatus.IN_TRANSIT, None)


def map_activity(status_type: str, description: str) -> Mapped:
    if status_type.strip().upper() == "X":
        return classify_exception(description)
    return STATUS_TYPES.map(status_type)


def parse_body(body: bytes) -> TrackingResult:
    """INFO.parse_tracking: one raw Track API response body -> result, or one clear CarrierError."""
    return parse(load_json(body, CARRIER_NAME))


def parse(payload: Any, number: str = "") -> TrackingResult:
    if not isinstance(payload, dict):
        raise CarrierError("UPS tracking response is not a JSON object", "malformed")
    track = payload.get("trackResponse")
    if not isinstance(track, dict):
        parsed = generic_error(payload)
        if parsed is None:
            raise CarrierError("UPS tracking response has no trackResponse", "malformed")
        message, code = parsed
        if _NOT_FOUND_TEXT in message.lower():
            raise CarrierError(f"UPS has no tracking information for {number or 'this number'}", NOT_FOUND)
        raise CarrierError(f"UPS: {message}", code)
    shipments = track.get("shipment")
    shipment = shipments[0] if isinstance(shipments, list) and shipments else None
    if not isinstance(shipment, dict):
        raise CarrierError("UPS tracking response has no shipment", "malformed")
    inquiry = str(shipment.get("inquiryNumber") or number)
    packages = shipment.get("package")
    if not isinstance(packages, list) or not packages or not isinstance(packages[0], dict):
        for warning in shipment.get("warnings") or []:
            if isinstance(warning, dict) and _NOT_FOUND_TEXT in str(warning.get("message", "")).lower():
                raise CarrierError(f"UPS has no tracking information for {inquiry or 'this number'}", NOT_FOUND)
        raise CarrierError(f"UPS returned no package for {inquiry or 'this number'}", "malformed")
    return _package(packages[0], inquiry)


def _package(package: dict[str, Any], inquiry: str) -> TrackingResult:
    number = str(package.get("trackingNumber") or inquiry)
    events = [_event(a) for a in package.get("activity") or [] if isinstance(a, dict)]
    newest_tz = _tz_of_newest(package.get("activity") or [])
    info = _obj(package, "deliveryInformation")
    photo = _obj(info, "deliveryPhoto")
    signature = _obj(info, "signature")
    has_proof = photo.get("photoCaptureInd") == "Y" or bool(photo.get("photo")) or bool(signature.get("image"))
    service = _obj(package, "service")
    return result(
        number,
        events,
        estimated_delivery=_estimate(package, newest_tz),
        signed_by=str(info.get("receivedBy") or ""),
        # UPS sends the photo itself (base64), not a link; the public tracking page shows it.
        proof_url=TRACKING_URL.format(number=number.strip().upper()) if has_proof else "",
        service=str(service.get("description") or ""),
    )


def _event(activity: dict[str, Any]) -> CarrierEvent:
    status = _obj(activity, "status")
    status_type = str(status.get("type") or "")
    description = str(status.get("description") or "").strip()
    mapped_status, exception = map_activity(status_type, description)
    location = _obj(activity, "location")
    address = _obj(location, "address")
    return CarrierEvent(
        time=_activity_time(activity),
        status=mapped_status,
        code=str(status.get("code") or status_type or "?"),
        description=description,
        location=join_location(address.get("city"), address.get("stateProvince"), address.get("country")),
        exception=exception,
    )


def _activity_time(activity: dict[str, Any]) -> datetime:
    """Local date + time with its gmtOffset; else UPS's GMT date/time; else the local time read as UTC."""
    if activity.get("date") and activity.get("gmtOffset"):
        return _combine(activity.get("date"), activity.get("time"), offset_tz(str(activity["gmtOffset"])))
    if activity.get("gmtDate"):
        return _combine(activity.get("gmtDate"), activity.get("gmtTime"), UTC)
    return _combine(activity.get("date"), activity.get("time"), UTC)


def _combine(day: Any, clock: Any, tz: tzinfo) -> datetime:
    text = str(day or "").strip()
    try:
        parsed_day = date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError as exc:
        raise CarrierError(f"unreadable date {day!r} in UPS's tracking answer", "malformed") from exc
    digits = str(clock or "").strip().zfill(6)  # UPS drops the leading zero of early hours ("74700")
    try:
        moment = time(int(digits[:2]), int(digits[2:4]), int(digits[4:6])) if clock else time()
    except ValueError as exc:
        raise CarrierError(f"unreadable time {clock!r} in UPS's tracking answer", "malformed") from exc
    return datetime.combine(parsed_day, moment, tzinfo=tz)


def _tz_of_newest(activities: list[Any]) -> tzinfo:
    for activity in activities:  # UPS lists the most recent activity first
        if isinstance(activity, dict) and activity.get("gmtOffset"):
            return offset_tz(str(activity["gmtOffset"]))
    return UTC


def _estimate(package: dict[str, Any], tz: tzinfo) -> datetime | None:
    """A rescheduled date beats the scheduled one; the delivery window's end (else end of day) is the time."""
    dates = {str(d.get("type")): d.get("date") for d in package.get("deliveryDate") or [] if isinstance(d, dict)}
    day = dates.get("RDD") or dates.get("SDD")
    if not day:
        return None
    window = _obj(package, "deliveryTime")
    end = window.get("endTime") if window.get("type") in ("EOD", "CMT", "EDW", "CDW", "IDW") else None
    if end:
        return _combine(day, end, tz)
    return datetime.combine(_combine(day, None, tz).date(), _END_OF_DAY, tzinfo=tz)


def _obj(value: Any, key: str) -> dict[str, Any]:
    inner = value.get(key) if isinstance(value, dict) else None
    return inner if isinstance(inner, dict) else {}
