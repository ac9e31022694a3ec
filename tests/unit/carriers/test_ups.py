"""The UPS adapter against a fake UPS API (spec-derived bodies in tests/data/carriers/ups)."""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import httpx
import pytest
from PIL import Image

from shipstation_desktop.carriers.port import LabelRequest
from shipstation_desktop.carriers.registry import CarrierInfo
from shipstation_desktop.carriers.ups import INFO
from shipstation_desktop.carriers.ups.adapter import (
    DIM_DIVISOR_CM3_PER_KG,
    RATE_PATH,
    RECOVERY_PATH,
    SHIP_PATH,
    TOKEN_PATH,
    XAV_PATH,
    UpsCarrier,
)
from shipstation_desktop.carriers.ups.tracking import classify_exception, parse_body
from shipstation_desktop.domain.enums import ExceptionType, LabelFormat, ShipmentStatus
from shipstation_desktop.domain.errors import CarrierError, OverWeightLimit
from shipstation_desktop.domain.models import Package, PostalAddress
from shipstation_desktop.domain.rates import Rate, RateRequest
from shipstation_desktop.domain.units import Dimensions, LengthUnit, Money, Weight, WeightUnit

from .oauth_fake_api import FakeApi, body_of, context, load, ok, raw, token

DELIVERED = "1ZA1B2C30312345673"
DELAYED = "1ZA1B2C30212345684"
UNKNOWN = "1ZA1B2C30365432103"
TRACK = "/api/track/v1/details/{}"

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
    name="Ana Ruiz", line1="26601 W Agoura Rd", city="Calabasas", state="CA", postal_code="91302", country="US"
)
PACKAGE = Package(Weight.of("5", WeightUnit.LB), Dimensions(Decimal(12), Decimal(10), Decimal(8), LengthUnit.IN))
REQUEST = RateRequest(SHIP_FROM, SHIP_TO, PACKAGE, reference="SO-1001")


def carrier(api: FakeApi, **kwargs: object) -> tuple[UpsCarrier, list[float]]:
    ctx, sleeper = context(api, "ups", **kwargs)  # type: ignore[arg-type]
    return UpsCarrier(ctx), sleeper.delays


def ground_rate(amount: str = "11.42") -> Rate:
    return Rate("ups", "03", "UPS Ground", Money(Decimal(amount)), 5, Weight.of(7, WeightUnit.LB))


# -- rates ----------------------------------------------------------------------------------------


def test_rates_parse_shop_answer_with_negotiated_prices_and_dim_weight() -> None:
    api = FakeApi().add("POST", TOKEN_PATH, token()).add("POST", RATE_PATH, ok(load("ups", "rate_shop.json")))
    ups, _ = carrier(api)

    rates = ups.rates(REQUEST)

    assert [(r.service, r.service_name, r.amount, r.transit_days) for r in rates] == [
        ("03", "UPS Ground", Money(Decimal("11.42"), "USD"), 5),  # negotiated beats list; Ground has no guarantee
        ("02", "UPS 2nd Day Air", Money(Decimal("38.10"), "USD"), 2),
        ("01", "UPS Next Day Air", Money(Decimal("71.55"), "USD"), 1),
    ]
    # 12x10x8 in = 960 in³ / 139 = 6.9 lb dimensional -> billed as 7 whole pounds.
    assert rates[0].billable_weight.to(WeightUnit.LB).value.quantize(Decimal("0.001")) == Decimal("7.000")
    assert all(r.carrier == "ups" for r in rates)

    token_call = api.calls("POST", TOKEN_PATH)[0]
    expected = "Basic " + base64.b64encode(b"cid:csecret").decode()
    assert token_call.headers["Authorization"] == expected
    assert token_call.headers["x-merchant-id"] == "A1B2C3"
    assert token_call.content == b"grant_type=client_credentials"

    rate_call = api.calls("POST", RATE_PATH)[0]
    assert rate_call.headers["Authorization"] == "Bearer tok-1"
    assert len(rate_call.headers["transId"]) == 32 and rate_call.headers["transactionSrc"]
    shipment = body_of(rate_call)["RateRequest"]["Shipment"]
    assert shipment["Shipper"]["ShipperNumber"] == "A1B2C3"
    assert shipment["Package"][0]["PackageWeight"] == {"UnitOfMeasurement": {"Code": "LBS"}, "Weight": "5.0"}
    assert shipment["Package"][0]["Dimensions"]["Length"] == "12"
    assert shipment["ShipTo"]["Address"]["StateProvinceCode"] == "CA"


