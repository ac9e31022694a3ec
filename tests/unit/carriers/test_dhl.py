"""The DHL Express adapter against a scripted MyDHL API (bodies in tests/data/carriers/dhl, shaped after
the MyDHL OpenAPI document)."""

from __future__ import annotations

import base64
import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import httpx
import pytest

from shipstation_desktop.carriers.dhl import INFO
from shipstation_desktop.carriers.dhl.adapter import DhlCarrier
from shipstation_desktop.carriers.dhl.tracking import NOT_FOUND, parse_body
from shipstation_desktop.carriers.identify import identify
from shipstation_desktop.carriers.port import LabelRequest
from shipstation_desktop.domain.enums import ExceptionType, LabelFormat, ShipmentStatus
from shipstation_desktop.domain.errors import CarrierError, OverWeightLimit
from shipstation_desktop.domain.models import Package, PostalAddress
from shipstation_desktop.domain.rates import Rate, RateRequest
from shipstation_desktop.domain.units import Dimensions, Money, Weight, WeightUnit
from tests.unit.carriers.oauth_fake_api import DATA, FakeApi, Sleeper, body_of, context, load, ok, raw

BASE = "/mydhlapi/test"  # the sandbox base URL's path
RATES = f"{BASE}/rates"
SHIPMENTS = f"{BASE}/shipments"
TRACKING = f"{BASE}/tracking"
ADDRESS = f"{BASE}/address-validate"
SECRETS = {"api_key": "apikey", "api_secret": "apisecret"}
WAYBILL = "1234567891"

SHIP_FROM = PostalAddress(
    "Demo Warehouse", "500 Industrial Way", "Reno", "89502", "US", state="NV", company="Demo", phone="+17755550100"
)
SHIP_TO = PostalAddress("Anna Novak", "V Parku 2308/10", "Prague", "14800", "CZ", email="anna@example.cz")
PACKAGE = Package(
    Weight.of("1.2", WeightUnit.KG),
    Dimensions(Decimal(20), Decimal(15), Decimal(10)),
    declared_value=Money(Decimal("120.00"), "USD"),
)


def dhl(api: FakeApi, secrets: dict[str, str] | None = None, account: str = "123456789") -> tuple[DhlCarrier, Sleeper]:
    ctx, sleeper = context(api, "dhl", account=account, secrets=SECRETS if secrets is None else secrets)
    carrier = INFO.build(ctx) if INFO.build else None
    assert isinstance(carrier, DhlCarrier)
    return carrier, sleeper


def track_path(number: str) -> str:
    return f"{SHIPMENTS}/{number}/tracking"


def label_request(package: Package = PACKAGE, ship_to: PostalAddress = SHIP_TO) -> LabelRequest:
    rate = Rate("dhl", "P", "EXPRESS WORLDWIDE", Money(Decimal("84.27")), 3, Weight.of("1.5", WeightUnit.KG))
    return LabelRequest(rate, RateRequest(SHIP_FROM, ship_to, package), "SO-1001", purchase_reference="SO-1001-P1")


# -- rates ---------------------------------------------------------------------------------------


def test_rates_list_priced_products_in_the_billing_currency() -> None:
    api = FakeApi().add("GET", RATES, ok(load("dhl", "rates.json")))
    carrier, _ = dhl(api)

    rates = carrier.rates(RateRequest(SHIP_FROM, SHIP_TO, PACKAGE))

    # K has no price for this account and is left out; T's transit comes from its delivery date.
    assert [(r.service, r.service_name, r.amount, r.transit_days) for r in rates] == [
        ("P", "EXPRESS WORLDWIDE", Money(Decimal("84.27"), "USD"), 3),
        ("T", "EXPRESS 12:00", Money(Decimal("97.5"), "USD"), 2),
    ]
    assert rates[0].carrier == "dhl"
    assert rates[0].billable_weight.to(WeightUnit.KG).value == Decimal("1.5")  # 1.2 kg, half-kilo steps
    sent = api.calls("GET", RATES)[0]
    params = sent.url.params
    assert params["accountNumber"] == "123456789" and params["unitOfMeasurement"] == "metric"
    assert params["originCountryCode"] == "US" and params["destinationCityName"] == "Prague"
    assert params["weight"] == "1.200" and params["length"] == "20.0"
    assert params["isCustomsDeclarable"] == "true" and params["plannedShippingDate"] == "2026-01-05"
    assert sent.headers["Authorization"] == "Basic " + base64.b64encode(b"apikey:apisecret").decode()
    assert 28 <= len(sent.headers["Message-Reference"]) <= 36
    assert sent.headers["Message-Reference-Date"] == "Mon, 05 Jan 2026 09:00:00 GMT"


