"""Correos (Spain) tracking: the JSON its public parcel locator answers with.

Shape (GET https://api1.correos.es/digital-services/searchengines/api/v1/?text=N&language=EN&searchType=envio,
the call behind https://www.correos.es/es/es/herramientas/localizador):

    {"type": "envio", "shipment": [{"shipmentCode": "PQ…", "events": [
        {"eventDate": "18/11/2021", "eventTime": "18:25:51", "phase": "2", "colour": "V",
         "summaryText": "Admitido", "extendedText": "El envío ha tenido admisión en origen", "codired": "1254002"}]}]}

`phase` groups events: 1 pre-admission, 2 on its way, 3 in delivery, 4 delivered. The texts say what
happened (absent, returned, held at customs…), so they refine the phase; both Spanish and English
wording are recognised because the `language` parameter switches them. Times are Spanish local time.
Unknown numbers come back as an error object ({"code": "404", "message": …}), an empty shipment
list, or a shipment with an `error` and no events.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shipstation_desktop.carriers.normalize import CodeTable, Mapped, load_json, result
from shipstation_desktop.carriers.port import CarrierEvent, TrackingResult
from shipstation_desktop.domain.enums import ExceptionType, ShipmentStatus
from shipstation_desktop.domain.errors import CarrierError

NAME = "Correos"


def _madrid() -> tzinfo:
    try:
        return ZoneInfo("Europe/Madrid")
    except ZoneInfoNotFoundError:  # a machine without a tz database: CET without summer time
        return timezone(timedelta(hours=1))


SPAIN_TZ = _madrid()

PHASES = CodeTable(
    {
        "1": (ShipmentStatus.LABEL_CREATED, None),  # PRE-ADMISIÓN: announced, not yet handed over
        "2": (ShipmentStatus.IN_TRANSIT, None),  # EN CAMINO
        "3": (ShipmentStatus.OUT_FOR_DELIVERY, None),  # EN ENTREGA
        "4": (ShipmentStatus.DELIVERED, None),  # ENTREGADO
    }
)

S, X = ShipmentStatus, ExceptionType
# Most specific first: "not delivered, absent" must not read as "delivered".
_TEXT_RULES: tuple[tuple[re.Pattern[str], Mapped], ...] = (
    (re.compile(r"devuelt|devoluci|returned|return to sender", re.I), (S.RETURNED_TO_SENDER, None)),
    (re.compile(r"rehusad|refused|rejected", re.I), (S.IN_TRANSIT, X.REFUSED_BY_RECIPIENT)),
    (re.compile(r"extraviad|\blost\b", re.I), (S.LOST, X.LOST_IN_TRANSIT)),
    (re.compile(r"deteriorad|dañad|damaged", re.I), (S.DAMAGED, X.DAMAGED_IN_TRANSIT)),
    (
        re.compile(r"direcci[oó]n (incorrecta|incompleta)|desconocido|incorrect address|unknown address", re.I),
        (S.IN_TRANSIT, X.ADDRESS_ISSUE),
    ),
    (
        re.compile(r"ausente|no (se ha podido|ha sido posible) entregar|absent|unsuccessful|not delivered", re.I),
        (S.OUT_FOR_DELIVERY, X.DELIVERY_FAILED),
    ),
    (re.compile(r"retenid|detenid|held|pending.*customs|customs.*pending", re.I), (S.IN_TRANSIT, X.CUSTOMS_DELAY)),
    (re.compile(r"\bentregad|\bdelivered\b", re.I), (S.DELIVERED, None)),
    (re.compile(r"en reparto|out for delivery|on delivery", re.I), (S.OUT_FOR_DELIVERY, None)),
    (re.compile(r"admitid|admisi[oó]n|admitted|accepted", re.I), (S.PICKED_UP, None)),
    (re.compile(r"prerregistr|pre-?registered", re.I), (S.LABEL_CREATED, None)),
)


def map_event(phase: str, text: str) -> Mapped:
    for pattern, mapped in _TEXT_RULES:
        if pattern.search(text):
            return mapped
    return PHASES.map(phase)


def _event_time(raw: dict[str, Any]) -> datetime:
    day = str(raw.get("eventDate") or "").strip()
    clock = str(raw.get("eventTime") or "00:00:00").strip()
    for fmt in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M"):
        try:
            return datetime.strptime(f"{day} {clock}", fmt).replace(tzinfo=SPAIN_TZ)
        except ValueError:
            continue
    raise CarrierError(f"{NAME} sent an unreadable event time {day!r} {clock!r}", "malformed")


def parse_data(data: Any, number: str = "") -> TrackingResult:
    if not isinstance(data, dict):
        raise CarrierError(f"{NAME} tracking response is not a JSON object", "malformed")
    shipments = data.get("shipment")
    if shipments is None and data.get("code"):
        more = data.get("moreInformation")
        more = more if isinstance(more, dict) else {}
        why = str(more.get("description") or data.get("message") or "unknown error")
        code = "not_found" if str(data["code"]) == "404" else str(data["code"])
        raise CarrierError(f"{NAME} has no tracking for {number or 'this number'} ({why})", code)
    if not isinstance(shipments, list):
        raise CarrierError(f"{NAME} tracking response has no shipment list", "malformed")
    if not shipments or not isinstance(shipments[0], dict):
        raise CarrierError(f"{NAME} has no tracking for {number or 'this number'}", "not_found")
    shipment = shipments[0]
    number = str(shipment.get("shipmentCode") or number).strip().upper()
    raw_events = shipment.get("events") or []
    if not isinstance(raw_events, list):
        raise CarrierError(f"{NAME} tracking response has unreadable events", "malformed")
    if not raw_events:
        error = shipment.get("error")
        error = error if isinstance(error, dict) else {}
        why = str(error.get("errorDesc") or error.get("description") or "no events yet")
        raise CarrierError(f"{NAME} has no tracking for {number or 'this number'} ({why})", "not_found")
    events: list[CarrierEvent] = []
    for raw in raw_events:
        if not isinstance(raw, dict):
            continue
        summary = str(raw.get("summaryText") or "").strip()
        extended = str(raw.get("extendedText") or "").strip()
        phase = str(raw.get("phase") or "").strip()
        status, exception = map_event(phase, f"{summary} {extended}")
        events.append(
            CarrierEvent(
                time=_event_time(raw),
                status=status,
                code=phase,
                description=extended or summary,
                exception=exception,
            )
        )
    return result(number, events)


def parse_tracking(body: bytes) -> TrackingResult:
    return parse_data(load_json(body, NAME))