def test_dim_divisor_is_the_exact_139_cubic_inches_per_pound() -> None:
    assert DIM_DIVISOR_CM3_PER_KG.quantize(Decimal("0.01")) == Decimal("5021.69")
    caps = UpsCarrier.capabilities
    assert caps.track_batch_size == 1
    assert caps.max_weight_grams.quantize(Decimal(1)) == Decimal(68039)  # 150 lb


def test_rates_refuse_an_overweight_parcel_before_calling_ups() -> None:
    api = FakeApi()
    ups, _ = carrier(api)
    heavy = RateRequest(SHIP_FROM, SHIP_TO, Package(Weight.of(151, WeightUnit.LB)))
    with pytest.raises(OverWeightLimit):
        ups.rates(heavy)
    assert api.requests == []


# -- labels ---------------------------------------------------------------------------------------


def test_buy_label_zpl_decodes_label_and_files_it_under_the_reference() -> None:
    api = FakeApi().add("POST", TOKEN_PATH, token()).add("POST", SHIP_PATH, ok(load("ups", "ship_zpl.json")))
    ups, _ = carrier(api)

    label = ups.buy_label(LabelRequest(ground_rate(), REQUEST, "SO-1001", purchase_reference="SO-1001-P1"))

    assert label.tracking_number == DELIVERED
    assert label.label.startswith(b"^XA") and DELIVERED.encode() in label.label
    assert label.label_format is LabelFormat.ZPL
    assert label.cost == Money(Decimal("11.42"), "USD")
    assert label.carrier_shipment_id == DELIVERED
    assert label.tracking_url == f"https://www.ups.com/track?tracknum={DELIVERED}"
    # Monday 2026-01-05 + 5 business days = Monday 2026-01-12.
    assert label.estimated_delivery == datetime(2026, 1, 12, 23, 59, tzinfo=UTC)
    sent = body_of(api.calls("POST", SHIP_PATH)[0])["ShipmentRequest"]
    assert sent["Shipment"]["Package"][0]["ReferenceNumber"] == [{"Value": "SO-1001-P1"}]
    assert sent["Shipment"]["Shipper"]["ShipperNumber"] == "A1B2C3"
    assert sent["Shipment"]["Service"] == {"Code": "03"}
    assert sent["LabelSpecification"] == {
        "LabelImageFormat": {"Code": "ZPL"},
        "LabelStockSize": {"Height": "6", "Width": "4"},
    }


def test_buy_label_pdf_turns_ups_gif_into_a_portrait_pdf() -> None:
    gif = io.BytesIO()
    Image.new("L", (1400, 800), 255).save(gif, "GIF")
    answer = load("ups", "ship_zpl.json")
    package = answer["ShipmentResponse"]["ShipmentResults"]["PackageResults"][0]
    package["ShippingLabel"] = {
        "ImageFormat": {"Code": "GIF"},
        "GraphicImage": base64.b64encode(gif.getvalue()).decode(),
    }
    api = FakeApi().add("POST", TOKEN_PATH, token()).add("POST", SHIP_PATH, ok(answer))
    ups, _ = carrier(api)

    label = ups.buy_label(LabelRequest(ground_rate(), REQUEST, "SO-1001", label_format=LabelFormat.PDF))

    assert label.label_format is LabelFormat.PDF
    assert label.label.startswith(b"%PDF")
    sent = body_of(api.calls("POST", SHIP_PATH)[0])["ShipmentRequest"]
    assert sent["LabelSpecification"]["LabelImageFormat"] == {"Code": "GIF"}