def test_rates_inside_the_eu_are_not_customs_declarable_and_an_unserved_lane_is_empty() -> None:
    api = FakeApi().add("GET", RATES, ok(load("dhl", "track_error_not_found.json"), 404))
    carrier, _ = dhl(api)
    berlin = PostalAddress("Lager", "Str. 1", "Berlin", "10115", "DE", phone="+4930123")
    paris = PostalAddress("Client", "Rue 2", "Paris", "75001", "FR")
    assert carrier.rates(RateRequest(berlin, paris, PACKAGE)) == []
    assert api.calls("GET", RATES)[0].url.params["isCustomsDeclarable"] == "false"


def test_rates_refuse_over_70_kg_and_need_an_account() -> None:
    carrier, _ = dhl(FakeApi())
    with pytest.raises(OverWeightLimit):
        carrier.rates(RateRequest(SHIP_FROM, SHIP_TO, Package(Weight.of(71, WeightUnit.KG))))
    carrier, _ = dhl(FakeApi(), account="")
    with pytest.raises(CarrierError, match="account number") as caught:
        carrier.rates(RateRequest(SHIP_FROM, SHIP_TO, PACKAGE))
    assert caught.value.code == "credentials"


# -- labels --------------------------------------------------------------------------------------


def test_buy_label_sends_reference_and_decodes_the_zpl() -> None:
    api = FakeApi().add("POST", SHIPMENTS, ok(load("dhl", "shipment_response.json"), 201))
    carrier, _ = dhl(api)

    label = carrier.buy_label(label_request())

    assert label.tracking_number == WAYBILL
    assert label.label == raw("dhl", "label_expected.zpl")
    assert label.label_format is LabelFormat.ZPL
    assert label.cost == Money(Decimal("85.54"), "USD")  # BILLC, not the EUR base price
    assert label.estimated_delivery == datetime(2026, 1, 8, 23, 59, tzinfo=UTC)
    assert label.tracking_url.endswith("tracking-id=1234567891")
    body = body_of(api.calls("POST", SHIPMENTS)[0])
    assert body["productCode"] == "P"
    assert body["plannedShippingDateAndTime"] == "2026-01-05T09:00:00GMT+00:00"
    assert body["pickup"] == {"isRequested": False}
    assert body["accounts"] == [{"typeCode": "shipper", "number": "123456789"}]
    assert body["customerReferences"] == [{"value": "SO-1001-P1", "typeCode": "CU"}]
    assert body["content"]["packages"][0]["customerReferences"] == [{"value": "SO-1001", "typeCode": "CU"}]
    assert body["content"]["packages"][0]["weight"] == 1.2
    assert body["content"]["isCustomsDeclarable"] is True
    assert body["content"]["declaredValue"] == 120.0 and body["content"]["declaredValueCurrency"] == "USD"
    image = body["outputImageProperties"]
    assert image["encodingFormat"] == "zpl" and image["printerDPI"] == 200
    assert image["imageOptions"][0] == {"typeCode": "label", "templateName": "ECOM26_84_001"}
    receiver = body["customerDetails"]["receiverDetails"]
    assert receiver["postalAddress"]["countryCode"] == "CZ"
    assert receiver["contactInformation"]["phone"] == "+17755550100"  # no receiver phone: the shipper's


def test_customs_shipments_need_a_declared_value() -> None:
    api = FakeApi()
    carrier, _ = dhl(api)
    with pytest.raises(CarrierError, match="declared value") as caught:
        carrier.buy_label(label_request(Package(Weight.of(1, WeightUnit.KG))))
    assert caught.value.code == "customs"
    assert api.requests == []


