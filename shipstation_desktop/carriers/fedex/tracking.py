"""FedEx Track API (POST /track/v1/trackingnumbers) bodies -> TrackingResult.

Shapes from https://developer.fedex.com/api/en-us/catalog/track/v1/docs.html: output.completeTrackResults[]
.trackResults[] with latestStatusDetail (code, derivedCode, description), scanEvents[] (date ISO 8601 with
the scan's own offset, eventType, derivedStatusCode, eventDescription, exceptionCode/exceptionDescription,
scanLocation), dateAndTimes[] (ESTIMATED_DELIVERY, ACTUAL_DELIVERY, …), estimatedDeliveryTimeWindow,
deliveryDetails.receivedByName, serviceDetail, availableImages; an unknown number comes back as that
result's error {"code": "TRACKING.TRACKINGNUMBER.NOTFOUND"}.

FedEx tracking status codes (eventType / derivedStatusCode), as FedEx documents them:

| code                    | meaning                                               | status / exception            |
|-------------------------|-------------------------------------------------------|-------------------------------|
| OC IN                   | order created / initiated (label, not yet tendered)   | LABEL_CREATED                 |
| PU PX                   | picked up                                             | PICKED_UP                     |
| AA AC AD AF AP AR AX    | at airport, Canada Post, delivery, facility, pickup… | IN_TRANSIT                    |
| CH DP DR DS EA ED EO EP | location changed, departed, vehicle, enroute          | IN_TRANSIT                    |
| FD IT IX LO OF OX       | at destination, in transit, left / at origin, to USPS | IN_TRANSIT                    |
| PF PL PM SF SP TR       | plane in flight / landed, in progress, sort, transfer | IN_TRANSIT                    |
| CC CP                   | cleared customs / clearance in progress               | IN_TRANSIT                    |
| CD                      | clearance delay                                       | IN_TRANSIT + CUSTOMS_DELAY    |
| DY DD PD                | delay / delivery delay / pickup delay                 | IN_TRANSIT + from its text    |
| SE                      | shipment exception                                    | IN_TRANSIT + from its text    |
| DE                      | delivery exception                  | OUT_FOR_DELIVERY + DELIVERY_FAILED or from its text |
| OD                      | out for delivery                                      | OUT_FOR_DELIVERY              |
| HL HP                   | hold at location / ready for recipient pickup         | OUT_FOR_DELIVERY (waiting)    |
| DL                      | delivered                                             | DELIVERED                     |
| RS                      | return to shipper                                     | RETURNED_TO_SENDER            |
| CA                      | shipment cancelled                                    | CANCELLED                     |
| RR RM RC RP LP RG RD    | delivery-option requests, return-label links          | IN_TRANSIT (informational)    |
| anything else           | unknown                                               | IN_TRANSIT, raw code kept     |

Exception events (DE, SE, DY, DD, PD) are refined by exceptionDescription / eventDescription, first match
wins: refused -> REFUSED_BY_RECIPIENT, damage -> DAMAGED_IN_TRANSIT (status DAMAGED when FedEx says the
package was destroyed or disposed of), lost -> LOST_IN_TRANSIT (LOST), customs / clearance /
regulatory -> CUSTOMS_DELAY, weather / natural disaster -> WEATHER_DELAY, address -> ADDRESS_ISSUE,
recipient not available / business closed / attempt -> DELIVERY_FAILED.
"""

from __future__ import annotations

import re
from typing import Any

from shipstation_desktop.domain.enums import ExceptionType, ShipmentStatus
from shipstation_desktop.domain.errors import CarrierError

from ..http import generic_error
from ..normalize import CodeTable, Mapped, join_location, load_json, parse_time, result
from ..port import CarrierEvent, TrackingResult

CARRIER_NAME = "FedEx"
NOT_FOUND = "not_found"
TRACKING_URL = "https://www.fedex.com/fedextrack/?trknbr={number}"
NOT_FOUND_CODES = frozenset({"TRACKING.TRACKINGNUMBER.NOTFOUND", "TRACKING.TRACKINGNUMBER.INVALID"})