def test_buy_label_needs_the_shipper_number_and_a_ups_rate() -> None:
    ups, _ = carrier(FakeApi(), account="")
    with pytest.raises(CarrierError, match="shipper") as info:
        ups.buy_label(LabelRequest(ground_rate(), REQUEST, "SO-1001"))
    assert info.value.code == "credentials"

    ups, _ = carrier(FakeApi())
    other = Rate("fedex", "FEDEX_GROUND", "FedEx Ground", Money(Decimal(9)), 5, Weight.of(7, WeightUnit.LB))
    with pytest.raises(CarrierError, match="fedex rate"):
        ups.buy_label(LabelRequest(other, REQUEST, "SO-1001"))


def test_buy_label_rejects_a_label_that_is_not_base64() -> None:
    answer = load("ups", "ship_zpl.json")
    answer["ShipmentResponse"]["ShipmentResults"]["PackageResults"][0]["ShippingLabel"]["GraphicImage"] = "@@@"
    api = FakeApi().add("POST", TOKEN_PATH, token()).add("POST", SHIP_PATH, ok(answer))
    ups, _ = carrier(api)
    with pytest.raises(CarrierError, match="base64") as info:
        ups.buy_label(LabelRequest(ground_rate(), REQUEST, "SO-1001"))
    assert info.value.code == "malformed"


def test_find_label_recovers_by_reference_and_shipper_number() -> None:
    api = FakeApi().add("POST", TOKEN_PATH, token()).add("POST", RECOVERY_PATH, ok(load("ups", "recovery_zpl.json")))
    ups, _ = carrier(api)

    found = ups.find_label("SO-1001-P1")

    assert found is not None
    assert found.tracking_number == DELIVERED
    assert found.label.startswith(b"^XA")
    assert found.service == "03"  # read from the 1Z number
    sent = body_of(api.calls("POST", RECOVERY_PATH)[0])["LabelRecoveryRequest"]
    assert sent["ReferenceValues"] == {"ReferenceNumber": {"Value": "SO-1001-P1"}, "ShipperNumber": "A1B2C3"}


def test_find_label_returns_none_only_when_ups_says_there_is_no_such_label() -> None:
    missing = ok({"response": {"errors": [{"code": "190100", "message": "No record found."}]}}, 400)
    api = FakeApi().add("POST", TOKEN_PATH, token()).add("POST", RECOVERY_PATH, missing)
    ups, _ = carrier(api)
    assert ups.find_label("SO-9") is None

    api = FakeApi().add("POST", TOKEN_PATH, token()).add("POST", RECOVERY_PATH, httpx.Response(503))
    ups, _ = carrier(api)
    with pytest.raises(CarrierError, match="trouble"):  # unknown outcome: never reported as "not bought"
        ups.find_label("SO-9")


def test_void_deletes_the_shipment_and_checks_the_status() -> None:
    path = f"/api/shipments/v2409/void/cancel/{DELIVERED}"
    api = FakeApi().add("POST", TOKEN_PATH, token()).add("DELETE", path, ok(load("ups", "void_ok.json")))
    ups, _ = carrier(api)
    ups.void(DELIVERED.lower())
    assert len(api.calls("DELETE", path)) == 1

    refused = {"VoidShipmentResponse": {"SummaryResult": {"Status": {"Code": "0", "Description": "Not Voided"}}}}
    api = FakeApi().add("POST", TOKEN_PATH, token()).add("DELETE", path, ok(refused))
    ups, _ = carrier(api)
    with pytest.raises(CarrierError, match="Not Voided"):
        ups.void(DELIVERED)


# -- tracking -------------------------------------------------------------------------------------