def test_shipment_error_keeps_dhl_detail_and_code() -> None:
    api = FakeApi().add("POST", SHIPMENTS, ok(load("dhl", "error_validation.json"), 422))
    carrier, _ = dhl(api)
    with pytest.raises(CarrierError) as caught:
        carrier.buy_label(label_request())
    assert "Multiple problems found" in str(caught.value)
    assert "receiverDetails/contactInformation/phone" in str(caught.value)
    assert caught.value.code == "422"


def test_void_is_not_offered() -> None:
    carrier, _ = dhl(FakeApi())
    assert not carrier.capabilities.can_void
    with pytest.raises(CarrierError, match="not billed") as caught:
        carrier.void(WAYBILL)
    assert caught.value.code == "VOID_NOT_SUPPORTED"


def test_find_label_by_reference_returns_the_archived_waybill() -> None:
    pdf = b"%PDF-1.4 waybill"
    found = {
        "shipments": [
            {"shipmentTrackingNumber": WAYBILL, "shipmentTimestamp": "2026-01-05T09:00:00", "productCode": "P"}
        ]
    }
    api = (
        FakeApi()
        .add("GET", TRACKING, ok(found))
        .add(
            "GET",
            f"{SHIPMENTS}/{WAYBILL}/get-image",
            ok(
                {
                    "documents": [
                        {
                            "shipmentTrackingNumber": WAYBILL,
                            "typeCode": "waybill",
                            "encodingFormat": "PDF",
                            "content": base64.b64encode(pdf).decode(),
                        }
                    ]
                }
            ),
        )
    )
    carrier, _ = dhl(api)
    label = carrier.find_label("SO-1001-P1")
    assert label is not None and label.tracking_number == WAYBILL and label.label == pdf
    assert label.label_format is LabelFormat.PDF and label.service == "EXPRESS WORLDWIDE"
    params = api.calls("GET", TRACKING)[0].url.params
    assert params["shipmentReference"] == "SO-1001-P1" and params["shipmentReferenceType"] == "CU"
    assert params["dateRangeFrom"] == "2025-12-22" and params["dateRangeTo"] == "2026-01-05"
    assert api.calls("GET", f"{SHIPMENTS}/{WAYBILL}/get-image")[0].url.params["pickupYearAndMonth"] == "2026-01"


def test_find_label_without_a_match_is_none() -> None:
    carrier, _ = dhl(FakeApi().add("GET", TRACKING, ok(load("dhl", "track_error_not_found.json"), 404)))
    assert carrier.find_label("SO-9") is None
    assert not carrier.capabilities.can_find_by_reference  # the tracking index lags new waybills


# -- tracking ------------------------------------------------------------------------------------


def test_track_delivered_known_answer() -> None:
    api = FakeApi().add("GET", track_path(WAYBILL), ok(load("dhl", "track_delivered.json")))
    carrier, _ = dhl(api)

    result = carrier.track(WAYBILL)

    assert result.status is ShipmentStatus.DELIVERED
    assert result.delivered_at == datetime(2026, 1, 8, 11, 47, tzinfo=timezone(timedelta(hours=1)))
    assert result.signed_by == "NOVAK"
    assert result.service == "EXPRESS WORLDWIDE"
    assert result.estimated_delivery == datetime(2026, 1, 8, 23, 59, tzinfo=UTC)
    assert [e.code for e in result.events] == ["OK", "WC", "CR", "DF", "AF", "PU"]
    assert result.events[-1].time.astimezone(UTC) == datetime(2026, 1, 6, 2, 40, tzinfo=UTC)  # 18:40 at -08:00
    assert result.events[0].location == "Prague-CZ"
    assert api.calls("GET", track_path(WAYBILL))[0].url.params["trackingView"] == "all-checkpoints"