_IN_TRANSIT: Mapped = (ShipmentStatus.IN_TRANSIT, None)
_TRANSIT_CODES = (
    *("AA", "AC", "AD", "AF", "AP", "AR", "AX", "CH", "DP", "DR", "DS", "EA", "ED", "EO", "EP", "FD", "IT"),
    *("IX", "LO", "OF", "OX", "PF", "PL", "PM", "SF", "SP", "TR", "CC", "CP", "RR", "RM", "RC", "RP", "LP"),
    *("RG", "RD", "DY", "DD", "PD", "SE"),
)

STATUS_CODES = CodeTable(
    {
        **dict.fromkeys(_TRANSIT_CODES, _IN_TRANSIT),
        "OC": (ShipmentStatus.LABEL_CREATED, None),
        "IN": (ShipmentStatus.LABEL_CREATED, None),
        "PU": (ShipmentStatus.PICKED_UP, None),
        "PX": (ShipmentStatus.PICKED_UP, None),
        "CD": (ShipmentStatus.IN_TRANSIT, ExceptionType.CUSTOMS_DELAY),
        "DE": (ShipmentStatus.OUT_FOR_DELIVERY, ExceptionType.DELIVERY_FAILED),
        "OD": (ShipmentStatus.OUT_FOR_DELIVERY, None),
        "HL": (ShipmentStatus.OUT_FOR_DELIVERY, None),
        "HP": (ShipmentStatus.OUT_FOR_DELIVERY, None),
        "DL": (ShipmentStatus.DELIVERED, None),
        "RS": (ShipmentStatus.RETURNED_TO_SENDER, None),
        "CA": (ShipmentStatus.CANCELLED, None),
    }
)
# Codes whose exception depends on what FedEx wrote; their table entry is the fallback.
EXCEPTION_CODES = frozenset({"DE", "SE", "DY", "DD", "PD", "CD"})

_EXCEPTION_RULES: tuple[tuple[re.Pattern[str], Mapped], ...] = (
    (re.compile(r"refus|declin|rejected"), (ShipmentStatus.IN_TRANSIT, ExceptionType.REFUSED_BY_RECIPIENT)),
    (re.compile(r"destroyed|disposed"), (ShipmentStatus.DAMAGED, ExceptionType.DAMAGED_IN_TRANSIT)),
    (re.compile(r"damage"), (ShipmentStatus.IN_TRANSIT, ExceptionType.DAMAGED_IN_TRANSIT)),
    (re.compile(r"\blost\b|unable to locate"), (ShipmentStatus.LOST, ExceptionType.LOST_IN_TRANSIT)),
    (
        re.compile(r"customs|clearance|regulatory|import|broker"),
        (ShipmentStatus.IN_TRANSIT, ExceptionType.CUSTOMS_DELAY),
    ),
    (
        re.compile(r"weather|natural disaster|storm|flood|snow|hurricane"),
        (ShipmentStatus.IN_TRANSIT, ExceptionType.WEATHER_DELAY),
    ),
    (re.compile(r"address"), (ShipmentStatus.IN_TRANSIT, ExceptionType.ADDRESS_ISSUE)),
    (
        re.compile(r"not available|not in|closed|attempt|no one|nobody|missed"),
        (ShipmentStatus.OUT_FOR_DELIVERY, ExceptionType.DELIVERY_FAILED),
    ),
)


def map_event(code: str, *texts: str) -> Mapped:
    key = code.strip().upper()
    mapped = STATUS_CODES.map(key)
    if key in EXCEPTION_CODES:
        text = " ".join(t for t in texts if t).lower()
        for pattern, refined in _EXCEPTION_RULES:
            if pattern.search(text):
                return refined
    return mapped


def parse_body(body: bytes) -> TrackingResult:
    """INFO.parse_tracking: one raw Track API response body -> the first number's result."""
    payload = load_json(body, CARRIER_NAME)
    found, missing = parse_all(payload)
    if found:
        return next(iter(found.values()))
    if missing:
        raise CarrierError(missing[0][1], NOT_FOUND)
    raise CarrierError("FedEx tracking response has no track results", "malformed")


