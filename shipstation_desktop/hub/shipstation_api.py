"""ShipStation (API v1) webhooks: ORDER_NOTIFY / ITEM_ORDER_NOTIFY / SHIP_NOTIFY / ITEM_SHIP_NOTIFY.

ShipStation posts {"resource_url", "resource_type"} and nothing else; the data is read back from
resource_url with the account's API key and secret (HTTP Basic). Per
https://www.shipstation.com/docs/api/webhooks/ (payload), https://www.shipstation.com/docs/api/orders/list-orders/
and https://www.shipstation.com/docs/api/shipments/list/ (the {"orders": […]} / {"shipments": […]}
pages with page/pages; order fields orderNumber, orderStatus, customerEmail, billTo/shipTo {name,
company, street1, street2, city, state, postalCode, country, phone}, items [{sku, name, quantity,
unitPrice, weight {value, units}}], orderTotal, weight, dimensions; shipment fields orderNumber,
trackingNumber, carrierCode, serviceCode, shipDate, createDate, shipmentCost, voided, shipTo).

The webhook itself is unsigned, so the hub trusts nothing in it but the URL, and fetches only
https URLs on ShipStation's API host (SSRF: never an arbitrary host, no redirects followed, the
answer size capped). Times ShipStation writes without an offset are US Pacific time, as its docs say.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import text

from shipstation_desktop.domain.address_normalize import normalize_address, tidy
from shipstation_desktop.domain.enums import CustomerSource, OrderStatus
from shipstation_desktop.domain.states import ORDER_TRANSITIONS
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.sync.port import Mutation

from . import shipnotify
from .record_rows import full_row
from .ship_notice import NoticeError, NoticeItem, ShipNotice
from .shipnotify import ShipResult
from .state import HUB_BENCH_ID, HubState

API_HOST = "ssapi.shipstation.com"
RESOURCE_TYPES = frozenset({"ORDER_NOTIFY", "ITEM_ORDER_NOTIFY", "SHIP_NOTIFY", "ITEM_SHIP_NOTIFY"})
MAX_PAGES = 20
MAX_RESPONSE_BYTES = 8 * 1024 * 1024
_PACIFIC = ZoneInfo("America/Los_Angeles")
_NAMESPACE = uuid.UUID("a4d2c7e1-5b3f-4e68-9c0a-1e7f3b5d9c24")

# ShipStation's orderStatus -> ours. Shipped is left to the shipments (SHIP_NOTIFY) that prove it.
STATUS_MAP = {
    "awaiting_payment": OrderStatus.PENDING,
    "awaiting_shipment": OrderStatus.CONFIRMED,
    "pending_fulfillment": OrderStatus.PROCESSING,
    "on_hold": OrderStatus.PENDING,
    "shipped": OrderStatus.SHIPPED,
    "cancelled": OrderStatus.CANCELLED,
}
# ShipStation's carrierCode -> the bench's carrier codes (others are kept as ShipStation names them).
CARRIER_MAP = {
    "stamps_com": "usps",
    "endicia": "usps",
    "usps": "usps",
    "ups": "ups",
    "ups_walleted": "ups",
    "fedex": "fedex",
    "dhl_express": "dhl",
    "dhl_express_worldwide": "dhl",
    "dhl_express_uk": "dhl",
}
_GRAMS = {"grams": Decimal(1), "ounces": Decimal("28.349523125"), "pounds": Decimal("453.59237")}
_MM = {"inches": Decimal("25.4"), "centimeters": Decimal(10)}

AfterShip = Callable[[HubState, ShipResult], None]


class ResourceError(Exception):
    """The webhook cannot be processed: `status` is the HTTP answer (4xx: never retry; 5xx: retry)."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message


@dataclass
class Outcome:
    resource_type: str
    created: list[str] = field(default_factory=list)  # order numbers
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    shipped: list[str] = field(default_factory=list)  # tracking numbers
    duplicates: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "<number>: why"

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


def after_ship(state: HubState, result: ShipResult) -> None:
    """Runs once for each shipment a webhook newly recorded (never for a repeat). Stock is already
    deducted by shipnotify.apply; customer notifications are sent by benches (a notification row is
    sent only by the bench that wrote it), so the hub has nothing more to do here by default."""
    return None


def derived_id(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "|".join(parts)))


