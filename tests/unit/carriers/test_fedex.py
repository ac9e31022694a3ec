"""The FedEx adapter against a fake FedEx API (spec-derived bodies in tests/data/carriers/fedex)."""

from __future__ import annotations

import base64
import copy
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import parse_qs

import httpx
import pytest

from shipstation_desktop.carriers.fedex import INFO
from shipstation_desktop.carriers.fedex.adapter import (
    ADDRESS_PATH,
    CANCEL_PATH,
    RATE_PATH,
    SHIP_PATH,
    TOKEN_PATH,
    TRACK_PATH,
    FedExCarrier,
)
from shipstation_desktop.carriers.fedex.tracking import map_event, parse_body
from shipstation_desktop.carriers.port import LabelRequest
from shipstation_desktop.domain.enums import ExceptionType, LabelFormat, ShipmentStatus
from shipstation_desktop.domain.errors import CarrierError, OverWeightLimit
from shipstation_desktop.domain.models import Package, PostalAddress
from shipstation_desktop.domain.rates import Rate, RateRequest
from shipstation_desktop.domain.units import Dimensions, LengthUnit, Money, Weight, WeightUnit

from .oauth_fake_api import FakeApi, body_of, context, load, ok, raw, token

DELIVERED = "794843185271"
DELAYED = "122816215025810"
UNKNOWN = "123456789012"

SHIP_FROM = PostalAddress(
    name="Dock Lead",
    company="Demo Warehouse",
    line1="500 Industrial Way",
    city="Reno",
    state="NV",
    postal_code="89502",
    country="US",
    phone="+1 775 555 0100",
)
SHIP_TO = PostalAddress(
    name="Ana Ruiz",
    line1="26601 W Agoura Rd",
    city="Calabasas",
    state="CA",
    postal_code="91302",
    country="US",
    phone="+1 818 555 0199",
)
PACKAGE = Package(Weight.of("5", WeightUnit.LB), Dimensions(Decimal(12), Decimal(10), Decimal(8), LengthUnit.IN))
REQUEST = RateRequest(SHIP_FROM, SHIP_TO, PACKAGE, reference="SO-1001")


def carrier(api: FakeApi, **kwargs: object) -> tuple[FedExCarrier, list[float]]:
    ctx, sleeper = context(api, "fedex", account="740561073", **kwargs)  # type: ignore[arg-type]
    return FedExCarrier(ctx), sleeper.delays


def ground_rate() -> Rate:
    return Rate("fedex", "FEDEX_GROUND", "FedEx Ground", Money(Decimal("12.64")), 3, Weight.of(7, WeightUnit.LB))


def tracked(*results: dict[str, object]) -> dict[str, object]:
    return {"transactionId": "t", "output": {"completeTrackResults": list(results)}}


def complete(name: str) -> dict[str, object]:
    first: dict[str, object] = load("fedex", name)["output"]["completeTrackResults"][0]
    return first


# -- rates ----------------------------------------------------------------------------------------


def test_rates_prefer_account_prices_and_read_transit_words() -> None:
    api = FakeApi().add("POST", TOKEN_PATH, token()).add("POST", RATE_PATH, ok(load("fedex", "rate_quotes.json")))
    fedex, _ = carrier(api)

    rates = fedex.rates(REQUEST)

    assert [(r.service, r.service_name, r.amount, r.transit_days) for r in rates] == [
        ("FEDEX_GROUND", "FedEx Ground®", Money(Decimal("12.64"), "USD"), 3),
        ("FEDEX_2_DAY", "FedEx 2Day®", Money(Decimal("33.08"), "USD"), 2),  # ACCOUNT beats LIST
        ("PRIORITY_OVERNIGHT", "FedEx Priority Overnight®", Money(Decimal("88.2"), "USD"), 1),  # table default
    ]
    assert rates[0].billable_weight.to(WeightUnit.LB).value.quantize(Decimal("0.001")) == Decimal("7.000")

    form = parse_qs(api.calls("POST", TOKEN_PATH)[0].content.decode())
    assert form == {"grant_type": ["client_credentials"], "client_id": ["cid"], "client_secret": ["csecret"]}
    sent = body_of(api.calls("POST", RATE_PATH)[0])
    assert sent["accountNumber"] == {"value": "740561073"}
    item = sent["requestedShipment"]["requestedPackageLineItems"][0]
    assert item["weight"] == {"units": "LB", "value": 5.0}
    assert item["dimensions"] == {"length": 12, "width": 10, "height": 8, "units": "IN"}
    assert api.calls("POST", RATE_PATH)[0].headers["Authorization"] == "Bearer tok-1"