def test_delivered_body_known_answer() -> None:
    result = parse_body(raw("ups", "track_delivered.json"))

    assert result.tracking_number == DELIVERED
    assert result.status is ShipmentStatus.DELIVERED
    assert [e.status for e in result.events] == [
        ShipmentStatus.DELIVERED,
        ShipmentStatus.OUT_FOR_DELIVERY,
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.PICKED_UP,
        ShipmentStatus.LABEL_CREATED,
    ]
    newest = result.events[0]
    assert newest.time == datetime(2026, 1, 8, 14, 22, 10, tzinfo=timezone(timedelta(hours=-6)))
    assert newest.time.astimezone(UTC) == datetime(2026, 1, 8, 20, 22, 10, tzinfo=UTC)
    assert (newest.code, newest.description, newest.location) == ("FS", "DELIVERED", "Austin, TX, US")
    assert result.events[3].time.astimezone(UTC) == datetime(2026, 1, 6, 2, 10, tzinfo=UTC)  # Pacific evening
    assert result.delivered_at == newest.time
    assert result.signed_by == "JOHNSON"
    assert result.proof_url == f"https://www.ups.com/track?tracknum={DELIVERED}"
    assert result.service == "UPS Ground"
    assert all(e.exception is None for e in result.events)


def test_weather_exception_body_known_answer() -> None:
    result = parse_body(raw("ups", "track_exception.json"))

    assert result.status is ShipmentStatus.IN_TRANSIT
    newest = result.events[0]
    assert newest.exception is ExceptionType.WEATHER_DELAY
    assert newest.code == "WD"
    assert newest.time.astimezone(UTC) == datetime(2026, 1, 7, 11, 12, tzinfo=UTC)
    # The rescheduled date wins over the scheduled one, at the window's end in the package's own zone.
    assert result.estimated_delivery == datetime(2026, 1, 9, 23, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert result.delivered_at is None and result.signed_by == ""


@pytest.mark.parametrize("name", ["track_error_not_found.json", "track_error_warning.json"])
def test_not_found_bodies_raise_one_clear_error(name: str) -> None:
    with pytest.raises(CarrierError, match="no tracking information") as info:
        parse_body(raw("ups", name))
    assert info.value.code == "not_found"


def test_unreadable_tracking_bodies_raise_malformed() -> None:
    with pytest.raises(CarrierError) as info:
        parse_body(b"<html>busy</html>")
    assert info.value.code == "malformed"
    with pytest.raises(CarrierError, match="no trackResponse"):
        parse_body(b'{"unexpected": true}')


@pytest.mark.parametrize(
    ("description", "status", "exception"),
    [
        ("The receiver refused the delivery.", ShipmentStatus.IN_TRANSIT, ExceptionType.REFUSED_BY_RECIPIENT),
        ("Damage reported. We're repackaging.", ShipmentStatus.IN_TRANSIT, ExceptionType.DAMAGED_IN_TRANSIT),
        ("Package lost; claim opened", ShipmentStatus.LOST, ExceptionType.LOST_IN_TRANSIT),
        (
            "Your package is pending release from the customs agency.",
            ShipmentStatus.IN_TRANSIT,
            ExceptionType.CUSTOMS_DELAY,
        ),
        ("Severe weather conditions have delayed delivery.", ShipmentStatus.IN_TRANSIT, ExceptionType.WEATHER_DELAY),
        (
            "The address is incomplete. We're attempting to update it.",
            ShipmentStatus.IN_TRANSIT,
            ExceptionType.ADDRESS_ISSUE,
        ),
        (
            "The receiver was not available for delivery.",
            ShipmentStatus.OUT_FOR_DELIVERY,
            ExceptionType.DELIVERY_FAILED,
        ),
        ("A mechanical failure has delayed delivery.", ShipmentStatus.IN_TRANSIT, None),
    ],
)
def test_exception_descriptions_map_to_exception_types(
    description: str, status: ShipmentStatus, exception: ExceptionType | None
) -> None:
    assert classify_exception(description) == (status, exception)


def test_track_calls_the_details_endpoint_with_trans_headers() -> None:
    api = FakeApi().add("POST", TOKEN_PATH, token())
    api.add("GET", TRACK.format(DELIVERED), ok(load("ups", "track_delivered.json")))
    ups, _ = carrier(api)

    result = ups.track(f" {DELIVERED.lower()} ")

    assert result.status is ShipmentStatus.DELIVERED
    call = api.calls("GET", TRACK.format(DELIVERED))[0]
    assert call.headers["transactionSrc"] and len(call.headers["transId"]) == 32
    assert call.url.params["locale"] == "en_US"


def test_track_many_sends_one_call_per_number_and_leaves_unknown_numbers_out() -> None:
    api = FakeApi().add("POST", TOKEN_PATH, token())
    api.add("GET", TRACK.format(DELIVERED), ok(load("ups", "track_delivered.json")))
    api.add("GET", TRACK.format(DELAYED), ok(load("ups", "track_exception.json")))
    api.add("GET", TRACK.format(UNKNOWN), ok(load("ups", "track_error_not_found.json"), 404))
    ups, _ = carrier(api)

    results = ups.track_many([DELIVERED, UNKNOWN, DELAYED])

    assert set(results) == {DELIVERED, DELAYED}
    assert results[DELAYED].events[0].exception is ExceptionType.WEATHER_DELAY
    assert len([r for r in api.requests if r.method == "GET"]) == 3
    with pytest.raises(CarrierError) as info:
        ups.track(UNKNOWN)
    assert info.value.code == "not_found"


# -- addresses ------------------------------------------------------------------------------------


def test_validate_address_valid_ambiguous_and_unknown() -> None:
    api = FakeApi().add("POST", TOKEN_PATH, token())
    api.add(
        "POST",
        XAV_PATH,
        ok(load("ups", "xav_valid.json")),
        ok(load("ups", "xav_ambiguous.json")),
        ok(load("ups", "xav_none.json")),
    )
    ups, _ = carrier(api)

    valid = ups.validate_address(SHIP_TO)
    assert valid.valid and valid.suggestion is None  # UPS's candidate is the same address
    sent = body_of(api.calls("POST", XAV_PATH)[0])["XAVRequest"]["AddressKeyFormat"]
    assert sent["PoliticalDivision2"] == "Calabasas" and sent["CountryCode"] == "US"

    ambiguous = ups.validate_address(SHIP_TO)
    assert not ambiguous.valid and ambiguous.suggestion is not None
    assert ambiguous.suggestion.line1 == "100 MAIN ST APT 1-4"
    assert ambiguous.suggestion.postal_code == "10001-2201"
    assert ambiguous.suggestion.name == SHIP_TO.name

    unknown = ups.validate_address(SHIP_TO)
    assert not unknown.valid and "cannot find" in unknown.messages[0]


def test_validate_address_outside_us_is_not_sent() -> None:
    api = FakeApi()
    ups, _ = carrier(api)
    check = ups.validate_address(PostalAddress("A", "1 Rue X", "Lyon", "69001", "FR"))
    assert check.valid and "not checked" in check.messages[0]
    assert api.requests == []


# -- HTTP behaviour ---------------------------------------------------------------------------------


def test_missing_credentials_name_the_field() -> None:
    ups, _ = carrier(FakeApi(), secrets={"client_id": "cid"})
    with pytest.raises(CarrierError, match="client secret") as info:
        ups.rates(REQUEST)
    assert info.value.code == "credentials"


def test_bad_credentials_after_a_fresh_token_say_so() -> None:
    api = FakeApi().add("POST", TOKEN_PATH, token("a"), token("b"))
    api.add("POST", RATE_PATH, ok(load("ups", "error_auth.json"), 401))
    ups, _ = carrier(api)

    with pytest.raises(CarrierError, match="credentials") as info:
        ups.rates(REQUEST)

    assert "Invalid Authentication Information." in str(info.value)
    assert info.value.code == "250002"
    assert len(api.calls("POST", TOKEN_PATH)) == 2 and len(api.calls("POST", RATE_PATH)) == 2


def test_refused_token_request_keeps_the_ups_code() -> None:
    api = FakeApi().add("POST", TOKEN_PATH, ok(load("ups", "error_auth.json"), 401))
    ups, _ = carrier(api)
    with pytest.raises(CarrierError, match="refused the credentials") as info:
        ups.track(DELIVERED)
    assert info.value.code == "250002"


def test_expired_token_is_fetched_again_once() -> None:
    api = FakeApi().add("POST", TOKEN_PATH, token("first"), token("second"))
    api.add(
        "GET",
        TRACK.format(DELIVERED),
        ok(load("ups", "track_delivered.json")),
        ok(load("ups", "error_auth.json"), 401),
        ok(load("ups", "track_delivered.json")),
    )
    ups, _ = carrier(api)

    ups.track(DELIVERED)
    result = ups.track(DELIVERED)

    assert result.status is ShipmentStatus.DELIVERED
    assert ups.auth.fetches == 2
    assert [r.headers["Authorization"] for r in api.calls("GET", TRACK.format(DELIVERED))] == [
        "Bearer first",
        "Bearer first",
        "Bearer second",
    ]


def test_429_waits_as_long_as_retry_after_says() -> None:
    api = FakeApi().add("POST", TOKEN_PATH, token())
    api.add(
        "POST",
        RATE_PATH,
        ok({"response": {"errors": [{"code": "429", "message": "Quota Limit Exceeded"}]}}, 429, {"Retry-After": "7"}),
        ok(load("ups", "rate_shop.json")),
    )
    ups, delays = carrier(api)

    assert len(ups.rates(REQUEST)) == 3
    assert 7.0 in delays


def test_500_then_success_is_retried() -> None:
    api = FakeApi().add("POST", TOKEN_PATH, token())
    api.add("POST", RATE_PATH, httpx.Response(500), ok(load("ups", "rate_shop.json")))
    ups, delays = carrier(api)

    assert len(ups.rates(REQUEST)) == 3
    assert len(api.calls("POST", RATE_PATH)) == 2
    assert 1.0 in delays  # the first back-off step


def test_malformed_json_is_one_clear_error() -> None:
    api = FakeApi().add("POST", TOKEN_PATH, token())
    api.add("POST", RATE_PATH, httpx.Response(200, text="<html>maintenance</html>"))
    ups, _ = carrier(api)
    with pytest.raises(CarrierError, match="not valid JSON") as info:
        ups.rates(REQUEST)
    assert info.value.code == "malformed"


def test_timeouts_are_retried_then_reported() -> None:
    api = FakeApi().add("POST", TOKEN_PATH, token())
    api.add("POST", RATE_PATH, httpx.ReadTimeout("slow"), ok(load("ups", "rate_shop.json")))
    ups, _ = carrier(api)
    assert len(ups.rates(REQUEST)) == 3

    api = FakeApi().add("POST", TOKEN_PATH, token()).add("POST", RATE_PATH, httpx.ReadTimeout("slow"))
    ups, _ = carrier(api)
    with pytest.raises(CarrierError, match="did not answer in time") as info:
        ups.rates(REQUEST)
    assert info.value.code == "timeout"
    assert len(api.calls("POST", RATE_PATH)) == 4


def test_ups_error_body_becomes_the_message_with_its_code() -> None:
    error = {"response": {"errors": [{"code": "111210", "message": "The requested service is unavailable."}]}}
    api = FakeApi().add("POST", TOKEN_PATH, token()).add("POST", RATE_PATH, ok(error, 400))
    ups, _ = carrier(api)
    with pytest.raises(CarrierError) as info:
        ups.rates(REQUEST)
    assert str(info.value) == "UPS: The requested service is unavailable."
    assert info.value.code == "111210"


def test_info_describes_the_carrier() -> None:
    assert isinstance(INFO, CarrierInfo)
    assert (INFO.code, INFO.name, INFO.secret_fields) == ("ups", "UPS", ("client_id", "client_secret"))
    assert INFO.tracking_url("1za1") == "https://www.ups.com/track?tracknum=1ZA1"
    assert INFO.parse_tracking is not None
    assert INFO.parse_tracking(raw("ups", "track_delivered.json")).status is ShipmentStatus.DELIVERED