def allowed_url(raw: Any, hosts: frozenset[str]) -> httpx.URL:
    """The resource URL when the hub may fetch it: https, an allowed host, default port, no user info."""
    if not isinstance(raw, str) or not raw or len(raw) > 2000:
        raise ResourceError(422, "bad_resource_url", "resource_url must be a URL string.")
    try:
        url = httpx.URL(raw)
    except (httpx.InvalidURL, ValueError):
        raise ResourceError(422, "bad_resource_url", "resource_url is not a valid URL.") from None
    host = (url.host or "").lower().rstrip(".")
    if url.scheme != "https" or host not in hosts or url.userinfo or url.port not in (None, 443):
        raise ResourceError(
            422, "forbidden_host", f"resource_url must be an https URL on {', '.join(sorted(hosts))}; refused."
        )
    return url


def fetch_pages(client: httpx.Client, url: httpx.URL, key: str) -> Iterator[dict[str, Any]]:
    """Each JSON page of the resource (page 1, 2, … up to MAX_PAGES)."""
    page = 1
    while True:
        target = url if page == 1 else url.copy_set_param("page", str(page))
        body = _get(client, target)
        if not isinstance(body, dict) or not isinstance(body.get(key), list):
            raise ResourceError(502, "bad_resource", f"ShipStation's answer has no {key!r} list.")
        yield body
        pages = body.get("pages")
        if not isinstance(pages, int) or page >= min(pages, MAX_PAGES):
            return
        page += 1


def _get(client: httpx.Client, url: httpx.URL) -> Any:
    try:
        with client.stream("GET", url, headers={"Accept": "application/json"}) as response:
            if response.status_code in (401, 403):
                raise ResourceError(502, "upstream_auth", "ShipStation refused the hub's API key and secret.")
            if response.status_code == 429 or response.status_code >= 500:
                raise ResourceError(503, "upstream_busy", f"ShipStation answered {response.status_code}; retry later.")
            if response.status_code != 200:
                raise ResourceError(502, "upstream_error", f"ShipStation answered {response.status_code}.")
            data = bytearray()
            for chunk in response.iter_bytes():
                data += chunk
                if len(data) > MAX_RESPONSE_BYTES:
                    raise ResourceError(502, "upstream_too_large", "ShipStation's answer is too large.")
    except httpx.HTTPError as exc:
        raise ResourceError(
            503, "upstream_unreachable", f"ShipStation cannot be reached ({type(exc).__name__})."
        ) from exc
    try:
        return json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ResourceError(502, "bad_resource", "ShipStation's answer is not JSON.") from None


# ---------------------------------------------------------------------------------------------- values


def _decimal(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value)) if value is not None and value != "" else None
    except InvalidOperation:
        return None
    return number if number is not None and number.is_finite() else None


def _time(value: Any) -> datetime | None:
    text_ = tidy(value)
    if not text_:
        return None
    if text_.endswith("Z"):
        text_ = text_[:-1] + "+00:00"
    try:
        at = datetime.fromisoformat(text_)
    except ValueError:
        try:
            at = datetime.fromisoformat(text_[:19])
        except ValueError:
            return None
    return (at if at.tzinfo else at.replace(tzinfo=_PACIFIC)).astimezone(UTC)


def _date(value: Any) -> date | None:
    at = tidy(value)[:10]
    try:
        return date.fromisoformat(at) if at else None
    except ValueError:
        return None


def grams(weight: Any) -> Decimal | None:
    if not isinstance(weight, dict):
        return None
    value = _decimal(weight.get("value"))
    factor = _GRAMS.get(tidy(weight.get("units")).lower())
    return None if value is None or factor is None else (value * factor).quantize(Decimal("0.1"))


def _millimetres(dimensions: Any) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    if not isinstance(dimensions, dict):
        return None, None, None
    factor = _MM.get(tidy(dimensions.get("units")).lower())
    if factor is None:
        return None, None, None
    out = []
    for name in ("length", "width", "height"):
        value = _decimal(dimensions.get(name))
        out.append((value * factor).quantize(Decimal("0.1")) if value else None)
    return out[0], out[1], out[2]


def address(raw: Any) -> dict[str, str]:
    raw = raw if isinstance(raw, dict) else {}
    return normalize_address(
        {
            "name": raw.get("name"),
            "company": raw.get("company"),
            "line1": raw.get("street1"),
            "line2": " ".join(tidy(raw.get(k)) for k in ("street2", "street3") if tidy(raw.get(k))),
            "city": raw.get("city"),
            "state": raw.get("state"),
            "postal_code": raw.get("postalCode"),
            "country": raw.get("country"),
            "phone": raw.get("phone"),
        }
    )


def carrier_code(raw: Any) -> str:
    code = tidy(raw).lower()
    return CARRIER_MAP.get(code, code)[:32]