def test_capabilities_and_overweight() -> None:
    caps = FedExCarrier.capabilities
    assert caps.track_batch_size == 30 and not caps.can_find_by_reference
    assert caps.dim_divisor_cm3_per_kg.quantize(Decimal("0.01")) == Decimal("5021.69")
    api = FakeApi()
    fedex, _ = carrier(api)
    with pytest.raises(OverWeightLimit):
        fedex.rates(RateRequest(SHIP_FROM, SHIP_TO, Package(Weight.of(70, WeightUnit.KG))))
    assert api.requests == []


# -- labels ---------------------------------------------------------------------------------------


def test_buy_label_zpl_with_customer_reference() -> None:
    api = FakeApi().add("POST", TOKEN_PATH, token()).add("POST", SHIP_PATH, ok(load("fedex", "ship_zpl.json")))
    fedex, _ = carrier(api)

    label = fedex.buy_label(LabelRequest(ground_rate(), REQUEST, "SO-1001", purchase_reference="SO-1001-P1"))

    assert label.tracking_number == DELIVERED
    assert label.label.startswith(b"^XA") and DELIVERED.encode() in label.label
    assert label.label_format is LabelFormat.ZPL
    assert label.cost == Money(Decimal("12.64"), "USD")
    assert label.tracking_url == f"https://www.fedex.com/fedextrack/?trknbr={DELIVERED}"
    assert label.estimated_delivery == datetime(2026, 1, 8, 23, 59, tzinfo=UTC)
    shipment = body_of(api.calls("POST", SHIP_PATH)[0])["requestedShipment"]
    assert shipment["labelSpecification"]["imageType"] == "ZPLII"
    assert shipment["labelSpecification"]["labelStockType"] == "STOCK_4X6"
    assert shipment["requestedPackageLineItems"][0]["customerReferences"] == [
        {"customerReferenceType": "CUSTOMER_REFERENCE", "value": "SO-1001-P1"}
    ]
    assert shipment["serviceType"] == "FEDEX_GROUND"
    assert shipment["shipDatestamp"] == "2026-01-05"
    assert shipment["shipper"]["contact"]["phoneNumber"] == "17755550100"


def test_buy_label_pdf_asks_for_a_pdf_page() -> None:
    answer = copy.deepcopy(load("fedex", "ship_zpl.json"))
    document = answer["output"]["transactionShipments"][0]["pieceResponses"][0]["packageDocuments"][0]
    document["encodedLabel"] = base64.b64encode(b"%PDF-1.4 fake").decode()
    api = FakeApi().add("POST", TOKEN_PATH, token()).add("POST", SHIP_PATH, ok(answer))
    fedex, _ = carrier(api)

    label = fedex.buy_label(LabelRequest(ground_rate(), REQUEST, "SO-1001", label_format=LabelFormat.PDF))

    assert label.label_format is LabelFormat.PDF and label.label.startswith(b"%PDF")
    spec = body_of(api.calls("POST", SHIP_PATH)[0])["requestedShipment"]["labelSpecification"]
    assert spec["imageType"] == "PDF"


def test_buy_label_refuses_other_carriers_rates_and_finds_nothing_by_reference() -> None:
    fedex, _ = carrier(FakeApi())
    other = Rate("ups", "03", "UPS Ground", Money(Decimal(9)), 5, Weight.of(7, WeightUnit.LB))
    with pytest.raises(CarrierError, match="ups rate"):
        fedex.buy_label(LabelRequest(other, REQUEST, "SO-1001"))
    assert fedex.find_label("SO-1001") is None