def parse_all(payload: Any) -> tuple[dict[str, TrackingResult], list[tuple[str, str]]]:
    """Every number in one response: results by number, and (number, message) for numbers FedEx does not
    know. Any other per-number error is raised; a body that is an error as a whole is raised too."""
    if not isinstance(payload, dict):
        raise CarrierError("FedEx tracking response is not a JSON object", "malformed")
    output = payload.get("output")
    if not isinstance(output, dict):
        parsed = generic_error(payload)
        if parsed is None:
            raise CarrierError("FedEx tracking response has no output", "malformed")
        message, code = parsed
        raise CarrierError(f"FedEx: {message}", code)
    found: dict[str, TrackingResult] = {}
    missing: list[tuple[str, str]] = []
    for complete in output.get("completeTrackResults") or []:
        if not isinstance(complete, dict):
            continue
        number = str(complete.get("trackingNumber") or "")
        results = [r for r in complete.get("trackResults") or [] if isinstance(r, dict)]
        if not results:
            continue
        track = results[0]  # FedEx lists the most relevant shipment for a reused number first
        info = _obj(track, "trackingNumberInfo")
        number = str(info.get("trackingNumber") or number)
        error = track.get("error")
        if isinstance(error, dict) and error.get("code"):
            code = str(error["code"])
            message = str(error.get("message") or "")
            if code.upper() in NOT_FOUND_CODES:
                missing.append((number, f"FedEx has no tracking information for {number or 'this number'}"))
                continue
            raise CarrierError(f"FedEx: {message or 'tracking failed'} ({number})", code)
        found[number.strip().upper()] = _result(number, track)
    return found, missing


def _result(number: str, track: dict[str, Any]) -> TrackingResult:
    events = [_event(e) for e in track.get("scanEvents") or [] if isinstance(e, dict)]
    if not events:
        latest = _obj(track, "latestStatusDetail")
        status: ShipmentStatus | None = map_event(
            str(latest.get("derivedCode") or latest.get("code") or ""), str(latest.get("description") or "")
        )[0]
    else:
        status = None  # derived from the events: the furthest stage, terminal states winning
    times = {
        str(d.get("type")): d.get("dateTime")
        for d in track.get("dateAndTimes") or []
        if isinstance(d, dict) and d.get("dateTime")
    }
    estimate = parse_time(times.get("ESTIMATED_DELIVERY"))
    window = track.get("estimatedDeliveryTimeWindow")
    if estimate is None and isinstance(window, dict) and isinstance(window.get("window"), dict):
        estimate = parse_time(window["window"].get("ends"))
    details = _obj(track, "deliveryDetails")
    images = {str(i.get("type")) for i in track.get("availableImages") or [] if isinstance(i, dict)}
    service = _obj(track, "serviceDetail")
    return result(
        number,
        events,
        status=status,
        estimated_delivery=estimate,
        delivered_at=parse_time(times.get("ACTUAL_DELIVERY")),
        signed_by=str(details.get("receivedByName") or details.get("signedByName") or ""),
        # FedEx shows the signature proof of delivery behind its tracking page.
        proof_url=TRACKING_URL.format(number=number.strip()) if "SIGNATURE_PROOF_OF_DELIVERY" in images else "",
        service=str(service.get("description") or service.get("type") or ""),
    )


def _event(scan: dict[str, Any]) -> CarrierEvent:
    code = str(scan.get("eventType") or scan.get("derivedStatusCode") or "").strip().upper()
    description = str(scan.get("eventDescription") or "").strip()
    exception_text = str(scan.get("exceptionDescription") or "").strip()
    status, exception = map_event(code, exception_text, description)
    when = parse_time(scan.get("date"))
    if when is None:
        raise CarrierError("a FedEx scan event has no date", "malformed")
    where = _obj(scan, "scanLocation")
    if exception_text and exception_text.lower() not in description.lower():
        description = f"{description}: {exception_text}" if description else exception_text
    return CarrierEvent(
        time=when,
        status=status,
        code=code or "?",
        description=description,
        location=join_location(where.get("city"), where.get("stateOrProvinceCode"), where.get("countryCode")),
        exception=exception,
    )


def _obj(value: Any, key: str) -> dict[str, Any]:
    inner = value.get(key) if isinstance(value, dict) else None
    return inner if isinstance(inner, dict) else {}