# ---------------------------------------------------------------------------------------------- orders


def _record(state: HubState, entity: str, where: str, params: dict[str, Any]) -> tuple[str, int, dict[str, Any]] | None:
    with state.engine.connect() as conn:
        row = conn.execute(
            text(f"SELECT id, version, data FROM records WHERE entity = :e AND NOT deleted AND {where} LIMIT 1"),
            {"e": entity} | params,
        ).first()
    return None if row is None else (row[0], row[1], dict(row[2]))


def _sync(now: datetime) -> dict[str, Any]:
    return {"created_at": now, "updated_at": now, "bench_id": HUB_BENCH_ID, "version": 1}


def _customer(state: HubState, order: dict[str, Any], now: datetime) -> tuple[str | None, list[Mutation]]:
    """The customer id for the order: the center's customer with this e-mail, else a new one (the id
    derives from the e-mail, and the center merges by normalized e-mail whoever creates it first)."""
    email = tidy(order.get("customerEmail"))
    normalized = email.lower()
    if not normalized or "@" not in normalized:
        return None, []
    found = _record(state, "customers", "data->>'email_normalized' = :m", {"m": normalized})
    if found is not None:
        return found[0], []
    bill, ship = order.get("billTo") or {}, order.get("shipTo") or {}
    customer_id = derived_id("customer", normalized)
    row = full_row(
        t.Customer,
        _sync(now)
        | {
            "id": customer_id,
            "external_id": tidy(order.get("customerId") or order.get("customerUsername"))[:120],
            "email": email[:320],
            "email_normalized": normalized[:320],
            "name": (tidy(bill.get("name")) or tidy(ship.get("name")) or normalized)[:200],
            "phone": address(bill).get("phone", "")[:32],
            "source": CustomerSource.SHIPSTATION.value,
            "tags": [],
            "custom_fields": {},
        },
    )
    return customer_id, [
        Mutation(derived_id("customer-mutation", customer_id), "customers", customer_id, "insert", None, row)
    ]


def _new_order(state: HubState, order: dict[str, Any], number: str, now: datetime) -> list[Mutation]:
    customer_id, mutations = _customer(state, order, now)
    order_id = derived_id("order", number)
    status = STATUS_MAP.get(tidy(order.get("orderStatus")).lower(), OrderStatus.PENDING)
    length, width, height = _millimetres(order.get("dimensions"))
    lines = [item for item in order.get("items") or [] if isinstance(item, dict)]
    total = _decimal(order.get("orderTotal"))
    if total is None:
        total = sum(
            ((_decimal(i.get("unitPrice")) or Decimal(0)) * int(i.get("quantity") or 0) for i in lines), Decimal(0)
        )
    row = full_row(
        t.Order,
        _sync(now)
        | {
            "id": order_id,
            "order_number": number,
            "status": status.value,
            "customer_id": customer_id,
            "ship_to": address(order.get("shipTo")),
            "total_amount": total,
            "expected_weight_grams": grams(order.get("weight")),
            "length_mm": length,
            "width_mm": width,
            "height_mm": height,
            "requested_service": tidy(order.get("requestedShippingService") or order.get("serviceCode"))[:64],
            "order_date": _time(order.get("orderDate")) or now,
        },
    )
    mutations.append(Mutation(derived_id("order-mutation", order_id), "orders", order_id, "insert", None, row))
    for index, item in enumerate(lines):
        line_id = derived_id("line", order_id, str(item.get("orderItemId") or item.get("lineItemKey") or index))
        quantity = max(int(_decimal(item.get("quantity")) or 0), 0)
        line = full_row(
            t.OrderLine,
            _sync(now)
            | {
                "id": line_id,
                "order_id": order_id,
                "sku": tidy(item.get("sku"))[:64],
                "name": (tidy(item.get("name")) or tidy(item.get("sku")) or "item")[:200],
                "quantity": quantity,
                "unit_price": _decimal(item.get("unitPrice")) or Decimal(0),
                "unit_weight_grams": grams(item.get("weight")) or Decimal(0),
            },
        )
        mutations.append(Mutation(derived_id("line-mutation", line_id), "order_lines", line_id, "insert", None, line))
    return mutations