def test_void_cancels_by_tracking_number() -> None:
    api = FakeApi().add("POST", TOKEN_PATH, token()).add("PUT", CANCEL_PATH, ok(load("fedex", "cancel_ok.json")))
    fedex, _ = carrier(api)
    fedex.void(DELIVERED)
    sent = body_of(api.calls("PUT", CANCEL_PATH)[0])
    assert sent["trackingNumber"] == DELIVERED and sent["accountNumber"] == {"value": "740561073"}

    refused = {"output": {"cancelledShipment": False, "message": "Shipment already picked up"}}
    api = FakeApi().add("POST", TOKEN_PATH, token()).add("PUT", CANCEL_PATH, ok(refused))
    fedex, _ = carrier(api)
    with pytest.raises(CarrierError, match="already picked up") as info:
        fedex.void(DELIVERED)
    assert info.value.code == "VOID_FAILED"


# -- tracking -------------------------------------------------------------------------------------


def test_delivered_body_known_answer() -> None:
    result = parse_body(raw("fedex", "track_delivered.json"))

    assert result.tracking_number == DELIVERED
    assert result.status is ShipmentStatus.DELIVERED
    assert [e.code for e in result.events] == ["DL", "OD", "DP", "PU", "OC"]
    assert [e.status for e in result.events] == [
        ShipmentStatus.DELIVERED,
        ShipmentStatus.OUT_FOR_DELIVERY,
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.PICKED_UP,
        ShipmentStatus.LABEL_CREATED,
    ]
    assert result.events[0].time == datetime(2026, 1, 7, 10, 42, tzinfo=timezone(timedelta(hours=-8)))
    assert result.events[2].time.astimezone(UTC) == datetime(2026, 1, 7, 5, 10, tzinfo=UTC)  # Memphis, -06:00
    assert result.events[0].location == "SACRAMENTO, CA, US"
    assert result.delivered_at == datetime(2026, 1, 7, 18, 42, tzinfo=UTC)
    assert result.signed_by == "M.GARCIA"
    assert result.proof_url == f"https://www.fedex.com/fedextrack/?trknbr={DELIVERED}"
    assert result.service == "FedEx 2Day"


def test_exception_body_known_answer() -> None:
    result = parse_body(raw("fedex", "track_exception.json"))

    assert result.tracking_number == DELAYED
    assert result.status is ShipmentStatus.OUT_FOR_DELIVERY
    by_code = {e.code: e for e in result.events}
    assert by_code["DE"].exception is ExceptionType.DELIVERY_FAILED
    assert "business closed" in by_code["DE"].description
    assert by_code["SE"].exception is ExceptionType.WEATHER_DELAY
    assert by_code["SE"].status is ShipmentStatus.IN_TRANSIT
    assert by_code["ZZ"].status is ShipmentStatus.IN_TRANSIT and by_code["ZZ"].exception is None  # unknown, kept
    assert result.estimated_delivery == datetime(2026, 1, 10, 1, 0, tzinfo=UTC)
    assert result.delivered_at is None


def test_not_found_and_error_bodies_raise_one_clear_error() -> None:
    with pytest.raises(CarrierError, match="no tracking information for 123456789012") as info:
        parse_body(raw("fedex", "track_error_not_found.json"))
    assert info.value.code == "not_found"
    with pytest.raises(CarrierError, match="Access token expired") as info:
        parse_body(raw("fedex", "track_error_unauthorized.json"))
    assert info.value.code == "NOT.AUTHORIZED.ERROR"
    with pytest.raises(CarrierError) as info:
        parse_body(b"{not json")
    assert info.value.code == "malformed"


@pytest.mark.parametrize(
    ("code", "text", "status", "exception"),
    [
        ("OC", "", ShipmentStatus.LABEL_CREATED, None),
        ("PU", "", ShipmentStatus.PICKED_UP, None),
        ("AR", "", ShipmentStatus.IN_TRANSIT, None),
        ("OD", "", ShipmentStatus.OUT_FOR_DELIVERY, None),
        ("HL", "", ShipmentStatus.OUT_FOR_DELIVERY, None),
        ("DL", "", ShipmentStatus.DELIVERED, None),
        ("RS", "", ShipmentStatus.RETURNED_TO_SENDER, None),
        ("CA", "", ShipmentStatus.CANCELLED, None),
        ("CD", "", ShipmentStatus.IN_TRANSIT, ExceptionType.CUSTOMS_DELAY),
        ("DE", "", ShipmentStatus.OUT_FOR_DELIVERY, ExceptionType.DELIVERY_FAILED),
        ("DE", "Incorrect address", ShipmentStatus.IN_TRANSIT, ExceptionType.ADDRESS_ISSUE),
        ("DE", "Refused by recipient", ShipmentStatus.IN_TRANSIT, ExceptionType.REFUSED_BY_RECIPIENT),
        ("SE", "Package damaged", ShipmentStatus.IN_TRANSIT, ExceptionType.DAMAGED_IN_TRANSIT),
        ("SE", "Regulatory agency clearance delay", ShipmentStatus.IN_TRANSIT, ExceptionType.CUSTOMS_DELAY),
        ("SE", "Package lost", ShipmentStatus.LOST, ExceptionType.LOST_IN_TRANSIT),
        ("DY", "Severe weather", ShipmentStatus.IN_TRANSIT, ExceptionType.WEATHER_DELAY),
        ("SE", "Sorting area delay", ShipmentStatus.IN_TRANSIT, None),
        ("QQ", "Local delivery restriction", ShipmentStatus.IN_TRANSIT, None),
    ],
)
def test_code_table(code: str, text: str, status: ShipmentStatus, exception: ExceptionType | None) -> None:
    assert map_event(code, text) == (status, exception)


