"""ShipStation Custom Store on the hub: Basic auth, the paged export XML, hostile text, and shipnotify
(idempotent, refusing DTDs) against a real central PostgreSQL database."""

from __future__ import annotations

import base64
import importlib.util
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import Element

import defusedxml.ElementTree
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from shipstation_desktop.domain.enums import OrderStatus
from shipstation_desktop.domain.ids import uuid7
from shipstation_desktop.domain.inventory import StockReason, item_id, order_movement_id
from shipstation_desktop.hub import custom_store
from shipstation_desktop.hub.record_rows import full_row
from shipstation_desktop.hub.shipnotify import ShipResult
from shipstation_desktop.hub.state import HubConfig, HubState
from shipstation_desktop.hub.xml_export import clean_text
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.persistence.inventory_tables import InventoryItem
from shipstation_desktop.services import central
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.sync.port import Mutation
from tests.fakes.orders import add_order
from tests.hub.tracking_support import serve

pytestmark = pytest.mark.postgres

T0 = datetime(2024, 3, 5, 9, 30, tzinfo=UTC)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def hub(center: str, hub_secrets: dict[str, str], clock: Clock) -> Iterator[HubState]:
    state = HubState(HubConfig(central_url=center, secret=hub_secrets.get, now=clock))
    yield state
    state.close()


@pytest.fixture
def client(hub: HubState) -> Iterator[httpx.Client]:
    """The router served by uvicorn on 127.0.0.1 (streaming responses as ShipStation receives them)."""
    app = FastAPI()
    app.include_router(custom_store.router(hub, max_notice_bytes=8_000))
    with serve(app) as url, httpx.Client(base_url=url, timeout=30) as c:
        yield c


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture
def auth(hub_secrets: dict[str, str]) -> dict[str, str]:
    return basic(hub_secrets["custom_store_user"], hub_secrets["custom_store_password"])


def _insert(model: Any, values: dict[str, Any], now: datetime) -> Mutation:
    row = full_row(model, {"created_at": now, "updated_at": now, "bench_id": "seed", "version": 1} | values)
    return Mutation(uuid7(), model.__tablename__, row["id"], "insert", None, row)


def order_mutations(
    number: str,
    now: datetime,
    *,
    name: str = "Emily Chen",
    line_name: str = "T-shirt",
    status: str = "confirmed",
    ship_to: dict[str, str] | None = None,
) -> list[Mutation]:
    customer_id, order_id = uuid7(), uuid7()
    email = f"{number.lower()}@example.com"
    address = ship_to or {
        "name": name,
        "company": "",
        "line1": "1355 Market St",
        "line2": "",
        "city": "San Francisco",
        "state": "California",
        "postal_code": "94103",
        "country": "United States",
        "phone": "(415) 555-0132",
    }
    return [
        _insert(
            t.Customer,
            {"id": customer_id, "email": email, "email_normalized": email, "name": name, "phone": "+14155550132"},
            now,
        ),
        _insert(
            t.Order,
            {
                "id": order_id,
                "order_number": number,
                "status": status,
                "customer_id": customer_id,
                "ship_to": address,
                "total_amount": Decimal("59.80"),
                "expected_weight_grams": Decimal(1200),
                "requested_service": "usps_priority",
                "order_date": now - timedelta(days=1),
            },
            now,
        ),
        _insert(
            t.OrderLine,
            {
                "id": uuid7(),
                "order_id": order_id,
                "sku": "TS-BLK-M",
                "name": line_name,
                "quantity": 2,
                "unit_price": Decimal("29.90"),
                "unit_weight_grams": Decimal(500),
            },
            now,
        ),
    ]


def seed(hub: HubState, mutations: list[Mutation]) -> None:
    results = hub.push(mutations)
    assert {r.outcome for r in results} == {"applied"}, [r.reason for r in results if r.outcome != "applied"]


