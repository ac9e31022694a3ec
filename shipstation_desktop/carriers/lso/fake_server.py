"""A local LSO server for tests, the demo bench and the sandbox setting (http://127.0.0.1:8765).

It implements the API documented in `adapter.py` with seed 004's rules (`rules.py`): validation
errors are 400s with {"error": {"code", "message"}}, tracking numbers are "LSO" + 10 digits + a
Luhn digit, rates use dimensional weight. State lives in memory; tests drive a parcel's journey
with `add_event` / `deliver` and script failures with `fail_next`.
"""

from __future__ import annotations

import base64
import json
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from shipstation_desktop.carriers.tracking_numbers import is_valid_lso, luhn_check_digit

from . import rules

API_KEY_HEADER = "X-API-Key"


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def _bad(message: str, code: str = "VALIDATION_ERROR") -> ApiError:
    return ApiError(400, code, message)


@dataclass
class _Shipment:
    id: str
    tracking_number: str
    reference: str
    service_type: str
    origin: dict[str, Any]
    destination: dict[str, Any]
    packages: list[dict[str, Any]]
    total_cost: Decimal
    estimated_delivery: datetime
    label_format: str
    label: bytes
    created_at: datetime
    status: str = "pending_pickup"
    events: list[dict[str, Any]] = field(default_factory=list)
    proof: dict[str, Any] | None = None


@dataclass
class _Failure:
    status: int
    headers: dict[str, str]
    body: bytes


