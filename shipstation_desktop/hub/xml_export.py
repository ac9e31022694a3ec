"""The Custom Store export XML, written as a stream of small chunks (never a DOM of the whole page).

Shape from ShipStation's "Custom Store Development Guide" (Auctane; e.g. the copy published at
https://github.com/DynamoMTL/spree_shipstation/blob/master/doc/ShipStationCustomStoreDevGuide.pdf):
<Orders pages="N"><Order><OrderID/><OrderNumber/><OrderDate/><OrderStatus/><LastModified/>
<ShippingMethod/><CurrencyCode/><OrderTotal/><TaxAmount/><ShippingAmount/><CustomerNotes/>
<InternalNotes/><Customer><CustomerCode/><BillTo>…</BillTo><ShipTo>…</ShipTo></Customer>
<Items><Item><SKU/><Name/><Weight/><WeightUnits/><Quantity/><UnitPrice/><Location/></Item></Items>
</Order></Orders>; dates "MM/dd/yyyy HH:mm"; free text in CDATA.

Every value here comes from a bench, so from a customer: text is stripped of characters XML 1.0
forbids (control characters, lone surrogates, U+FFFE/FFFF) and wrapped in CDATA with any "]]>" split
across two sections; numbers and dates are re-rendered from parsed values, never copied.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from shipstation_desktop.domain.address_normalize import normalize_address, tidy

DATE_FORMAT = "%m/%d/%Y %H:%M"
_ILLEGAL_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_CHUNK_BYTES = 64 * 1024


def clean_text(value: Any) -> str:
    """The value as text, without the characters XML 1.0 cannot carry at all."""
    if value is None:
        return ""
    return _ILLEGAL_XML.sub("", str(value))


def cdata(value: Any) -> str:
    # "]]>" would end the section early: close after "]]", reopen before ">".
    return "<![CDATA[" + clean_text(value).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_el(name: str, value: Any) -> str:
    return f"<{name}>{cdata(value)}</{name}>"


def _decimal(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def money(value: Any) -> str:
    number = _decimal(value)
    return f"{(number or Decimal(0)).quantize(Decimal('0.01')):f}"


def number(value: Any) -> str:
    parsed = _decimal(value)
    if parsed is None:
        return "0"
    text = f"{parsed.normalize():f}"
    return text


def ss_date(value: Any) -> str:
    """MM/dd/yyyy HH:mm in UTC from an ISO 8601 string or an aware datetime; "" when unreadable."""
    if isinstance(value, datetime):
        at = value
    else:
        try:
            at = datetime.fromisoformat(str(value))
        except ValueError:
            return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)  # the center stores UTC; a naive value is a bench bug, read as UTC
    return at.astimezone(UTC).strftime(DATE_FORMAT)


@dataclass(frozen=True, slots=True)
class ExportOrder:
    """One order as the center holds it: the records' `data` documents plus the record's update time."""

    order: Mapping[str, Any]
    modified: datetime
    customer: Mapping[str, Any] | None
    lines: list[Mapping[str, Any]]
    locations: Mapping[str, str]  # SKU -> bin location (inventory items), when known


def _optional(name: str, data: Mapping[str, Any], key: str, render: Any = None) -> str:
    """Fields the bench schema may not have (tax, notes): written only when the order carries them."""
    if data.get(key) in (None, ""):
        return ""
    return f"<{name}>{render(data[key])}</{name}>" if render else text_el(name, data[key])


def order_xml(item: ExportOrder) -> str:
    o = item.order
    ship_to = o.get("ship_to")
    ship = normalize_address(ship_to if isinstance(ship_to, dict) else {})
    customer = item.customer or {}
    email = tidy(customer.get("email")) or ship.get("email", "")
    parts = [
        "<Order>",
        text_el("OrderID", o.get("id")),
        text_el("OrderNumber", o.get("order_number")),
        f"<OrderDate>{ss_date(o.get('order_date'))}</OrderDate>",
        text_el("OrderStatus", o.get("status")),
        f"<LastModified>{ss_date(item.modified)}</LastModified>",
        text_el("ShippingMethod", o.get("requested_service")),
        _optional("PaymentMethod", o, "payment_method"),
        text_el("CurrencyCode", o.get("currency") or "USD"),
        f"<OrderTotal>{money(o.get('total_amount'))}</OrderTotal>",
        _optional("TaxAmount", o, "tax_amount", money),
        _optional("ShippingAmount", o, "shipping_amount", money),
        _optional("CustomerNotes", o, "customer_notes"),
        _optional("InternalNotes", o, "internal_notes"),
        "<Customer>",
        text_el("CustomerCode", email or o.get("customer_id") or ""),
        "<BillTo>",
        text_el("Name", tidy(customer.get("name")) or ship.get("name", "")),
        text_el("Company", ship.get("company", "")),
        text_el("Phone", tidy(customer.get("phone")) or ship.get("phone", "")),
        text_el("Email", email),
        "</BillTo>",
        "<ShipTo>",
        text_el("Name", ship.get("name", "")),
        text_el("Company", ship.get("company", "")),
        text_el("Address1", ship.get("line1", "")),
        text_el("Address2", ship.get("line2", "")),
        text_el("City", ship.get("city", "")),
        text_el("State", ship.get("state", "")),
        text_el("PostalCode", ship.get("postal_code", "")),
        text_el("Country", ship.get("country", "")),
        text_el("Phone", ship.get("phone", "")),
        "</ShipTo>",
        "</Customer>",
        "<Items>",
    ]
    for line in item.lines:
        sku = tidy(line.get("sku"))
        parts += [
            "<Item>",
            text_el("SKU", sku),
            text_el("Name", line.get("name")),
            f"<Weight>{number(line.get('unit_weight_grams'))}</Weight>",
            "<WeightUnits>Grams</WeightUnits>",
            f"<Quantity>{number(line.get('quantity'))}</Quantity>",
            f"<UnitPrice>{money(line.get('unit_price'))}</UnitPrice>",
            text_el("Location", item.locations.get(sku, "")),
            "</Item>",
        ]
    parts += ["</Items>", "</Order>"]
    return "".join(parts)


def document(pages: int, orders: Iterable[str]) -> Iterator[bytes]:
    """The whole response body, in chunks of about 64 KiB (few enough writes, flat memory)."""
    buffer: list[str] = [f'<?xml version="1.0" encoding="utf-8"?>\n<Orders pages="{int(pages)}">']
    size = 0
    for chunk in orders:
        buffer.append(chunk)
        size += len(chunk)
        if size >= _CHUNK_BYTES:
            yield "".join(buffer).encode("utf-8")
            buffer, size = [], 0
    buffer.append("</Orders>")
    yield "".join(buffer).encode("utf-8")