def export(client: httpx.Client, auth: dict[str, str], start: str, end: str, page: int | str = 1) -> Element:
    response = client.get(
        "/shipstation", params={"action": "export", "start_date": start, "end_date": end, "page": page}, headers=auth
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    root: Element = defusedxml.ElementTree.fromstring(response.content)
    return root


def numbers(root: Element) -> list[str]:
    return [str(o.findtext("OrderNumber")) for o in root.findall("Order")]


def snapshot(hub: HubState) -> tuple[list[tuple[str, str, int]], int, int]:
    with hub.engine.connect() as conn:
        records = [
            (r[0], r[1], r[2]) for r in conn.execute(text("SELECT entity, id, version FROM records ORDER BY 1, 2"))
        ]
        applied = conn.execute(text("SELECT count(*) FROM applied_mutations")).scalar_one()
        changes = conn.execute(text("SELECT count(*) FROM changes")).scalar_one()
    return records, applied, changes


def records(hub: HubState, entity: str) -> list[dict[str, Any]]:
    with hub.engine.connect() as conn:
        return [
            r[0] for r in conn.execute(text("SELECT data FROM records WHERE entity = :e ORDER BY id"), {"e": entity})
        ]


# ---------------------------------------------------------------------------------------------- auth


@pytest.mark.parametrize(
    "headers",
    [
        {},
        basic("shipstation", "wrong"),
        basic("someone", "s3cret-Pass!"),
        basic("shipstation", ""),
        {"Authorization": "Bearer s3cret-Pass!"},
        {"Authorization": "Basic not-base64!!"},
    ],
)
def test_wrong_or_missing_credentials_get_401(client: httpx.Client, headers: dict[str, str]) -> None:
    params = {"action": "export", "start_date": "03/05/2024 00:00", "end_date": "03/06/2024 00:00"}
    response = client.get("/shipstation", params=params, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic realm=")
    assert "Order" not in response.text
    post = client.post("/shipstation", params={"action": "shipnotify"}, content=b"<ShipNotice/>", headers=headers)
    assert post.status_code == 401


def test_unconfigured_credentials_refuse_everyone(center: str) -> None:
    state = HubState(HubConfig(central_url=center, secret=lambda _name: None))
    app = FastAPI()
    app.include_router(custom_store.router(state))
    with serve(app) as url:
        response = httpx.get(f"{url}/shipstation", params={"action": "export"}, headers=basic("", ""))
    state.close()
    assert response.status_code == 503
    assert "not configured" in response.text


# ---------------------------------------------------------------------------------------------- export


def test_export_pages_250_orders_into_3_pages(client: httpx.Client, auth: dict[str, str], hub: HubState) -> None:
    expected = [f"SS-{i:04d}" for i in range(250)]
    seed(hub, [m for n in expected for m in order_mutations(n, T0)])

    pages = [export(client, auth, "03/05/2024 09:00", "03/05/2024 10:00", page) for page in (1, 2, 3, 4)]

    assert [p.get("pages") for p in pages] == ["3", "3", "3", "3"]
    assert [len(p.findall("Order")) for p in pages] == [100, 100, 50, 0]
    assert numbers(pages[1]) == expected[100:200]  # same update time: ids (creation order) decide
    assert [n for p in pages for n in numbers(p)] == expected


def test_export_order_fields(client: httpx.Client, auth: dict[str, str], hub: HubState) -> None:
    mutations = order_mutations("SS-1", T0)
    location = _insert(InventoryItem, {"id": item_id("TS-BLK-M"), "sku": "TS-BLK-M", "location": "A1-B2"}, T0)
    seed(hub, [*mutations, location])

    order = export(client, auth, "03/05/2024 09:30", "03/05/2024 09:30").find("Order")

    assert order is not None
    assert order.findtext("OrderID") == mutations[1].entity_id
    assert order.findtext("OrderDate") == "03/04/2024 09:30"
    assert order.findtext("LastModified") == "03/05/2024 09:30"
    assert order.findtext("OrderStatus") == "confirmed"
    assert order.findtext("ShippingMethod") == "usps_priority"
    assert order.findtext("OrderTotal") == "59.80"
    assert order.findtext("Customer/CustomerCode") == "ss-1@example.com"
    assert order.findtext("Customer/BillTo/Email") == "ss-1@example.com"
    ship_to = {child.tag: child.text or "" for child in order.find("Customer/ShipTo") or []}
    assert ship_to == {
        "Name": "Emily Chen",
        "Company": "",
        "Address1": "1355 Market St",
        "Address2": "",
        "City": "San Francisco",
        "State": "CA",  # normalized on the way out
        "PostalCode": "94103",
        "Country": "US",
        "Phone": "+14155550132",
    }
    item = order.find("Items/Item")
    assert item is not None
    assert [
        item.findtext(k) for k in ("SKU", "Name", "Weight", "WeightUnits", "Quantity", "UnitPrice", "Location")
    ] == [
        "TS-BLK-M",
        "T-shirt",
        "500",
        "Grams",
        "2",
        "29.90",
        "A1-B2",
    ]


def test_export_filters_on_modification_time(
    client: httpx.Client, auth: dict[str, str], hub: HubState, clock: Clock
) -> None:
    for number, at in (("OLD", T0), ("MID", T0 + timedelta(hours=1, seconds=30)), ("NEW", T0 + timedelta(hours=3))):
        clock.at = at
        seed(hub, order_mutations(number, at))

    assert numbers(export(client, auth, "03/05/2024 10:00", "03/05/2024 10:30")) == ["MID"]
    # the end is inclusive to its minute: MID was modified at 10:30:30
    assert numbers(export(client, auth, "03/05/2024 10:30", "03/05/2024 10:30")) == ["MID"]
    assert numbers(export(client, auth, "03/05/2024 00:00", "03/05/2024 23:59")) == ["OLD", "MID", "NEW"]
    empty = export(client, auth, "01/01/2020 00:00", "01/02/2020 00:00")
    assert empty.get("pages") == "1" and numbers(empty) == []


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"action": "export", "end_date": "03/05/2024 10:00"}, "start_date is required"),
        ({"action": "export", "start_date": "2024-03-05", "end_date": "03/05/2024 10:00"}, "MM/dd/yyyy HH:mm"),
        ({"action": "export", "start_date": "03/05/2024 10:00", "end_date": "13/45/2024 10:00"}, "end_date"),
        ({"action": "export", "start_date": "03/05/2024 10:00", "end_date": "03/04/2024 10:00"}, "before"),
        ({"action": "export", "start_date": "03/05/2024 10:00", "end_date": "03/05/2024 11:00", "page": "0"}, "page"),
        ({"action": "export", "start_date": "03/05/2024 10:00", "end_date": "03/05/2024 11:00", "page": "x"}, "page"),
        ({"action": "delete", "start_date": "03/05/2024 10:00"}, "Unknown action"),
    ],
)
def test_bad_export_parameters_get_400(
    client: httpx.Client, auth: dict[str, str], params: dict[str, str], message: str
) -> None:
    response = client.get("/shipstation", params=params, headers=auth)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert message in response.text