class FakeLsoServer:
    def __init__(
        self,
        *,
        api_key: str = "test-key",
        port: int = 0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        seed: int = 4,
    ) -> None:
        self.api_key = api_key
        self._port = port
        self.now = now
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.shipments: dict[str, _Shipment] = {}
        self.pickups: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, Any]] = []  # (method, path, json body) as received
        self._failures: list[_Failure] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake LSO server is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeLsoServer:
        server = ThreadingHTTPServer(("127.0.0.1", self._port), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-lso", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeLsoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- test controls ---------------------------------------------------------------------------

    def fail_next(
        self, status: int, *, times: int = 1, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> None:
        """The next `times` requests get this answer instead of being served."""
        with self._lock:
            self._failures.extend(_Failure(status, dict(headers or {}), body) for _ in range(times))

    def add_event(
        self, tracking_number: str, status: str, description: str, location: str = "", at: datetime | None = None
    ) -> None:
        with self._lock:
            shipment = self.shipments[tracking_number]
            self._event(shipment, status, description, location, at)
            if status != "exception":
                shipment.status = status

    def deliver(self, tracking_number: str, recipient: str, at: datetime | None = None, photo: str = "") -> None:
        when = at or self.now()
        city = self.shipments[tracking_number].destination["city"]
        self.add_event(tracking_number, "delivered", "Delivered", city, when)
        with self._lock:
            self.shipments[tracking_number].proof = {
                "deliveredAt": _iso(when),
                "recipientName": recipient,
                "photo": photo or None,
                "notes": None,
            }

    # -- internals -------------------------------------------------------------------------------

    def _event(self, shipment: _Shipment, status: str, description: str, location: str, at: datetime | None) -> None:
        shipment.events.append(
            {
                "id": f"evt_{len(shipment.events) + 1}_{shipment.tracking_number}",
                "status": status,
                "location": location,
                "description": description,
                "timestamp": _iso(at or self.now()),
            }
        )

    def _take_failure(self) -> _Failure | None:
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    def _new_tracking_number(self) -> str:
        while True:
            digits = f"{self._rng.randrange(10**10):010d}"
            number = f"LSO{digits}{luhn_check_digit(digits)}"
            if number not in self.shipments:
                return number

    def handle(self, method: str, raw_path: str, body: Any) -> tuple[int, Any]:
        parsed = urlparse(raw_path)
        parts = [unquote(p) for p in parsed.path.strip("/").split("/")]
        query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        route = (method, *parts)
        if route == ("POST", "api", "rates"):
            return 200, {"rates": self._rates(body)}
        if route == ("POST", "api", "shipments"):
            return 201, self._create(body)
        if route == ("GET", "api", "shipments"):
            reference = query.get("reference", "")
            with self._lock:
                found = [s for s in self.shipments.values() if reference and s.reference == reference]
            return 200, {"shipments": [_shipment_json(s, with_label=False) for s in found]}
        if method == "GET" and len(parts) == 4 and parts[:2] == ["api", "shipments"] and parts[3] == "label":
            return 200, self._shipment(parts[2]).label
        if method == "POST" and len(parts) == 4 and parts[:2] == ["api", "shipments"] and parts[3] == "cancel":
            return 200, self._cancel(parts[2])
        if method == "GET" and len(parts) == 3 and parts[:2] == ["api", "tracking"] and parts[2] != "batch":
            return 200, _tracking_json(self._shipment(parts[2]))
        if route == ("POST", "api", "tracking", "batch"):
            return 200, self._batch(body)
        if route == ("POST", "api", "pickups"):
            return 201, self._pickup(body)
        if route == ("POST", "api", "addresses", "validate"):
            return 200, _validate_address_json(_obj(body, "body").get("address"))
        raise ApiError(404, "NOT_FOUND", f"no route {method} {parsed.path}")

    def _shipment(self, number: str) -> _Shipment:
        if not rules.TRACKING_PATTERN.match(number) or not is_valid_lso(number):
            raise _bad(f"{number} is not a valid LSO tracking number", "INVALID_TRACKING_NUMBER")
        with self._lock:
            shipment = self.shipments.get(number)
        if shipment is None:
            raise ApiError(404, "NOT_FOUND", f"no shipment with tracking number {number}")
        return shipment

    def _rates(self, body: Any) -> list[dict[str, Any]]:
        data = _obj(body, "body")
        origin = _address(data.get("origin"), "origin")
        destination = _address(data.get("destination"), "destination")
        packages = _packages(data.get("packages"))
        services = _services(data.get("additionalServices"))
        billable = rules.billable_kg([_dims(p) for p in packages])
        extra = rules.additional_charges(services, _declared(packages))
        out = []
        for tariff in rules.tariffs_for(origin["country"], destination["country"]):
            base = rules.base_rate(tariff, billable)
            out.append(
                {
                    "serviceType": tariff.service_type,
                    "serviceName": tariff.name,
                    "baseRate": float(base),
                    "additionalCharges": float(extra),
                    "totalCost": float(base + extra),
                    "estimatedTransitDays": tariff.transit_days,
                    "currency": rules.CURRENCY,
                    "billableWeight": float(max(billable, tariff.min_billable_kg)),
                }
            )
        return sorted(out, key=lambda r: r["totalCost"])

    def _create(self, body: Any) -> dict[str, Any]:
        data = _obj(body, "body")
        service_type = data.get("serviceType")
        if service_type not in rules.SERVICE_TYPES:
            raise _bad(f"serviceType must be one of {', '.join(rules.SERVICE_TYPES)}")
        rates = {r["serviceType"]: r for r in self._rates(data)}
        if service_type not in rates:
            raise _bad(f"{service_type} is not offered between these countries", "SERVICE_UNAVAILABLE")
        reference = _text(data.get("referenceNumber"), "referenceNumber", 0, rules.MAX_REFERENCE)
        _text(data.get("specialInstructions"), "specialInstructions", 0, rules.MAX_INSTRUCTIONS)
        if data.get("pickupDate") is not None:
            _pickup_date(data["pickupDate"], self.now())
        label_format = str(data.get("labelFormat") or "pdf")
        if label_format not in ("zpl", "pdf"):
            raise _bad("labelFormat must be zpl or pdf")
        now = self.now()
        rate = rates[service_type]
        with self._lock:
            number = self._new_tracking_number()
            shipment = _Shipment(
                id=f"shp_{number[3:]}",
                tracking_number=number,
                reference=reference,
                service_type=service_type,
                origin=data["origin"],
                destination=data["destination"],
                packages=data["packages"],
                total_cost=Decimal(str(rate["totalCost"])),
                estimated_delivery=(now + timedelta(days=rate["estimatedTransitDays"])).replace(
                    hour=23, minute=59, second=0, microsecond=0
                ),
                label_format=label_format,
                label=_label(number, data["destination"], label_format),
                created_at=now,
            )
            self._event(shipment, "pending_pickup", "Shipment created; awaiting pickup", data["origin"]["city"], now)
            self.shipments[number] = shipment
        return _shipment_json(shipment, with_label=True)

    def _cancel(self, number: str) -> dict[str, Any]:
        shipment = self._shipment(number)
        with self._lock:
            if shipment.status == "cancelled":
                raise ApiError(409, "ALREADY_CANCELLED", f"shipment {number} is already cancelled")
            if shipment.status not in ("draft", "pending_pickup"):
                raise ApiError(409, "CANNOT_CANCEL", f"shipment {number} was already picked up and cannot be cancelled")
            shipment.status = "cancelled"
            self._event(shipment, "cancelled", "Shipment cancelled by the shipper", shipment.origin["city"], None)
        return {"trackingNumber": number, "status": "cancelled"}

    def _batch(self, body: Any) -> dict[str, Any]:
        numbers = _obj(body, "body").get("trackingNumbers")
        if not isinstance(numbers, list) or not 1 <= len(numbers) <= 25:
            raise _bad("trackingNumbers must list 1 to 25 numbers")
        results, missing = [], []
        for number in numbers:
            try:
                results.append(_tracking_json(self._shipment(str(number))))
            except ApiError:
                missing.append(number)
        return {"results": results, "notFound": missing}

    def _pickup(self, body: Any) -> dict[str, Any]:
        data = _obj(body, "body")
        address = _address(data.get("address"), "address")
        day = _pickup_date(data.get("pickupDate"), self.now())
        slot = data.get("timeSlot")
        if slot not in rules.PICKUP_SLOTS:
            raise _bad(f"timeSlot must be one of {', '.join(rules.PICKUP_SLOTS)}")
        count = data.get("packageCount", 1)
        if not isinstance(count, int) or not 1 <= count <= rules.MAX_PACKAGES:
            raise _bad(f"packageCount must be between 1 and {rules.MAX_PACKAGES}")
        instructions = _text(data.get("specialInstructions"), "specialInstructions", 0, rules.MAX_INSTRUCTIONS)
        with self._lock:
            pickup_id = f"PU{day:%y%m%d}{len(self.pickups) + 1:04d}"
            pickup = {
                "id": pickup_id,
                "address": address,
                "pickupDate": day.isoformat(),
                "timeSlot": slot,
                "window": rules.PICKUP_SLOTS[slot],
                "packageCount": count,
                "specialInstructions": instructions or None,
                "status": "scheduled",
                "createdAt": _iso(self.now()),
            }
            self.pickups[pickup_id] = pickup
        return pickup


# -- validation (seed 004 zod schemas) ------------------------------------------------------------


def _obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(f"{where} must be a JSON object")
    return value


def _text(value: Any, where: str, low: int, high: int) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _bad(f"{where} must be text")
    if not low <= len(value) <= high:
        limit = f"{low} to {high}" if low else f"at most {high}"
        raise _bad(f"{where} must be {limit} characters")
    return value


def _address_errors(value: Any, where: str) -> list[tuple[str, str]]:
    if not isinstance(value, dict):
        return [(where, f"{where} must be an address object")]
    errors = []
    for name, low, high in (
        ("name", 1, 100),
        ("company", 0, 100),
        ("street1", 1, 100),
        ("street2", 0, 100),
        ("city", 1, 50),
        ("state", 0, 50),
        ("postalCode", 1, 20),
    ):
        try:
            _text(value.get(name), f"{where}.{name}", low, high)
        except ApiError as exc:
            errors.append((f"{where}.{name}", exc.message))
    country = value.get("country")
    if not isinstance(country, str) or len(country) != 2:
        errors.append((f"{where}.country", f"{where}.country must be a 2-letter ISO code"))
    phone = value.get("phone")
    if not isinstance(phone, str) or not rules.E164.match(phone):
        errors.append((f"{where}.phone", f"{where}.phone must be an E.164 number such as +15555550100"))
    return errors


def _address(value: Any, where: str) -> dict[str, Any]:
    errors = _address_errors(value, where)
    if errors:
        raise _bad(errors[0][1])
    return dict(value)


def _number(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(f"{where} must be a number")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise _bad(f"{where} must be a number") from None


def _packages(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not 1 <= len(value) <= rules.MAX_PACKAGES:
        raise _bad(f"packages must list 1 to {rules.MAX_PACKAGES} packages")
    for index, package in enumerate(value):
        where = f"packages[{index}]"
        package = _obj(package, where)
        for side in ("length", "width", "height"):
            size = _number(package.get(side), f"{where}.{side}")
            if not 0 < size <= rules.MAX_SIDE_CM:
                raise _bad(f"{where}.{side} must be more than 0 and at most {rules.MAX_SIDE_CM} cm")
        weight = _number(package.get("weight"), f"{where}.weight")
        if not rules.MIN_WEIGHT_KG <= weight <= rules.MAX_WEIGHT_KG:
            raise _bad(f"{where}.weight must be between {rules.MIN_WEIGHT_KG} and {rules.MAX_WEIGHT_KG} kg")
        _text(package.get("description"), f"{where}.description", 1, rules.MAX_DESCRIPTION)
        if package.get("value") is not None and _number(package["value"], f"{where}.value") <= 0:
            raise _bad(f"{where}.value must be positive")
    return value


def _services(value: Any) -> list[str]:
    services = value or []
    if not isinstance(services, list) or any(s not in rules.ADDITIONAL_SERVICES for s in services):
        raise _bad(f"additionalServices may only hold {', '.join(rules.ADDITIONAL_SERVICES)}")
    return list(services)


def _dims(package: dict[str, Any]) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    return (
        Decimal(str(package["length"])),
        Decimal(str(package["width"])),
        Decimal(str(package["height"])),
        Decimal(str(package["weight"])),
    )


def _declared(packages: list[dict[str, Any]]) -> Decimal:
    return sum((Decimal(str(p["value"])) for p in packages if p.get("value") is not None), Decimal(0))


def _pickup_date(value: Any, now: datetime) -> date:
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        raise _bad("pickupDate must be a date like 2026-01-31") from None
    if day < now.date() + timedelta(days=1):
        raise _bad("pickupDate must be tomorrow or later", "PICKUP_DATE_TOO_EARLY")
    return day


def _validate_address_json(value: Any) -> dict[str, Any]:
    errors = _address_errors(value, "address")
    normalized = None
    if isinstance(value, dict):
        normalized = {k: v.strip() if isinstance(v, str) else v for k, v in value.items()}
        normalized["country"] = str(normalized.get("country") or "").upper()
        if normalized["country"] == "US":
            normalized["state"] = str(normalized.get("state") or "").upper()
    return {
        "valid": not errors,
        "errors": [{"field": f, "message": m} for f, m in errors],
        "normalized": normalized,
    }


# -- JSON shapes ----------------------------------------------------------------------------------


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _shipment_json(s: _Shipment, *, with_label: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": s.id,
        "trackingNumber": s.tracking_number,
        "referenceNumber": s.reference or None,
        "status": s.status,
        "serviceType": s.service_type,
        "origin": s.origin,
        "destination": s.destination,
        "packages": s.packages,
        "totalCost": float(s.total_cost),
        "currency": rules.CURRENCY,
        "estimatedDelivery": _iso(s.estimated_delivery),
        "labelUrl": f"/api/shipments/{s.tracking_number}/label",
        "createdAt": _iso(s.created_at),
    }
    if with_label:
        out["label"] = {"format": s.label_format, "data": base64.b64encode(s.label).decode("ascii")}
    return out


def _tracking_json(s: _Shipment) -> dict[str, Any]:
    return {
        "trackingNumber": s.tracking_number,
        "status": s.status,
        "serviceType": s.service_type,
        "currentLocation": s.events[-1]["location"] if s.events else "",
        "estimatedDelivery": _iso(s.estimated_delivery),
        "history": list(reversed(s.events)),  # newest first, as the seed's timeline shows them
        "deliveryProof": s.proof,
    }


def _label(number: str, destination: dict[str, Any], label_format: str) -> bytes:
    if label_format == "zpl":
        name = str(destination.get("name", "")).replace("^", " ").replace("~", " ")
        return f"^XA^PW812^LL1218^FO40,40^A0N,40,40^FDLSO {name}^FS^FO40,200^BCN,200,Y,N,N^FD{number}^FS^XZ\n".encode()
    # A one-page PDF with the tracking number: enough for a viewer or printer to accept it.
    text = f"BT /F1 24 Tf 40 380 Td (LSO {number}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 288 432] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for index, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (index, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _handler_for(api: FakeLsoServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return None  # tests stay quiet

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            failure = api._take_failure()
            if failure is not None:
                self._send(failure.status, failure.body, "application/json", failure.headers)
                return
            try:
                body = json.loads(raw) if raw else None
            except json.JSONDecodeError:
                self._error(ApiError(400, "INVALID_JSON", "the request body is not valid JSON"))
                return
            api.requests.append((method, self.path, body))
            if self.headers.get(API_KEY_HEADER) != api.api_key:
                self._error(ApiError(401, "UNAUTHORIZED", "missing or invalid API key"))
                return
            try:
                status, payload = api.handle(method, self.path, body)
            except ApiError as exc:
                self._error(exc)
                return
            if isinstance(payload, bytes):
                kind = "application/pdf" if payload.startswith(b"%PDF") else "application/zpl"
                self._send(status, payload, kind)
            else:
                self._send(status, json.dumps(payload).encode(), "application/json")

        def _error(self, exc: ApiError) -> None:
            body = json.dumps({"error": {"code": exc.code, "message": exc.message}}).encode()
            self._send(exc.status, body, "application/json")

        def _send(self, status: int, body: bytes, kind: str, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler


def main() -> None:  # pragma: no cover - a manual sandbox: python -m shipstation_desktop.carriers.lso.fake_server
    server = FakeLsoServer(port=8765).start()
    print(f"fake LSO at {server.url} (API key {server.api_key!r}); Ctrl+C stops it")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