def test_track_many_batches_thirty_and_leaves_unknown_numbers_out() -> None:
    numbers = [f"{700000000000 + i}" for i in range(31)]

    def answer(request: httpx.Request) -> httpx.Response:
        asked = [t["trackingNumberInfo"]["trackingNumber"] for t in body_of(request)["trackingInfo"]]
        results = []
        for number in asked:
            if number == numbers[5]:
                entry = copy.deepcopy(complete("track_error_not_found.json"))
            else:
                entry = copy.deepcopy(complete("track_delivered.json"))
            entry["trackingNumber"] = number
            entry["trackResults"][0]["trackingNumberInfo"]["trackingNumber"] = number  # type: ignore[index]
            results.append(entry)
        return ok(tracked(*results))

    api = FakeApi().add("POST", TOKEN_PATH, token()).add("POST", TRACK_PATH, answer)
    fedex, _ = carrier(api)

    found = fedex.track_many(numbers)

    batches = [len(body_of(r)["trackingInfo"]) for r in api.calls("POST", TRACK_PATH)]
    assert batches == [30, 1]
    assert set(found) == set(numbers) - {numbers[5]}
    assert found[numbers[0]].status is ShipmentStatus.DELIVERED


def test_track_one_number_and_not_found() -> None:
    api = FakeApi().add("POST", TOKEN_PATH, token())
    api.add(
        "POST", TRACK_PATH, ok(load("fedex", "track_exception.json")), ok(load("fedex", "track_error_not_found.json"))
    )
    fedex, _ = carrier(api)

    assert fedex.track(DELAYED).events[0].exception is ExceptionType.DELIVERY_FAILED
    sent = body_of(api.calls("POST", TRACK_PATH)[0])
    assert sent == {"includeDetailedScans": True, "trackingInfo": [{"trackingNumberInfo": {"trackingNumber": DELAYED}}]}
    with pytest.raises(CarrierError) as info:
        fedex.track(UNKNOWN)
    assert info.value.code == "not_found"


# -- addresses ------------------------------------------------------------------------------------


def test_validate_address_resolved_and_unresolved() -> None:
    api = FakeApi().add("POST", TOKEN_PATH, token())
    api.add(
        "POST", ADDRESS_PATH, ok(load("fedex", "address_resolved.json")), ok(load("fedex", "address_unresolved.json"))
    )
    fedex, _ = carrier(api)

    good = fedex.validate_address(SHIP_TO)
    assert good.valid and good.suggestion is None  # the same address, only standardised
    sent = body_of(api.calls("POST", ADDRESS_PATH)[0])
    assert sent["addressesToValidate"][0]["address"]["streetLines"] == ["26601 W Agoura Rd"]

    bad = fedex.validate_address(SHIP_TO)
    assert not bad.valid
    assert bad.messages == ("Standardized address is not found.",)
    assert bad.suggestion is not None and bad.suggestion.line1 == "100 MAIN ST"


# -- HTTP behaviour ---------------------------------------------------------------------------------


def test_missing_credentials_and_account_are_named() -> None:
    fedex, _ = carrier(FakeApi(), secrets={})
    with pytest.raises(CarrierError, match="client id"):
        fedex.track(DELIVERED)
    ctx, _ = context(FakeApi(), "fedex", account="")
    with pytest.raises(CarrierError, match="account number"):
        FedExCarrier(ctx).rates(REQUEST)


