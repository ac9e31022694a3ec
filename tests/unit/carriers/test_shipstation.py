"""The ShipStation API (ShipEngine) adapter against spec-derived bodies in tests/data/carriers/shipstation."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from shipstation_desktop.carriers.context import CarrierContext
from shipstation_desktop.carriers.port import LabelRequest
from shipstation_desktop.carriers.shipstation import INFO
from shipstation_desktop.carriers.shipstation.adapter import ShipStationAdapter, infer_carrier
from shipstation_desktop.domain.clock import FakeClock
from shipstation_desktop.domain.enums import ExceptionType, LabelFormat, ShipmentStatus
from shipstation_desktop.domain.errors import CarrierError
from shipstation_desktop.domain.models import Package, PostalAddress
from shipstation_desktop.domain.rates import Rate, RateRequest
from shipstation_desktop.domain.units import Dimensions, LengthUnit, Money, Weight, WeightUnit
from shipstation_desktop.settings.model import CarrierAccount

from .oauth_fake_api import FakeApi, ok

DATA = Path(__file__).resolve().parents[2] / "data" / "carriers" / "shipstation"
UPS_NUMBER = "1ZA1B2C30312345673"

SHIP_FROM = PostalAddress(
    name="Dock Lead", company="Demo Warehouse", line1="500 Industrial Way", city="Reno", state="NV",
    postal_code="89502", country="US", phone="+17755550100",
)  # fmt: skip
SHIP_TO = PostalAddress(
    name="Ana Ruiz", line1="26601 w agoura rd", city="calabasas", state="ca", postal_code="91302", country="US"
)
PACKAGE = Package(Weight.of("5", WeightUnit.LB), Dimensions(Decimal(12), Decimal(10), Decimal(8), LengthUnit.IN))
REQUEST = RateRequest(SHIP_FROM, SHIP_TO, PACKAGE, reference="SO-1001")


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


class Sleeper:
    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.clock.advance(max(seconds, 1e-6))  # the limiter's float maths can ask for 1e-17 s


def make(
    api: FakeApi, account: str = "se-123890,se-456789", key: str | None = "TEST_key"
) -> tuple[ShipStationAdapter, Sleeper]:
    clock = FakeClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    sleeper = Sleeper(clock)
    secrets = {"api_key": key} if key else {}
    ctx = CarrierContext(
        account=CarrierAccount(code="shipstation", account=account),
        secret=secrets.get,
        clock=clock,
        transport=api.transport,
        sleep=sleeper,
    )
    return ShipStationAdapter(ctx), sleeper


def sent(request: httpx.Request) -> Any:
    return json.loads(request.content)


def ups_ground() -> Rate:
    return Rate(
        "shipstation",
        "ups_ground",
        "UPS® Ground",
        Money(Decimal("13.50")),
        5,
        Weight.of(7, WeightUnit.LB),
        "se-11111111",
    )


# -- rates ----------------------------------------------------------------------------------------


def test_rates_quote_the_configured_carriers() -> None:
    api = FakeApi().add("POST", "/v1/rates", ok(load("rates.json")))
    adapter, _ = make(api)
    rates = adapter.rates(REQUEST)
    assert [(r.service, r.service_name, r.amount, r.transit_days, r.rate_id) for r in rates] == [
        ("ups_ground", "UPS® Ground", Money(Decimal("13.5"), "USD"), 5, "se-11111111"),  # 12.45 + 1.05 other
        ("usps_ground_advantage", "USPS Ground Advantage", Money(Decimal("9.8"), "USD"), 3, "se-22222222"),
    ]
    assert all(r.carrier == "shipstation" for r in rates)
    # 12x10x8 in = 960 in³ at 139 in³/lb is 6.9 lb dimensional -> 7 whole pounds.
    assert rates[0].billable_weight.grams == 7 * Decimal("453.59237")
    request = api.calls("POST", "/v1/rates")[0]
    assert request.headers["API-Key"] == "TEST_key"
    body = sent(request)
    assert body["rate_options"] == {"carrier_ids": ["se-123890", "se-456789"]}
    assert body["shipment"]["packages"] == [
        {
            "weight": {"value": 5.0, "unit": "pound"},
            "dimensions": {"unit": "inch", "length": 12.0, "width": 10.0, "height": 8.0},
        }
    ]
    assert body["shipment"]["ship_from"]["company_name"] == "Demo Warehouse"
    assert body["shipment"]["ship_to"]["city_locality"] == "calabasas"


def test_rates_without_carrier_ids_ask_which_carriers_are_connected() -> None:
    carriers = {
        "carriers": [{"carrier_id": "se-1", "carrier_code": "ups"}, {"carrier_id": "se-2", "carrier_code": "fedex"}]
    }
    api = FakeApi().add("GET", "/v1/carriers", ok(carriers)).add("POST", "/v1/rates", ok(load("rates.json")))
    adapter, _ = make(api, account="")
    adapter.rates(REQUEST)
    adapter.rates(REQUEST)
    assert len(api.calls("GET", "/v1/carriers")) == 1  # remembered
    assert sent(api.calls("POST", "/v1/rates")[0])["rate_options"]["carrier_ids"] == ["se-1", "se-2"]


def test_rate_errors_keep_the_error_code() -> None:
    body = {"rate_response": {"rates": [], "status": "error", "errors": [
        {"error_source": "carrier", "error_type": "validation", "error_code": "invalid_address",
         "message": "The destination postal code is invalid."}]}}  # fmt: skip
    adapter, _ = make(FakeApi().add("POST", "/v1/rates", ok(body)))
    with pytest.raises(CarrierError, match="postal code is invalid") as err:
        adapter.rates(REQUEST)
    assert err.value.code == "invalid_address"


# -- labels ---------------------------------------------------------------------------------------


def test_buy_label_sends_carrier_service_and_reference_and_decodes_inline_zpl() -> None:
    api = FakeApi().add("POST", "/v1/rates", ok(load("rates.json"))).add("POST", "/v1/labels", ok(load("label.json")))
    adapter, _ = make(api)
    rate = adapter.rates(REQUEST)[0]
    label = adapter.buy_label(LabelRequest(rate, REQUEST, "SO-1001", purchase_reference="SO-1001/p1"))
    assert label.label == b"^XA^FO50,50^FDTEST^FS^XZ"
    assert label.label_format is LabelFormat.ZPL
    assert (label.tracking_number, label.carrier_shipment_id) == (UPS_NUMBER, "se-test-28529731")
    assert label.cost == Money(Decimal("13.5"), "USD") and label.service == "ups_ground"
    assert label.estimated_delivery == datetime(2026, 1, 10, tzinfo=UTC)
    assert label.tracking_url == f"https://www.ups.com/track?tracknum={UPS_NUMBER}"
    body = sent(api.calls("POST", "/v1/labels")[0])
    assert body["shipment"]["carrier_id"] == "se-123890" and body["shipment"]["service_code"] == "ups_ground"
    assert body["shipment"]["external_shipment_id"] == "SO-1001/p1"
    assert (body["label_format"], body["label_layout"], body["label_download_type"]) == ("zpl", "4x6", "inline")


def test_buy_after_restart_looks_the_rate_up_and_pdf_by_url() -> None:
    label = load("label.json") | {
        "label_format": "pdf",
        "label_download": {"href": "https://api.shipengine.com/v1/downloads/1/l.pdf"},
    }
    api = (
        FakeApi()
        .add(
            "GET",
            "/v1/rates/se-11111111",
            ok({"rate_id": "se-11111111", "carrier_id": "se-123890", "service_code": "ups_ground"}),
        )
        .add("POST", "/v1/labels", ok(label))
        .add("GET", "/v1/downloads/1/l.pdf", httpx.Response(200, content=b"%PDF-1.4 label"))
    )
    adapter, _ = make(api)
    bought = adapter.buy_label(LabelRequest(ups_ground(), REQUEST, "SO-1001", LabelFormat.PDF))
    assert bought.label == b"%PDF-1.4 label" and bought.label_format is LabelFormat.PDF
    assert sent(api.calls("POST", "/v1/labels")[0])["label_format"] == "pdf"


def test_find_label_by_external_shipment_id() -> None:
    path = "/v1/labels/external_shipment_id/SO-1001-p1"
    api = FakeApi().add("GET", path, ok(load("label.json")))
    adapter, _ = make(api)
    found = adapter.find_label("SO-1001-p1")
    assert found is not None and found.tracking_number == UPS_NUMBER and found.label.startswith(b"^XA")
    assert api.calls("GET", path)[0].url.params["label_download_type"] == "inline"
    missing = FakeApi().add("GET", path, ok(load("track_error_invalid.json"), status=404))
    assert make(missing)[0].find_label("SO-1001-p1") is None
    voided = FakeApi().add("GET", path, ok(load("label.json") | {"voided": True, "status": "voided"}))
    assert make(voided)[0].find_label("SO-1001-p1") is None


def test_void_looks_the_label_up_by_tracking_number() -> None:
    api = (
        FakeApi()
        .add("GET", "/v1/labels", ok({"labels": [load("label.json")], "total": 1, "page": 1, "pages": 1}))
        .add(
            "PUT",
            "/v1/labels/se-test-28529731/void",
            ok({"approved": True, "message": "Request for refund submitted."}),
        )
    )
    adapter, _ = make(api)
    adapter.void(UPS_NUMBER)
    assert api.calls("GET", "/v1/labels")[0].url.params["tracking_number"] == UPS_NUMBER
    assert len(api.calls("PUT", "/v1/labels/se-test-28529731/void")) == 1


def test_void_not_approved_is_an_error_with_the_reason() -> None:
    refused = {"approved": False, "message": "Label has already been used.", "reason_code": "label_already_used"}
    api = FakeApi().add("POST", "/v1/rates", ok(load("rates.json"))).add("POST", "/v1/labels", ok(load("label.json")))
    api.add("PUT", "/v1/labels/se-test-28529731/void", ok(refused))
    adapter, _ = make(api)
    adapter.buy_label(LabelRequest(adapter.rates(REQUEST)[0], REQUEST, "SO-1"))
    with pytest.raises(CarrierError, match="already been used") as err:
        adapter.void(UPS_NUMBER)
    assert err.value.code == "label_already_used"
    assert api.calls("GET", "/v1/labels") == []  # the label id was remembered from the purchase


def test_void_unknown_number() -> None:
    adapter, _ = make(FakeApi().add("GET", "/v1/labels", ok({"labels": [], "total": 0})))
    with pytest.raises(CarrierError, match="no label") as err:
        adapter.void("1ZA1B2C30365432103")
    assert err.value.code == "not_found"


# -- tracking -------------------------------------------------------------------------------------


def test_track_infers_the_carrier_code() -> None:
    api = FakeApi().add("GET", "/v1/tracking", ok(load("track_delivered.json")))
    adapter, _ = make(api)
    result = adapter.track(UPS_NUMBER)
    assert result.status is ShipmentStatus.DELIVERED and result.signed_by == "RUIZ"
    params = api.calls("GET", "/v1/tracking")[0].url.params
    assert (params["carrier_code"], params["tracking_number"]) == ("ups", UPS_NUMBER)


def test_track_an_unrecognised_number_asks_which_carrier_sold_the_label() -> None:
    label = load("label.json") | {"tracking_number": "TBA123456789000", "carrier_code": "amazon_shipping_us"}
    api = FakeApi().add("GET", "/v1/labels", ok({"labels": [label]}))
    api.add("GET", "/v1/tracking", ok(load("track_delivered.json") | {"tracking_number": "TBA123456789000"}))
    adapter, _ = make(api)
    assert adapter.track("TBA123456789000").status is ShipmentStatus.DELIVERED
    assert api.calls("GET", "/v1/tracking")[0].url.params["carrier_code"] == "amazon_shipping_us"


def test_track_many_leaves_unknown_numbers_out() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.params["tracking_number"] == UPS_NUMBER:
            return ok(load("track_delivered.json"))
        return ok(load("track_error_unknown.json"))

    api = FakeApi().add("GET", "/v1/tracking", answer)
    adapter, _ = make(api)
    results = adapter.track_many([UPS_NUMBER, "1ZA1B2C30365432103"])
    assert list(results) == [UPS_NUMBER]
    assert adapter.capabilities.track_batch_size == 1


def test_infer_carrier() -> None:
    assert infer_carrier(UPS_NUMBER) == "ups"
    assert infer_carrier("9400111899223197428490") == "usps"
    assert infer_carrier("123456789012") == "fedex"
    assert infer_carrier("1234567890") == "dhl_express"
    assert infer_carrier("TBA123456789000") is None


# -- addresses ------------------------------------------------------------------------------------


def test_validate_address_offers_the_match_keeping_contact_fields() -> None:
    api = FakeApi().add("POST", "/v1/addresses/validate", ok(load("address_validate.json")))
    adapter, _ = make(api)
    check = adapter.validate_address(SHIP_TO)
    assert check.valid and check.suggestion is not None
    assert (check.suggestion.line1, check.suggestion.city, check.suggestion.postal_code) == (
        "26601 W AGOURA RD",
        "CALABASAS",
        "91302-1954",
    )
    assert isinstance(sent(api.calls("POST", "/v1/addresses/validate")[0]), list)
    bad: list[dict[str, Any]] = [{"status": "error", "original_address": {}, "matched_address": None,
            "messages": [{"code": "a1004", "message": "Address not found", "type": "error"}]}]  # fmt: skip
    check = make(FakeApi().add("POST", "/v1/addresses/validate", ok(bad)))[0].validate_address(SHIP_TO)
    assert not check.valid and check.messages == ("Address not found",) and check.suggestion is None


# -- HTTP behaviour -------------------------------------------------------------------------------


def test_missing_key_names_the_field() -> None:
    with pytest.raises(CarrierError, match="no api key saved"):
        make(FakeApi(), key=None)


def test_bad_key_twice_is_a_credentials_message() -> None:
    error = {
        "error_source": "shipengine",
        "error_type": "security",
        "error_code": "unauthorized",
        "message": "The API key is invalid.",
    }
    unauthorized = ok({"request_id": "x", "errors": [error]}, 401)
    api = FakeApi().add("POST", "/v1/rates", unauthorized)
    adapter, _ = make(api)
    with pytest.raises(CarrierError, match="refused the credentials") as err:
        adapter.rates(REQUEST)
    assert err.value.code == "unauthorized" and "Preferences" in str(err.value)
    assert len(api.calls("POST", "/v1/rates")) == 2


def test_one_401_then_success() -> None:
    api = FakeApi().add("POST", "/v1/rates", ok({}, 401), ok(load("rates.json")))
    adapter, _ = make(api)
    assert len(adapter.rates(REQUEST)) == 2
    assert len(api.calls("POST", "/v1/rates")) == 2


def test_429_honours_retry_after() -> None:
    api = FakeApi().add("GET", "/v1/tracking", ok({}, 429, {"Retry-After": "12"}), ok(load("track_delivered.json")))
    adapter, sleeper = make(api)
    assert adapter.track(UPS_NUMBER).status is ShipmentStatus.DELIVERED
    assert 12.0 in sleeper.delays


def test_500_then_success() -> None:
    api = FakeApi().add("GET", "/v1/tracking", ok({}, 500), ok(load("track_delivered.json")))
    adapter, sleeper = make(api)
    assert adapter.track(UPS_NUMBER).status is ShipmentStatus.DELIVERED
    assert 1.0 in sleeper.delays


def test_malformed_json() -> None:
    adapter, _ = make(FakeApi().add("GET", "/v1/tracking", httpx.Response(200, content=b"<html>")))
    with pytest.raises(CarrierError, match="not valid JSON") as err:
        adapter.track(UPS_NUMBER)
    assert err.value.code == "malformed"


def test_timeout() -> None:
    adapter, sleeper = make(FakeApi().add("GET", "/v1/tracking", httpx.ReadTimeout("slow")))
    with pytest.raises(CarrierError, match="did not answer in time"):
        adapter.track(UPS_NUMBER)
    assert [d for d in sleeper.delays if d >= 1] == [1.0, 5.0, 15.0]


def test_error_body_is_mapped_with_its_code() -> None:
    adapter, _ = make(FakeApi().add("GET", "/v1/tracking", ok(load("track_error_invalid.json"), 400)))
    with pytest.raises(CarrierError, match="not a valid carrier code") as err:
        adapter.track(UPS_NUMBER)
    assert err.value.code == "invalid_field_value"


# -- known answers --------------------------------------------------------------------------------


def parse(name: str) -> Any:
    assert INFO.parse_tracking is not None
    return INFO.parse_tracking((DATA / name).read_bytes())


def test_sample_delivered() -> None:
    result = parse("track_delivered.json")
    assert result.status is ShipmentStatus.DELIVERED
    assert result.delivered_at == datetime(2026, 1, 8, 14, 21, tzinfo=UTC)
    assert result.estimated_delivery == datetime(2026, 1, 8, tzinfo=UTC)
    assert (result.signed_by, result.proof_url) == ("RUIZ", f"https://www.ups.com/pod/{UPS_NUMBER}")
    assert [(e.status, e.code) for e in result.events] == [
        (ShipmentStatus.DELIVERED, "KB"),
        (ShipmentStatus.OUT_FOR_DELIVERY, "OT"),  # the detail code beats the coarse IT
        (ShipmentStatus.PICKED_UP, "PU"),
    ]
    assert result.events[0].location == "CALABASAS, CA, US"


def test_sample_exception() -> None:
    result = parse("track_exception_address.json")
    assert result.status is ShipmentStatus.IN_TRANSIT
    assert result.events[0].exception is ExceptionType.ADDRESS_ISSUE and result.events[0].code == "04"


def test_sample_errors() -> None:
    with pytest.raises(CarrierError) as unknown:
        parse("track_error_unknown.json")
    assert unknown.value.code == "not_found"
    with pytest.raises(CarrierError, match="not a valid carrier code") as invalid:
        parse("track_error_invalid.json")
    assert invalid.value.code == "invalid_field_value"
    assert INFO.parse_tracking is not None
    with pytest.raises(CarrierError):
        INFO.parse_tracking(b"[1, 2")


def test_info() -> None:
    assert (INFO.code, INFO.secret_fields) == ("shipstation", ("api_key",))
    assert INFO.tracking_url(UPS_NUMBER) == f"https://www.ups.com/track?tracknum={UPS_NUMBER}"