HOSTILE = [
    "</Name><script>alert(1)</script>",
    "]]><Evil/><![CDATA[",
    "a]]>b]]]]>c",
    # (NUL itself cannot reach the center: jsonb refuses \u0000, see the report)
    "bell\x07 soh\x01 esc\x1b end",
    "📦 box \U0001f9ea",
    "\u202eRTL override \u05e9\u05dc\u05d5\u05dd",
    "amp & lt < gt > quote \" apos '",
    "non-characters \ufffe\uffff gone",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_export_escapes_hostile_text(client: httpx.Client, auth: dict[str, str], hub: HubState, value: str) -> None:
    address = {
        "name": value,
        "company": value,
        "line1": value,
        "city": value,
        "state": "CA",
        "postal_code": "94103",
        "country": "US",
    }
    seed(hub, order_mutations("HOSTILE-1", T0, name=value, line_name=value, ship_to=address))

    root = export(client, auth, "03/05/2024 09:00", "03/05/2024 10:00")

    orders = root.findall("Order")
    assert len(orders) == 1  # nothing injected became an element
    assert root.find(".//script") is None and root.find(".//Evil") is None
    line_name = orders[0].findtext("Items/Item/Name")
    assert line_name == clean_text(value)  # only characters XML cannot carry are gone
    tidied = " ".join(clean_text(value).replace("\x07", "").replace("\x01", "").replace("\x1b", "").split())
    assert orders[0].findtext("Customer/ShipTo/Name") == tidied
    assert orders[0].findtext("Customer/ShipTo/Address1") == tidied
    assert orders[0].findtext("Customer/BillTo/Name") == tidied


# ---------------------------------------------------------------------------------------------- shipnotify

NOTICE = """<?xml version="1.0" encoding="utf-8"?>
<ShipNotice>
  <OrderNumber>{number}</OrderNumber>
  <OrderID>123456</OrderID>
  <CustomerCode>ss-1@example.com</CustomerCode>
  <LabelCreateDate>03/05/2024 09:00</LabelCreateDate>
  <ShipDate>{ship_date}</ShipDate>
  <Carrier>USPS</Carrier>
  <Service>Priority Mail</Service>
  <TrackingNumber>{tracking}</TrackingNumber>
  <ShippingCost>8.45</ShippingCost>
  <Recipient>
    <Name>Emily Chen</Name><Company></Company><Address1>1355 Market St</Address1><Address2></Address2>
    <City>San Francisco</City><State>California</State><PostalCode>94103</PostalCode><Country>US</Country>
  </Recipient>
  <Items><Item><SKU>TS-BLK-M</SKU><Name>T-shirt</Name><Quantity>2</Quantity></Item></Items>
</ShipNotice>"""


def ship_notify(
    client: httpx.Client,
    auth: dict[str, str],
    number: str = "SS-1",
    tracking: str = "9400111899223344556677",
    ship_date: str = "03/05/2024",
    body: bytes | None = None,
) -> Any:
    params = {"action": "shipnotify", "order_number": number, "carrier": "USPS", "service": "Priority Mail"}
    params["tracking_number"] = tracking
    content = (
        body if body is not None else NOTICE.format(number=number, tracking=tracking, ship_date=ship_date).encode()
    )
    return client.post(
        "/shipstation", params=params, content=content, headers=auth | {"Content-Type": "application/xml"}
    )


def test_shipnotify_marks_shipped_once(client: httpx.Client, auth: dict[str, str], hub: HubState) -> None:
    mutations = order_mutations("SS-1", T0)
    order_id = mutations[1].entity_id
    seed(hub, mutations)
    applied_before = snapshot(hub)[1]

    first = ship_notify(client, auth)
    assert first.status_code == 200, first.text
    after_first = snapshot(hub)
    second = ship_notify(client, auth)

    assert second.status_code == 200
    assert "duplicate" in second.text
    assert snapshot(hub) == after_first  # nothing written, not even a version bump or a change-log row
    (order,) = records(hub, "orders")
    assert order["status"] == OrderStatus.SHIPPED.value
    history = sorted((h["previous_status"], h["status"], h["source"]) for h in records(hub, "order_status_history"))
    assert history == [("confirmed", "processing", "webhook"), ("processing", "shipped", "webhook")]
    (shipment,) = records(hub, "shipments")
    assert (shipment["order_id"], shipment["carrier"], shipment["service"]) == (order_id, "USPS", "Priority Mail")
    assert (shipment["tracking_number"], shipment["status"]) == ("9400111899223344556677", "IN_TRANSIT")
    assert shipment["shipping_cost"] == "8.45"
    assert shipment["label_created_at"] == "2024-03-05T09:00:00+00:00"
    assert shipment["to_address"]["state"] == "CA"
    (movement,) = records(hub, "stock_movements")
    assert movement["id"] == order_movement_id(order_id, "TS-BLK-M", StockReason.SHIP, 0)  # the bench's rule
    assert (movement["sku"], movement["delta"], movement["reason"]) == ("TS-BLK-M", -2, "ship")
    assert after_first[1] - applied_before == 5  # order, two history rows, shipment, stock movement


def test_shipnotify_with_a_future_ship_date_only_creates_the_label(
    client: httpx.Client, auth: dict[str, str], hub: HubState
) -> None:
    seed(hub, order_mutations("SS-1", T0))

    assert ship_notify(client, auth, ship_date="03/07/2024").status_code == 200

    (shipment,) = records(hub, "shipments")
    assert shipment["status"] == "LABEL_CREATED"
    assert [h["status"] for h in shipment["status_history"]] == ["LABEL_CREATED"]


def test_shipnotify_for_an_unknown_order_is_404(client: httpx.Client, auth: dict[str, str], hub: HubState) -> None:
    before = snapshot(hub)
    response = ship_notify(client, auth, number="NOPE-1")
    assert response.status_code == 404
    assert response.text.strip() == "Order NOPE-1 is not known to the hub."
    assert snapshot(hub)[0] == before[0]


def test_shipnotify_refuses_a_tracking_number_of_another_order(
    client: httpx.Client, auth: dict[str, str], hub: HubState
) -> None:
    seed(hub, order_mutations("SS-1", T0) + order_mutations("SS-2", T0))
    assert ship_notify(client, auth, number="SS-1", tracking="1Z999").status_code == 200
    response = ship_notify(client, auth, number="SS-2", tracking="1Z999")
    assert response.status_code == 409
    assert "another order" in response.text


def test_shipnotify_refuses_a_cancelled_order(client: httpx.Client, auth: dict[str, str], hub: HubState) -> None:
    seed(hub, order_mutations("SS-1", T0, status="cancelled"))
    response = ship_notify(client, auth)
    assert response.status_code == 409
    assert "cancelled" in response.text
    assert records(hub, "shipments") == []


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<ShipNotice><OrderNumber>&lol3;</OrderNumber></ShipNotice>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE ShipNotice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<ShipNotice><OrderNumber>SS-1</OrderNumber><TrackingNumber>&xxe;</TrackingNumber></ShipNotice>"""
DOCTYPE_ONLY = b"""<?xml version="1.0"?><!DOCTYPE ShipNotice SYSTEM "http://127.0.0.1:9/evil.dtd">
<ShipNotice><OrderNumber>SS-1</OrderNumber></ShipNotice>"""


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (BILLION_LAUGHS, 400, "DTDs and entity declarations are not accepted"),
        (EXTERNAL_ENTITY, 400, "DTDs and entity declarations are not accepted"),
        (DOCTYPE_ONLY, 400, "DTDs and entity declarations are not accepted"),
        (b"<ShipNotice><OrderNumber>SS-1</Order", 400, "not well-formed"),
        (b"<Orders/>", 400, "Expected a <ShipNotice>"),
        (b"", 400, "empty"),
        (b"<ShipNotice>" + b"x" * 9_000 + b"</ShipNotice>", 413, "larger than 8000 bytes"),
    ],
)
def test_hostile_or_broken_notices_are_refused(
    client: httpx.Client, auth: dict[str, str], hub: HubState, body: bytes, status: int, message: str
) -> None:
    seed(hub, order_mutations("SS-1", T0))
    before = snapshot(hub)

    response = ship_notify(client, auth, body=body)

    assert response.status_code == status
    assert message in response.text
    assert snapshot(hub) == before


def test_a_bench_pulls_the_hub_shipment(
    client: httpx.Client, auth: dict[str, str], hub: HubState, bench: Bench, clock: Clock
) -> None:
    """The rows the hub writes are whole bench rows: a bench applies them and sees the order shipped."""
    add_order(bench, "BENCH-1")
    central.sync_once(bench)
    clock.at = datetime.now(UTC)

    response = ship_notify(client, auth, number="BENCH-1", ship_date=clock.at.strftime("%m/%d/%Y"))
    assert response.status_code == 200, response.text
    report = central.sync_once(bench)

    assert report is not None
    with bench.store.session() as s:
        order = s.query(t.Order).filter_by(order_number="BENCH-1").one()
        shipment = s.query(t.Shipment).filter_by(order_id=order.id).one()
        assert order.status == OrderStatus.SHIPPED.value
        assert (shipment.tracking_number, shipment.status) == ("9400111899223344556677", "IN_TRANSIT")
        assert shipment.shipping_cost == Decimal("8.45")


def test_after_ship_runs_once_per_new_shipment(hub: HubState, auth: dict[str, str]) -> None:
    seen: list[ShipResult] = []
    app = FastAPI()
    app.include_router(custom_store.router(hub, after_ship=seen.append))
    seed(hub, order_mutations("SS-1", T0))
    with serve(app) as url, httpx.Client(base_url=url, timeout=30) as c:
        assert ship_notify(c, auth).status_code == 200
        assert ship_notify(c, auth).status_code == 200
    assert [(r.order_number, r.tracking_number, r.outcome) for r in seen] == [
        ("SS-1", "9400111899223344556677", "shipped")
    ]


def test_through_create_app(hub: HubState, auth: dict[str, str]) -> None:
    siblings = ("ops", "webhooks", "tracking_page", "guard")
    if any(importlib.util.find_spec(f"shipstation_desktop.hub.{name}") is None for name in siblings):
        pytest.skip("the hub's other routers are not written yet")
    from shipstation_desktop.hub.app import create_app

    seed(hub, order_mutations("SS-1", T0))
    with serve(create_app(hub.config, hub)) as base, httpx.Client(base_url=base, timeout=30) as c:
        assert numbers(export(c, auth, "03/05/2024 09:00", "03/05/2024 10:00")) == ["SS-1"]
        assert ship_notify(c, auth).status_code == 200
        assert c.get("/shipstation", params={"action": "export"}).status_code == 401