def _status_update(
    order_id: str, version: int, current: dict[str, Any], order: dict[str, Any], now: datetime
) -> list[Mutation]:
    target = STATUS_MAP.get(tidy(order.get("orderStatus")).lower())
    try:
        status = OrderStatus(str(current.get("status")))
    except ValueError:
        return []
    if target is None or target is OrderStatus.SHIPPED or target == status or target not in ORDER_TRANSITIONS[status]:
        return []
    key = f"{order_id}|{target.value}|{tidy(order.get('modifyDate'))}"
    history_id = derived_id("history", key)
    history = full_row(
        t.OrderStatusHistory,
        _sync(now)
        | {
            "id": history_id,
            "order_id": order_id,
            "status": target.value,
            "previous_status": status.value,
            "notes": "ShipStation order notification",
            "created_by": "ShipStation",
            "source": shipnotify.SOURCE,
        },
    )
    payload = {**current, "status": target.value, "updated_at": now.isoformat()}
    return [
        Mutation(derived_id("order-update", key), "orders", order_id, "update", version, payload, ["status"]),
        Mutation(
            derived_id("history-mutation", history_id), "order_status_history", history_id, "insert", None, history
        ),
    ]


def apply_orders(state: HubState, orders: list[Any], outcome: Outcome) -> None:
    now = state.config.now()
    for order in orders:
        if not isinstance(order, dict):
            continue
        number = tidy(order.get("orderNumber"))[:64]
        if not number:
            outcome.skipped.append("?: an order without orderNumber")
            continue
        found = _record(state, "orders", "data->>'order_number' = :n", {"n": number})
        if found is None:
            mutations, bucket = _new_order(state, order, number, now), outcome.created
        else:
            mutations, bucket = _status_update(found[0], found[1], found[2], order, now), outcome.updated
            if not mutations:
                outcome.unchanged.append(number)
                continue
        rejected = [r.reason for r in state.push(mutations) if r.outcome == "rejected"]
        if rejected:
            outcome.skipped.append(f"{number}: {rejected[0]}")
        else:
            bucket.append(number)


# ---------------------------------------------------------------------------------------------- shipments


def notice_of(shipment: dict[str, Any]) -> ShipNotice:
    created = _time(shipment.get("createDate"))
    items = tuple(
        NoticeItem(tidy(i.get("sku")), tidy(i.get("name")), max(int(_decimal(i.get("quantity")) or 0), 0))
        for i in shipment.get("shipmentItems") or []
        if isinstance(i, dict)
    )
    cost = _decimal(shipment.get("shipmentCost"))
    return ShipNotice(
        order_number=tidy(shipment.get("orderNumber"))[:64],
        carrier=carrier_code(shipment.get("carrierCode")),
        service=tidy(shipment.get("serviceCode"))[:64],
        tracking_number="".join(tidy(shipment.get("trackingNumber")).split()).upper()[:64],
        order_id=tidy(shipment.get("orderId")),
        label_created=created,
        ship_date=_date(shipment.get("shipDate")),
        shipping_cost=cost if cost is not None and cost >= 0 else None,
        recipient={k: v for k, v in address(shipment.get("shipTo")).items() if v},
        items=items,
    )


def apply_shipments(state: HubState, shipments: list[Any], outcome: Outcome, hook: AfterShip) -> None:
    for shipment in shipments:
        if not isinstance(shipment, dict):
            continue
        notice = notice_of(shipment)
        if not notice.order_number or not notice.tracking_number:
            outcome.skipped.append(f"{notice.order_number or '?'}: a shipment without order or tracking number")
            continue
        if shipment.get("voided"):
            outcome.skipped.append(f"{notice.tracking_number}: voided")
            continue
        try:
            result = shipnotify.apply(state, notice)
        except NoticeError as exc:
            outcome.skipped.append(f"{notice.tracking_number}: {exc.message}")
            continue
        if result.outcome == "shipped":
            outcome.shipped.append(result.tracking_number)
            hook(state, result)
        else:
            outcome.duplicates.append(result.tracking_number)


def process(
    state: HubState,
    client: httpx.Client,
    payload: dict[str, Any],
    hosts: frozenset[str],
    hook: AfterShip = after_ship,
) -> Outcome:
    kind = tidy(payload.get("resource_type")).upper()
    if kind not in RESOURCE_TYPES:
        raise ResourceError(
            422, "bad_resource_type", f"resource_type must be one of {', '.join(sorted(RESOURCE_TYPES))}."
        )
    url = allowed_url(payload.get("resource_url"), hosts)
    outcome = Outcome(kind)
    key = "orders" if kind.endswith("ORDER_NOTIFY") else "shipments"
    for page in fetch_pages(client, url, key):
        if key == "orders":
            apply_orders(state, page[key], outcome)
        else:
            apply_shipments(state, page[key], outcome, hook)
    return outcome