def test_bad_credentials_after_a_fresh_token_say_so() -> None:
    api = FakeApi().add("POST", TOKEN_PATH, token("a"), token("b"))
    api.add("POST", TRACK_PATH, ok(load("fedex", "error_auth.json"), 401))
    fedex, _ = carrier(api)

    with pytest.raises(CarrierError, match="credentials") as info:
        fedex.track(DELIVERED)

    assert info.value.code == "NOT.AUTHORIZED.ERROR"
    assert len(api.calls("POST", TOKEN_PATH)) == 2


def test_expired_token_is_fetched_again_once() -> None:
    api = FakeApi().add("POST", TOKEN_PATH, token("first"), token("second"))
    api.add(
        "POST",
        TRACK_PATH,
        ok(load("fedex", "track_delivered.json")),
        ok(load("fedex", "track_error_unauthorized.json"), 401),
        ok(load("fedex", "track_delivered.json")),
    )
    fedex, _ = carrier(api)

    fedex.track(DELIVERED)
    assert fedex.track(DELIVERED).status is ShipmentStatus.DELIVERED
    assert fedex.auth.fetches == 2
    assert [r.headers["Authorization"] for r in api.calls("POST", TRACK_PATH)][-1] == "Bearer second"


def test_429_waits_as_long_as_retry_after_says() -> None:
    limited = ok(
        {"errors": [{"code": "RATE.LIMIT.EXCEEDED", "message": "Too many requests"}]}, 429, {"Retry-After": "12"}
    )
    api = FakeApi().add("POST", TOKEN_PATH, token())
    api.add("POST", RATE_PATH, limited, ok(load("fedex", "rate_quotes.json")))
    fedex, delays = carrier(api)

    assert len(fedex.rates(REQUEST)) == 3
    assert 12.0 in delays


def test_500_then_success_and_malformed_json() -> None:
    api = FakeApi().add("POST", TOKEN_PATH, token())
    api.add("POST", RATE_PATH, httpx.Response(503), ok(load("fedex", "rate_quotes.json")))
    fedex, _ = carrier(api)
    assert len(fedex.rates(REQUEST)) == 3
    assert len(api.calls("POST", RATE_PATH)) == 2

    api = FakeApi().add("POST", TOKEN_PATH, token()).add("POST", RATE_PATH, httpx.Response(200, text="{oops"))
    fedex, _ = carrier(api)
    with pytest.raises(CarrierError, match="not valid JSON") as info:
        fedex.rates(REQUEST)
    assert info.value.code == "malformed"


def test_timeout_is_reported_after_retries() -> None:
    api = FakeApi().add("POST", TOKEN_PATH, token()).add("POST", TRACK_PATH, httpx.ReadTimeout("slow"))
    fedex, delays = carrier(api)
    with pytest.raises(CarrierError, match="did not answer in time") as info:
        fedex.track(DELIVERED)
    assert info.value.code == "timeout"
    assert [d for d in delays if d >= 1] == [1.0, 5.0, 15.0]


def test_fedex_error_body_becomes_the_message_with_its_code() -> None:
    error = {
        "transactionId": "x",
        "errors": [
            {"code": "SERVICE.PACKAGECOMBINATION.INVALID", "message": "Invalid service and packaging combination."}
        ],
    }
    api = FakeApi().add("POST", TOKEN_PATH, token()).add("POST", SHIP_PATH, ok(error, 422))
    fedex, _ = carrier(api)
    with pytest.raises(CarrierError) as info:
        fedex.buy_label(LabelRequest(ground_rate(), REQUEST, "SO-1001"))
    assert str(info.value) == "FedEx: Invalid service and packaging combination."
    assert info.value.code == "SERVICE.PACKAGECOMBINATION.INVALID"


def test_info_describes_the_carrier() -> None:
    assert (INFO.code, INFO.name, INFO.secret_fields) == ("fedex", "FedEx", ("client_id", "client_secret"))
    assert INFO.tracking_url(DELIVERED) == f"https://www.fedex.com/fedextrack/?trknbr={DELIVERED}"
    assert INFO.parse_tracking is not None
    assert INFO.parse_tracking(raw("fedex", "track_delivered.json")).signed_by == "M.GARCIA"
