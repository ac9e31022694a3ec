"""Webhooks on the hub against a real central PostgreSQL: our HMAC-signed tracking webhook, ShipEngine's
RSA-signed tracking webhook, and ShipStation's ORDER_NOTIFY / SHIP_NOTIFY (resource_url served by respx)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from fastapi import FastAPI
from sqlalchemy import text

from shipstation_desktop.domain.ids import tracking_event_id
from shipstation_desktop.hub import guard, ops, signing, webhooks
from shipstation_desktop.hub.shipnotify import ShipResult
from shipstation_desktop.hub.state import HubConfig, HubState
from shipstation_desktop.services.bench import Bench
from tests.hub.tracking_support import Parcel, serve, ship_parcel

pytestmark = pytest.mark.postgres

SECRET = "whsec_test_0123456789"
API = "https://ssapi.shipstation.com"


class Clock:
    def __init__(self) -> None:
        self.at = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def hub(center: str, hub_secrets: dict[str, str], clock: Clock) -> Iterator[HubState]:
    secrets = hub_secrets | {"shipstation_api_key": "ss-key", "shipstation_api_secret": "ss-secret"}
    state = HubState(HubConfig(central_url=center, secret=secrets.get, now=clock, max_body_bytes=20_000))
    yield state
    state.close()


@pytest.fixture
def shipped_calls() -> list[ShipResult]:
    return []


@pytest.fixture
def client(hub: HubState, rsa_key: rsa.RSAPrivateKey, shipped_calls: list[ShipResult]) -> Iterator[httpx.Client]:
    jwks = json.dumps({"keys": [signing.jwk_of(rsa_key.public_key(), "key-1")]})
    app = FastAPI()
    app.include_router(
        webhooks.router(hub, shipengine_jwks=jwks, after_ship=lambda _state, result: shipped_calls.append(result))
    )
    app.include_router(ops.router(hub))
    guard.install(app, hub)
    with serve(app) as url, httpx.Client(base_url=url, timeout=30) as c:
        yield c


@contextmanager
def shipstation_api(**options: Any) -> Iterator[respx.MockRouter]:
    """respx for ShipStation's API; the hub under test on 127.0.0.1 is reached for real."""
    with respx.mock(**({"assert_all_called": False} | options)) as mock:
        mock.route(host="127.0.0.1").pass_through()
        yield mock


@pytest.fixture
def parcel(bench: Bench) -> Parcel:
    return ship_parcel(bench, "SO-W1")


def post_signed(
    client: httpx.Client, body: dict[str, Any] | bytes, at: datetime, secret: str = SECRET
) -> httpx.Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    header = signing.sign(secret, int(at.timestamp()), raw)
    return client.post(
        "/webhooks/tracking", content=raw, headers={signing.HEADER: header, "Content-Type": "application/json"}
    )


def update(parcel: Parcel, *events: tuple[str, str, datetime], exception: str | None = None) -> dict[str, Any]:
    return {
        "carrier": parcel.carrier,
        "tracking_number": parcel.tracking_number,
        "events": [
            {
                "time": at.isoformat(),
                "status": status,
                "code": code,
                "description": f"{status} scan",
                "location": "Reno, NV",
            }
            | ({"exception": exception} if exception else {})
            for status, code, at in events
        ],
    }


def records(hub: HubState, entity: str) -> list[dict[str, Any]]:
    with hub.engine.connect() as conn:
        rows = conn.execute(text("SELECT data FROM records WHERE entity = :e ORDER BY id"), {"e": entity})
        return [dict(r[0]) for r in rows]


def one(hub: HubState, entity: str, **where: str) -> dict[str, Any]:
    found = [r for r in records(hub, entity) if all(r.get(k) == v for k, v in where.items())]
    assert len(found) == 1, found
    return found[0]


def center_counts(hub: HubState) -> tuple[int, int, int]:
    with hub.engine.connect() as conn:
        return (
            conn.execute(text("SELECT count(*) FROM records")).scalar_one(),
            conn.execute(text("SELECT count(*) FROM applied_mutations")).scalar_one(),
            conn.execute(text("SELECT count(*) FROM changes")).scalar_one(),
        )


