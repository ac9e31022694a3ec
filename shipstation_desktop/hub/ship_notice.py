"""Parsing ShipStation's Custom Store ship notification (POST ?action=shipnotify&order_number=…
&carrier=…&service=…&tracking_number=…, body <ShipNotice>), per the "Custom Store Development Guide"
(https://github.com/DynamoMTL/spree_shipstation/blob/master/doc/ShipStationCustomStoreDevGuide.pdf):
<ShipNotice><OrderNumber/><OrderID/><CustomerCode/><LabelCreateDate/><ShipDate/><Carrier/><Service/>
<TrackingNumber/><ShippingCost/><Recipient><Name/><Company/><Address1/><Address2/><City/><State/>
<PostalCode/><Country/></Recipient><Items><Item><SKU/><Name/><Quantity/></Item></Items></ShipNotice>.

The body is parsed with defusedxml and no DTD at all is accepted: a DOCTYPE, an entity declaration
(billion laughs) or an external reference is refused before anything is expanded or fetched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree
from defusedxml.common import DefusedXmlException

from shipstation_desktop.domain.address_normalize import normalize_address, tidy

# ShipStation writes "12/8/2011 21:56" but older stores have seen seconds and AM/PM too.
_DATE_TIME_FORMATS = ("%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y")
_RECIPIENT = {
    "Name": "name",
    "Company": "company",
    "Address1": "line1",
    "Address2": "line2",
    "City": "city",
    "State": "state",
    "PostalCode": "postal_code",
    "Country": "country",
    "Phone": "phone",
}


class NoticeError(Exception):
    """A notice the hub will not process: `status` is the HTTP answer, the message says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class NoticeItem:
    sku: str
    name: str
    quantity: int


@dataclass(frozen=True, slots=True)
class ShipNotice:
    order_number: str
    carrier: str
    service: str
    tracking_number: str
    order_id: str = ""
    customer_code: str = ""
    label_created: datetime | None = None
    ship_date: date | None = None
    shipping_cost: Decimal | None = None
    recipient: dict[str, str] = field(default_factory=dict)
    items: tuple[NoticeItem, ...] = ()


def parse_datetime(text: str) -> datetime | None:
    """A ShipStation date ("MM/dd/yyyy HH:mm", read as UTC); None when empty or unreadable."""
    value = tidy(text)
    for fmt in _DATE_TIME_FORMATS:
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def _text(root: Element, path: str) -> str:
    node = root.find(path)
    return tidy(node.text) if node is not None and node.text else ""


def _cost(text: str) -> Decimal | None:
    try:
        cost = Decimal(text) if text else None
    except InvalidOperation:
        return None
    return cost if cost is not None and cost.is_finite() and cost >= 0 else None


def _quantity(text: str) -> int:
    try:
        return max(int(Decimal(text)), 0) if text else 0
    except (InvalidOperation, ValueError):
        return 0


def parse(body: bytes, query: Mapping[str, str]) -> ShipNotice:
    """The notice from the body and the query string (the query names the order and the label; the
    body fills in what it leaves out)."""
    if not body.strip():
        raise NoticeError(400, "The ship notice is empty.")
    try:
        root = defusedxml.ElementTree.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise NoticeError(400, "The ship notice was refused: DTDs and entity declarations are not accepted.") from None
    except (ParseError, ValueError, UnicodeError):
        raise NoticeError(400, "The ship notice is not well-formed XML.") from None
    if root.tag != "ShipNotice":
        raise NoticeError(400, f"Expected a <ShipNotice> document, got <{tidy(root.tag)[:40]}>.")

    def pick(param: str, path: str) -> str:
        return tidy(query.get(param, "")) or _text(root, path)

    order_number = pick("order_number", "OrderNumber")
    tracking_number = pick("tracking_number", "TrackingNumber")
    if not order_number:
        raise NoticeError(400, "The ship notice names no order number.")
    if not tracking_number:
        raise NoticeError(400, f"The ship notice for order {order_number[:64]} has no tracking number.")
    if len(order_number) > 64 or len(tracking_number) > 64:
        raise NoticeError(400, "The order or tracking number is longer than 64 characters.")
    recipient_node = root.find("Recipient")
    recipient: dict[str, str] = {}
    if recipient_node is not None:
        recipient = normalize_address({key: _text(recipient_node, tag) for tag, key in _RECIPIENT.items()})
    ship_at = parse_datetime(_text(root, "ShipDate"))
    items = tuple(
        NoticeItem(_text(node, "SKU"), _text(node, "Name"), _quantity(_text(node, "Quantity")))
        for node in root.findall("Items/Item")
    )
    return ShipNotice(
        order_number=order_number,
        carrier=pick("carrier", "Carrier")[:32],
        service=pick("service", "Service")[:64],
        tracking_number=tracking_number,
        order_id=_text(root, "OrderID"),
        customer_code=_text(root, "CustomerCode"),
        label_created=parse_datetime(_text(root, "LabelCreateDate")),
        ship_date=ship_at.date() if ship_at else None,
        shipping_cost=_cost(_text(root, "ShippingCost")),
        recipient=recipient,
        items=items,
    )