@pytest.mark.parametrize(
    ("name", "status", "exception"),
    [
        ("track_delivered.json", ShipmentStatus.DELIVERED, None),
        ("track_customs_delay.json", ShipmentStatus.IN_TRANSIT, ExceptionType.CUSTOMS_DELAY),
        ("track_many.json", ShipmentStatus.IN_TRANSIT, ExceptionType.DELIVERY_FAILED),
    ],
)
def test_every_sample_body_normalizes(name: str, status: ShipmentStatus, exception: ExceptionType | None) -> None:
    result = parse_body(raw("dhl", name))
    assert result.status is status
    assert result.events[0].exception is exception
    assert all(e.time.tzinfo is not None for e in result.events)
    assert [e.time for e in result.events] == sorted((e.time for e in result.events), reverse=True)


def test_error_bodies_raise_one_line() -> None:
    with pytest.raises(CarrierError) as caught:
        parse_body(raw("dhl", "track_error_not_found.json"))
    assert caught.value.code == NOT_FOUND
    with pytest.raises(CarrierError, match="Parameters not having correct format") as caught:
        parse_body(raw("dhl", "track_error_bad_request.json"))
    assert caught.value.code == "400"
    with pytest.raises(CarrierError) as caught:
        parse_body(b"[1, 2")
    assert caught.value.code == "malformed"
    assert list((DATA / "dhl").glob("track_error_*.json"))


def test_track_unknown_number_is_not_found() -> None:
    api = FakeApi().add("GET", track_path("6001700552"), ok(load("dhl", "track_error_not_found.json"), 404))
    carrier, _ = dhl(api)
    with pytest.raises(CarrierError) as caught:
        carrier.track("6001700552")
    assert caught.value.code == NOT_FOUND


def test_track_many_batches_ten_and_leaves_unknown_out() -> None:
    numbers = ["7300521443", "4150602374"] + [f"55500{i:04d}0" for i in range(10)]
    api = FakeApi().add(
        "GET", TRACKING, ok(load("dhl", "track_many.json")), ok(load("dhl", "track_error_not_found.json"), 404)
    )
    carrier, _ = dhl(api)

    found = carrier.track_many(numbers)

    assert sorted(found) == ["4150602374", "7300521443"]
    assert found["4150602374"].status is ShipmentStatus.RETURNED_TO_SENDER
    assert found["4150602374"].events[1].exception is ExceptionType.REFUSED_BY_RECIPIENT
    calls = api.calls("GET", TRACKING)
    assert [len(c.url.params.get_list("shipmentTrackingNumber")) for c in calls] == [10, 2]
    assert carrier.capabilities.track_batch_size == 10


# -- addresses -----------------------------------------------------------------------------------


def test_validate_address_checks_the_delivery_area() -> None:
    api = FakeApi().add(
        "GET", ADDRESS, ok(load("dhl", "address_validate.json")), ok(load("dhl", "track_error_not_found.json"), 404)
    )
    carrier, _ = dhl(api)
    check = carrier.validate_address(SHIP_TO)
    assert check.valid and check.suggestion is None  # PRAGUE is Prague
    params = api.calls("GET", ADDRESS)[0].url.params
    assert params["type"] == "delivery" and params["countryCode"] == "CZ" and params["postalCode"] == "14800"
    wrong = carrier.validate_address(PostalAddress("A", "Street 1", "Pargue", "14800", "CZ"))
    assert not wrong.valid and "does not deliver to 14800 Pargue CZ" in wrong.messages[0]


def test_validate_address_suggests_dhl_city_spelling() -> None:
    answer = load("dhl", "address_validate.json")
    api = FakeApi().add("GET", ADDRESS, ok(answer))
    carrier, _ = dhl(api)
    check = carrier.validate_address(PostalAddress("A", "Street 1", "Praha 4", "14800", "CZ"))
    assert check.valid and check.suggestion is not None and check.suggestion.city == "PRAGUE"


# -- the HTTP behaviour every adapter owes -------------------------------------------------------


def test_bad_credentials_after_one_retry() -> None:
    denied = ok(
        {"instance": "/expressapi/rates", "detail": "Invalid Credentials", "title": "Unauthorized", "status": "401"},
        401,
    )
    api = FakeApi().add("GET", track_path(WAYBILL), denied)
    carrier, _ = dhl(api)
    with pytest.raises(CarrierError, match="credentials") as caught:
        carrier.track(WAYBILL)
    assert "Invalid Credentials" in str(caught.value)
    assert len(api.calls("GET", track_path(WAYBILL))) == 2