def metrics(client: httpx.Client) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    return response.text


# ---------------------------------------------------------------------------------------------- our HMAC webhook


def test_signed_update_stores_events_and_moves_shipment_and_order(
    client: httpx.Client, hub: HubState, parcel: Parcel, clock: Clock
) -> None:
    t1, t2 = parcel.shipped_at + timedelta(hours=3), parcel.shipped_at + timedelta(hours=30)
    body = update(parcel, ("IN_TRANSIT", "AR", t1), ("DELIVERED", "DL", t2))
    response = post_signed(client, body, clock())
    assert response.status_code == 200, response.text
    assert response.json() | {} == {
        "tracking_number": parcel.tracking_number,
        "events_stored": 2,
        "events_duplicate": 0,
        "shipment_status": "DELIVERED",
        "order_status": "delivered",
    }
    ids = {e["id"] for e in records(hub, "tracking_events") if e["carrier_code"] in ("AR", "DL")}
    # the very ids a bench polling the carrier derives
    assert ids == {tracking_event_id(parcel.carrier, parcel.tracking_number, t, c) for t, c in ((t1, "AR"), (t2, "DL"))}
    shipment = one(hub, "shipments", tracking_number=parcel.tracking_number)
    assert shipment["status"] == "DELIVERED"
    assert [h["status"] for h in shipment["status_history"]][-2:] == ["IN_TRANSIT", "DELIVERED"]
    order = one(hub, "orders", order_number=parcel.order_number)
    assert order["status"] == "delivered"
    history = one(hub, "order_status_history", order_id=order["id"], status="delivered")
    assert (history["previous_status"], history["source"]) == ("shipped", "webhook")
    assert 'hub_webhook_events_total{carrier="' + parcel.carrier + '",result="stored"} 2' in metrics(client)


def test_same_delivery_twice_is_stored_once(client: httpx.Client, hub: HubState, parcel: Parcel, clock: Clock) -> None:
    body = update(parcel, ("IN_TRANSIT", "AR", parcel.shipped_at + timedelta(hours=2)))
    assert post_signed(client, body, clock()).json()["events_stored"] == 1
    before = center_counts(hub)
    clock.at += timedelta(seconds=30)  # a retry, freshly signed
    again = post_signed(client, body, clock())
    assert again.status_code == 200
    assert (again.json()["events_stored"], again.json()["events_duplicate"]) == (0, 1)
    assert center_counts(hub) == before  # nothing written, not even a change-log entry
    assert len([e for e in records(hub, "tracking_events") if e["carrier_code"] == "AR"]) == 1


def test_events_without_a_carrier_code_and_lower_case_statuses_are_accepted(
    client: httpx.Client, hub: HubState, parcel: Parcel, clock: Clock
) -> None:
    body = update(parcel, ("in_transit", "", parcel.shipped_at + timedelta(hours=4)))
    del body["events"][0]["code"]
    first = post_signed(client, body, clock())
    assert first.status_code == 200, first.text
    assert first.json()["events_stored"] == 1 and first.json()["shipment_status"] == "IN_TRANSIT"
    clock.at += timedelta(seconds=30)
    assert post_signed(client, body, clock()).json()["events_duplicate"] == 1  # the status stands in as the code
    assert len([e for e in records(hub, "tracking_events") if e["carrier_code"] == "IN_TRANSIT"]) == 1


def test_a_scan_listed_twice_in_one_delivery_is_stored_once(
    client: httpx.Client, hub: HubState, parcel: Parcel, clock: Clock
) -> None:
    at = parcel.shipped_at + timedelta(hours=2)
    response = post_signed(client, update(parcel, ("IN_TRANSIT", "AR", at), ("IN_TRANSIT", "AR", at)), clock())
    assert (response.json()["events_stored"], response.json()["events_duplicate"]) == (1, 1)