def test_a_passing_401_is_retried_once_with_fresh_message_reference() -> None:
    denied = ok({"detail": "Unauthorized", "status": "401"}, 401)
    api = FakeApi().add("GET", track_path(WAYBILL), denied, ok(load("dhl", "track_delivered.json")))
    carrier, _ = dhl(api)
    assert carrier.track(WAYBILL).status is ShipmentStatus.DELIVERED
    first, second = api.calls("GET", track_path(WAYBILL))
    assert first.headers["Message-Reference"] != second.headers["Message-Reference"]


def test_missing_api_key_is_named() -> None:
    carrier, _ = dhl(FakeApi(), secrets={})
    with pytest.raises(CarrierError, match="api key") as caught:
        carrier.track(WAYBILL)
    assert caught.value.code == "credentials"


def test_429_waits_as_long_as_dhl_asks() -> None:
    slow = httpx.Response(429, json={"detail": "Too many requests", "status": "429"}, headers={"Retry-After": "12"})
    api = FakeApi().add("GET", track_path(WAYBILL), slow, ok(load("dhl", "track_delivered.json")))
    carrier, sleeper = dhl(api)
    assert carrier.track(WAYBILL).status is ShipmentStatus.DELIVERED
    assert 12.0 in sleeper.delays


def test_500_then_success() -> None:
    api = FakeApi().add(
        "GET", track_path(WAYBILL), ok(load("dhl", "error_business.json"), 500), ok(load("dhl", "track_delivered.json"))
    )
    carrier, _ = dhl(api)
    assert carrier.track(WAYBILL).signed_by == "NOVAK"
    assert len(api.calls("GET", track_path(WAYBILL))) == 2


def test_persistent_500_keeps_dhl_detail() -> None:
    api = FakeApi().add("POST", SHIPMENTS, ok(load("dhl", "error_business.json"), 500))
    carrier, _ = dhl(api)
    with pytest.raises(CarrierError, match="Process failure occurred") as caught:
        carrier.buy_label(label_request())
    assert caught.value.code == "998"


def test_malformed_json_is_one_clear_error() -> None:
    api = FakeApi().add("GET", track_path(WAYBILL), httpx.Response(200, text="{shipments:"))
    carrier, _ = dhl(api)
    with pytest.raises(CarrierError, match="not valid JSON") as caught:
        carrier.track(WAYBILL)
    assert caught.value.code == "malformed"


def test_timeout_gives_up_after_the_retries() -> None:
    api = FakeApi().add("GET", track_path(WAYBILL), httpx.ReadTimeout("slow"))
    carrier, _ = dhl(api)
    with pytest.raises(CarrierError, match="did not answer in time") as caught:
        carrier.track(WAYBILL)
    assert caught.value.code == "timeout"


def test_info_and_waybill_numbers() -> None:
    assert INFO.code == "dhl" and INFO.secret_fields == ("api_key", "api_secret")
    assert INFO.tracking_url(WAYBILL) == (
        "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id=1234567891"
    )
    # The sample waybills carry valid mod-7 check digits (123456789 mod 7 = 1).
    for number in (WAYBILL, "9876543213", "7300521443", "4150602374"):
        assert "dhl" in identify(number).carriers


def test_insurance_asked_for_is_bought_as_shipment_protection() -> None:
    api = FakeApi().add("POST", SHIPMENTS, ok(load("dhl", "shipment_response.json"), 201))
    carrier, _ = dhl(api)
    insured = dataclasses.replace(PACKAGE, insurance=Money(Decimal("500"), "USD"))
    carrier.buy_label(label_request(insured))
    body = body_of(api.calls("POST", SHIPMENTS)[0])
    assert body["valueAddedServices"] == [{"serviceCode": "II", "value": 500.0, "currency": "USD"}]
    carrier.buy_label(label_request())
    assert "valueAddedServices" not in body_of(api.calls("POST", SHIPMENTS)[1])