def test_stale_news_never_moves_a_shipment_back(
    client: httpx.Client, hub: HubState, parcel: Parcel, clock: Clock
) -> None:
    late = parcel.shipped_at + timedelta(hours=40)
    post_signed(client, update(parcel, ("DELIVERED", "DL", late)), clock())
    response = post_signed(client, update(parcel, ("IN_TRANSIT", "AR", late - timedelta(hours=20))), clock())
    assert response.json()["shipment_status"] == "DELIVERED"
    assert one(hub, "shipments", tracking_number=parcel.tracking_number)["status"] == "DELIVERED"


def test_exception_scan_opens_one_supervisor_exception(
    client: httpx.Client, hub: HubState, parcel: Parcel, clock: Clock
) -> None:
    at = parcel.shipped_at + timedelta(hours=5)
    first = update(parcel, ("IN_TRANSIT", "CU1", at), exception="customs_delay")
    second = update(parcel, ("IN_TRANSIT", "CU2", at + timedelta(hours=1)), exception="CUSTOMS_DELAY")
    assert post_signed(client, first, clock()).status_code == 200
    assert post_signed(client, second, clock()).status_code == 200
    exceptions = [e for e in records(hub, "shipment_exceptions") if e["type"] == "CUSTOMS_DELAY"]
    assert len(exceptions) == 1
    assert exceptions[0]["shipment_id"] == parcel.shipment_id
    assert parcel.tracking_number in exceptions[0]["description"]


def test_bad_signature_is_refused_and_counted(
    client: httpx.Client, hub: HubState, parcel: Parcel, clock: Clock
) -> None:
    before = center_counts(hub)
    response = post_signed(client, update(parcel, ("DELIVERED", "DL", clock())), clock(), secret="not-the-secret")
    assert response.status_code == 401
    assert "does not match" in response.json()["error"]
    # a body changed after signing fails the same way
    raw = json.dumps(update(parcel, ("DELIVERED", "DL", clock()))).encode()
    header = signing.sign(SECRET, int(clock().timestamp()), raw)
    tampered = client.post(
        "/webhooks/tracking", content=raw.replace(b"DELIVERED", b"RETURNED_TO_SENDER"), headers={signing.HEADER: header}
    )
    assert tampered.status_code == 401
    assert center_counts(hub) == before
    assert 'hub_rejections_total{reason="bad_signature"} 2' in metrics(client)


@pytest.mark.parametrize("offset", [timedelta(minutes=-6), timedelta(minutes=6), timedelta(days=-400)])
def test_old_or_future_timestamps_are_refused(
    client: httpx.Client, hub: HubState, parcel: Parcel, clock: Clock, offset: timedelta
) -> None:
    response = post_signed(client, update(parcel, ("DELIVERED", "DL", clock())), clock() + offset)
    assert response.status_code == 401
    assert "5-minute" in response.json()["error"]
    assert one(hub, "shipments", tracking_number=parcel.tracking_number)["status"] != "DELIVERED"


def test_a_timestamp_inside_the_window_is_accepted(client: httpx.Client, parcel: Parcel, clock: Clock) -> None:
    response = post_signed(client, update(parcel, ("IN_TRANSIT", "AR", clock())), clock() - timedelta(minutes=4))
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("header", "status"),
    [
        (None, 401),
        ("", 401),
        ("garbage", 400),
        ("t=12x,v1=" + "a" * 64, 400),
        ("t=1700000000", 400),
        ("v1=" + "a" * 64, 400),
        ("t=1700000000,v1=xyz", 400),
        ("t=1,t=2,v1=" + "a" * 64, 400),
        ("t=1700000000,v1=" + "a" * 2000, 400),
    ],
)
def test_malformed_signature_headers(client: httpx.Client, parcel: Parcel, header: str | None, status: int) -> None:
    headers = {} if header is None else {signing.HEADER: header}
    response = client.post("/webhooks/tracking", content=b"{}", headers=headers)
    assert response.status_code == status
    assert response.json()["error"]


def test_oversized_body_is_413_before_any_processing(
    client: httpx.Client, hub: HubState, parcel: Parcel, clock: Clock
) -> None:
    big = update(parcel, ("IN_TRANSIT", "AR", clock()))
    big["events"][0]["description"] = "x" * 30_000
    assert post_signed(client, big, clock()).status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length at all: counted as it arrives
        for _ in range(30):
            yield b"x" * 1_000

    streamed = client.post("/webhooks/tracking", content=chunks(), headers={signing.HEADER: "t=1,v1=" + "a" * 64})
    assert streamed.status_code == 413
    assert 'hub_rejections_total{reason="body_too_large"} 2' in metrics(client)


def test_unknown_tracking_number_is_404_json_and_counted(client: httpx.Client, parcel: Parcel, clock: Clock) -> None:
    body = update(parcel, ("IN_TRANSIT", "AR", clock()))
    body["tracking_number"] = "1Z999NOSUCHPARCEL"
    response = post_signed(client, body, clock())
    assert response.status_code == 404
    assert response.json() == {"error": "No shipment with tracking number 1Z999NOSUCHPARCEL."}
    assert 'result="unknown_shipment"} 1' in metrics(client)


def test_invalid_body_gets_clear_422(client: httpx.Client, parcel: Parcel, clock: Clock) -> None:
    body = update(parcel, ("IN_TRANSIT", "AR", clock()))
    body["events"][0]["time"] = "2024-03-05T10:00:00"  # no offset: ambiguous
    body["events"][0]["status"] = "TELEPORTED"
    response = post_signed(client, body, clock())
    assert response.status_code == 422
    details = response.json()["details"]
    assert any(d.startswith("events.0.time:") and "timezone" in d for d in details), details
    assert any(d.startswith("events.0.status:") for d in details), details
    assert post_signed(client, b"not json", clock()).status_code == 422


# ---------------------------------------------------------------------------------------------- carrier-native relay


def test_carrier_native_body_is_parsed_by_that_carriers_parser(
    client: httpx.Client, hub: HubState, parcel: Parcel, clock: Clock
) -> None:
    at = (parcel.shipped_at + timedelta(hours=6)).astimezone(UTC)
    native = {
        "tracking_number": parcel.tracking_number,
        "status_code": "IT",
        "events": [
            {
                "occurred_at": at.isoformat(),
                "status_code": "IT",
                "event_code": "OD",
                "description": "Departed",
                "city_locality": "Reno",
            }
        ],
    }
    raw = json.dumps(native).encode()
    headers = {signing.HEADER: signing.sign(SECRET, int(clock().timestamp()), raw)}
    response = client.post("/webhooks/carrier/shipstation", content=raw, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["events_stored"] == 1
    assert client.post("/webhooks/carrier/nope", content=raw, headers=headers).status_code == 404


# ---------------------------------------------------------------------------------------------- ShipEngine (RSA)


def shipengine_post(
    client: httpx.Client,
    key: rsa.RSAPrivateKey,
    body: bytes,
    stamp: str,
    kid: str = "key-1",
    signed_body: bytes | None = None,
) -> httpx.Response:
    signature = key.sign(stamp.encode() + b"." + (signed_body or body), padding.PKCS1v15(), hashes.SHA256())
    headers = {
        signing.SE_KEY_ID: kid,
        signing.SE_SIGNATURE: base64.b64encode(signature).decode(),
        signing.SE_TIMESTAMP: stamp,
        "Content-Type": "application/json",
    }
    return client.post("/webhooks/shipengine", content=body, headers=headers)


def api_track(parcel: Parcel, at: datetime) -> bytes:
    data = {
        "tracking_number": parcel.tracking_number,
        "status_code": "DE",
        "status_description": "Delivered",
        "carrier_code": "ups",
        "actual_delivery_date": at.isoformat(),
        "events": [
            {
                "occurred_at": at.isoformat(),
                "status_code": "DE",
                "event_code": "KB",
                "description": "Delivered",
                "signer": "EMILY CHEN",
            }
        ],
    }
    return json.dumps(
        {"resource_url": "https://api.shipengine.com/v1/tracking?x=1", "resource_type": "API_TRACK", "data": data}
    ).encode()


def test_shipengine_signed_track_webhook_is_applied(
    client: httpx.Client, hub: HubState, parcel: Parcel, clock: Clock, rsa_key: rsa.RSAPrivateKey
) -> None:
    body = api_track(parcel, parcel.shipped_at + timedelta(days=1))
    response = shipengine_post(client, rsa_key, body, clock().isoformat().replace("+00:00", "Z"))
    assert response.status_code == 200, response.text
    assert response.json()["shipment_status"] == "DELIVERED"
    shipment = one(hub, "shipments", tracking_number=parcel.tracking_number)
    assert (shipment["status"], shipment["delivery_signature"]) == ("DELIVERED", "EMILY CHEN")
    assert one(hub, "orders", order_number=parcel.order_number)["status"] == "delivered"


def test_shipengine_bad_signatures_are_refused(
    client: httpx.Client, hub: HubState, parcel: Parcel, clock: Clock, rsa_key: rsa.RSAPrivateKey
) -> None:
    body = api_track(parcel, parcel.shipped_at + timedelta(days=1))
    stamp = clock().isoformat()
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert shipengine_post(client, other, body, stamp).status_code == 401  # signed by someone else
    assert shipengine_post(client, rsa_key, body, stamp, signed_body=body.replace(b"DE", b"IT")).status_code == 401
    assert shipengine_post(client, rsa_key, body, stamp, kid="key-2").status_code == 401  # unknown key id
    stale = (clock() - timedelta(minutes=10)).isoformat()
    assert shipengine_post(client, rsa_key, body, stale).status_code == 400
    hidden = client.post("/webhooks/shipengine", content=body)  # no signature headers: the endpoint stays hidden
    assert hidden.status_code == 404
    assert one(hub, "shipments", tracking_number=parcel.tracking_number)["status"] != "DELIVERED"


# ---------------------------------------------------------------------------------------------- ShipStation v1


def ss_order(number: str, status: str = "awaiting_shipment", email: str = "Ana.Lopez@Example.com") -> dict[str, Any]:
    return {
        "orderId": 94113592,
        "orderNumber": number,
        "orderDate": "2024-03-04T08:46:27.0000000",
        "modifyDate": "2024-03-04T08:50:00.0000000",
        "orderStatus": status,
        "customerId": 37701499,
        "customerEmail": email,
        "billTo": {"name": "Ana Lopez", "phone": "415-555-0132"},
        "shipTo": {
            "name": "Ana Lopez",
            "street1": "1355 Market St",
            "street2": "Suite 900",
            "city": "San Francisco",
            "state": "CA",
            "postalCode": "94103",
            "country": "US",
            "phone": "415-555-0132",
        },
        "items": [
            {
                "orderItemId": 1,
                "sku": "TS-BLK-M",
                "name": "T-shirt",
                "quantity": 2,
                "unitPrice": 29.9,
                "weight": {"value": 6, "units": "ounces"},
            },
            {"orderItemId": 2, "sku": "MUG-01", "name": "Mug", "quantity": 1, "unitPrice": 12.5},
        ],
        "orderTotal": 72.3,
        "weight": {"value": 1.5, "units": "pounds"},
        "dimensions": {"units": "inches", "length": 10, "width": 8, "height": 4},
        "requestedShippingService": "USPS Priority Mail",
    }


def ss_shipment(number: str, tracking: str, voided: bool = False) -> dict[str, Any]:
    return {
        "shipmentId": 33974374,
        "orderId": 94113592,
        "orderNumber": number,
        "createDate": "2024-03-04T10:10:18.0730000",
        "shipDate": "2024-03-04",
        "shipmentCost": 7.35,
        "trackingNumber": tracking,
        "carrierCode": "stamps_com",
        "serviceCode": "usps_priority_mail",
        "voided": voided,
        "shipTo": {
            "name": "Ana Lopez",
            "street1": "1355 Market St",
            "city": "San Francisco",
            "state": "CA",
            "postalCode": "94103",
            "country": "US",
        },
        "shipmentItems": [{"sku": "TS-BLK-M", "name": "T-shirt", "quantity": 2}],
    }


def notify(client: httpx.Client, kind: str, url: str) -> httpx.Response:
    return client.post("/webhooks/shipstation", json={"resource_url": url, "resource_type": kind})


def test_order_notify_creates_customer_order_and_lines_once(client: httpx.Client, hub: HubState) -> None:
    url = f"{API}/orders?storeID=123456&importBatch=abc"
    with shipstation_api(assert_all_called=True) as mock:
        route = mock.get(url).respond(200, json={"orders": [ss_order("SS-1001")], "total": 1, "page": 1, "pages": 1})
        response = notify(client, "ORDER_NOTIFY", url)
        assert response.status_code == 200, response.text
        assert response.json()["created"] == ["SS-1001"]
        sent = route.calls.last.request
        assert sent.headers["authorization"] == "Basic " + base64.b64encode(b"ss-key:ss-secret").decode()
        before = center_counts(hub)
        again = notify(client, "ORDER_NOTIFY", url)
    assert again.json()["unchanged"] == ["SS-1001"]
    assert center_counts(hub) == before
    customer = one(hub, "customers", email_normalized="ana.lopez@example.com")
    assert customer["source"] == "SHIPSTATION"
    order = one(hub, "orders", order_number="SS-1001")
    assert (order["status"], order["customer_id"], order["total_amount"]) == ("confirmed", customer["id"], "72.3")
    assert order["ship_to"]["country"] == "US" and order["ship_to"]["line2"] == "Suite 900"
    assert Decimal(order["expected_weight_grams"]) == Decimal("680.4")  # 1.5 lb
    assert Decimal(order["length_mm"]) == Decimal("254.0")
    lines = sorted(
        (r["sku"], r["quantity"], r["unit_price"]) for r in records(hub, "order_lines") if r["order_id"] == order["id"]
    )
    assert lines == [("MUG-01", 1, "12.5"), ("TS-BLK-M", 2, "29.9")]


def test_order_notify_moves_a_known_order_and_reuses_the_customer(client: httpx.Client, hub: HubState) -> None:
    url = f"{API}/orders?storeID=1&importBatch=x"
    with shipstation_api() as mock:
        mock.get(url).mock(
            side_effect=[
                httpx.Response(200, json={"orders": [ss_order("SS-2001")], "page": 1, "pages": 1}),
                httpx.Response(
                    200,
                    json={
                        "orders": [
                            ss_order("SS-2001", "cancelled"),
                            ss_order("SS-2002", email="ana.lopez@example.com"),
                        ],
                        "page": 1,
                        "pages": 1,
                    },
                ),
            ]
        )
        notify(client, "ORDER_NOTIFY", url)
        response = notify(client, "ORDER_NOTIFY", url)
    assert (response.json()["updated"], response.json()["created"]) == (["SS-2001"], ["SS-2002"])
    assert one(hub, "orders", order_number="SS-2001")["status"] == "cancelled"
    customers = [c for c in records(hub, "customers") if c["email_normalized"] == "ana.lopez@example.com"]
    assert len(customers) == 1
    assert one(hub, "orders", order_number="SS-2002")["customer_id"] == customers[0]["id"]


def test_order_notify_follows_pages(client: httpx.Client, hub: HubState) -> None:
    url = f"{API}/orders?importBatch=p"
    with shipstation_api() as mock:
        mock.get(url + "&page=2").respond(
            200, json={"orders": [ss_order("SS-3002", email="b@example.com")], "page": 2, "pages": 2}
        )
        mock.get(url).respond(200, json={"orders": [ss_order("SS-3001", email="a@example.com")], "page": 1, "pages": 2})
        response = notify(client, "ORDER_NOTIFY", url)
    assert response.json()["created"] == ["SS-3001", "SS-3002"]


def test_ship_notify_ships_the_order_once_and_calls_after_ship(
    client: httpx.Client, hub: HubState, shipped_calls: list[ShipResult]
) -> None:
    orders_url, ship_url = f"{API}/orders?importBatch=o", f"{API}/shipments?storeID=1&batchId=9"
    with shipstation_api() as mock:
        mock.get(orders_url).respond(200, json={"orders": [ss_order("SS-4001")], "page": 1, "pages": 1})
        mock.get(ship_url).respond(
            200,
            json={
                "shipments": [
                    ss_shipment("SS-4001", "9400111899223100001234"),
                    ss_shipment("SS-4001", "9400111899223100009999", voided=True),
                ],
                "page": 1,
                "pages": 1,
            },
        )
        notify(client, "ORDER_NOTIFY", orders_url)
        response = notify(client, "SHIP_NOTIFY", ship_url)
        assert response.status_code == 200, response.text
        assert response.json()["shipped"] == ["9400111899223100001234"]
        assert response.json()["skipped"] == ["9400111899223100009999: voided"]
        again = notify(client, "ITEM_SHIP_NOTIFY", ship_url)
    assert again.json()["duplicates"] == ["9400111899223100001234"]
    assert [r.tracking_number for r in shipped_calls] == [
        "9400111899223100001234"
    ]  # the hook: once, not for the repeat
    order = one(hub, "orders", order_number="SS-4001")
    assert order["status"] == "shipped"
    shipment = one(hub, "shipments", tracking_number="9400111899223100001234")
    assert (shipment["order_id"], shipment["carrier"], shipment["shipping_cost"]) == (order["id"], "usps", "7.35")
    moves = [m for m in records(hub, "stock_movements") if m["order_id"] == order["id"]]
    assert sorted((m["sku"], m["delta"]) for m in moves) == [("MUG-01", -1), ("TS-BLK-M", -2)]


@pytest.mark.parametrize(
    "url",
    [
        "http://ssapi.shipstation.com/orders",  # not https
        "https://169.254.169.254/latest/meta-data/",
        "https://localhost/orders",
        "https://ssapi.shipstation.com.evil.example/orders",
        "https://evil.example/?ssapi.shipstation.com",
        "https://user:pw@ssapi.shipstation.com/orders",
        "https://ssapi.shipstation.com:8443/orders",
        "file:///etc/passwd",
        "",
    ],
)
def test_shipstation_resource_url_on_another_host_is_never_fetched(client: httpx.Client, url: str) -> None:
    with shipstation_api() as mock:
        anything_else = mock.route().respond(200, json={"orders": []})
        response = notify(client, "ORDER_NOTIFY", url)
    assert anything_else.call_count == 0
    assert response.status_code == 422
    assert "error" in response.json()


def test_shipstation_redirects_are_not_followed(client: httpx.Client) -> None:
    url = f"{API}/orders?importBatch=r"
    with shipstation_api() as mock:
        redirect = mock.get(url).respond(302, headers={"Location": "http://10.0.0.1/admin"})
        elsewhere = mock.route().respond(200, json={"orders": []})
        response = notify(client, "ORDER_NOTIFY", url)
    assert (redirect.call_count, elsewhere.call_count) == (1, 0)
    assert response.status_code == 502


def test_shipstation_webhook_rejects_unknown_types_and_bad_json(client: httpx.Client) -> None:
    assert notify(client, "SOMETHING_ELSE", f"{API}/orders").status_code == 422
    assert client.post("/webhooks/shipstation", content=b"{nope").status_code == 422


def test_shipstation_outage_asks_for_a_retry(client: httpx.Client) -> None:
    url = f"{API}/orders?importBatch=down"
    with shipstation_api() as mock:
        mock.get(url).respond(503)
        assert notify(client, "ORDER_NOTIFY", url).status_code == 503
        mock.get(url).respond(401)
        assert notify(client, "ORDER_NOTIFY", url).status_code == 502


def test_the_whole_app_routes_webhooks_through_the_guard(hub: HubState, parcel: Parcel, clock: Clock) -> None:
    from shipstation_desktop.hub.app import create_app

    with serve(create_app(hub.config, hub)) as url, httpx.Client(base_url=url, timeout=30) as c:
        assert c.get("/health").json()["status"] == "ok"
        assert post_signed(c, update(parcel, ("IN_TRANSIT", "AR", clock())), clock()).status_code == 200
        assert post_signed(c, b"x" * 30_000, clock()).status_code == 413
        text_ = c.get("/metrics").text
    assert 'hub_requests_total{route="/webhooks/tracking",status="200"} 1' in text_
    assert 'hub_requests_total{route="/webhooks/tracking",status="413"} 1' in text_, [
        line for line in text_.splitlines() if "requests_total" in line
    ]
