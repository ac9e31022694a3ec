"""The USPS adapter against a scripted USPS APIs v3 (bodies in tests/data/carriers/usps, shaped after
USPS's published examples)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import parse_qs

import httpx
import pytest

from shipstation_desktop.carriers.port import LabelRequest
from shipstation_desktop.carriers.usps import INFO
from shipstation_desktop.carriers.usps.adapter import UspsCarrier, usps_billable_weight
from shipstation_desktop.carriers.usps.payloads import parse_label_answer
from shipstation_desktop.carriers.usps.tracking import NOT_FOUND, parse_body
from shipstation_desktop.domain.enums import ExceptionType, LabelFormat, ShipmentStatus
from shipstation_desktop.domain.errors import CarrierError, OverWeightLimit
from shipstation_desktop.domain.models import Package, PostalAddress
from shipstation_desktop.domain.rates import Rate, RateRequest
from shipstation_desktop.domain.units import Dimensions, LengthUnit, Money, Weight, WeightUnit
from tests.unit.carriers.oauth_fake_api import DATA, FakeApi, Sleeper, body_of, context, load, ok, raw, token

TOKEN = "/oauth2/v3/token"
PAYMENT = "/payments/v3/payment-authorization"
RATES = "/prices/v3/base-rates/search"
LABEL = "/labels/v3/label"
ADDRESS = "/addresses/v3/address"
SECRETS = {"client_id": "cid", "client_secret": "csecret", "crid": "56982563", "mid": "904128936"}
DELIVERED = "9400100000000000000011"

SHIP_FROM = PostalAddress(
    "Demo Warehouse", "500 Industrial Way", "Reno", "89502", "US", state="NV", company="Demo", phone="+17755550100"
)
SHIP_TO = PostalAddress("Joe Doe", "1100 Wyoming St", "Saint Louis", "63118-2628", "US", line2="Ste 150", state="MO")
PACKAGE = Package(Weight.of("1.8", WeightUnit.LB), Dimensions(Decimal(10), Decimal(8), Decimal(4), LengthUnit.IN))


def usps(
    api: FakeApi, secrets: dict[str, str] | None = None, account: str = "1000405525"
) -> tuple[UspsCarrier, Sleeper]:
    ctx, sleeper = context(api, "usps", account=account, secrets=SECRETS if secrets is None else secrets)
    carrier = INFO.build(ctx) if INFO.build else None
    assert isinstance(carrier, UspsCarrier)
    return carrier, sleeper


def track_path(number: str) -> str:
    return f"/tracking/v3/tracking/{number}"


def label_request(fmt: LabelFormat = LabelFormat.ZPL) -> LabelRequest:
    rate = Rate("usps", "PRIORITY_MAIL", "Priority Mail", Money(Decimal("9.35")), 3, Weight.of(2, WeightUnit.LB))
    return LabelRequest(
        rate, RateRequest(SHIP_FROM, SHIP_TO, PACKAGE), "SO-1001", label_format=fmt, purchase_reference="SO-1001-P1"
    )


def multipart(name: str = "label_response_zpl.multipart") -> httpx.Response:
    return httpx.Response(
        200,
        content=raw("usps", name),
        headers={"Content-Type": "multipart/form-data; boundary=726UYUDSQB6JWJXFDY"},
    )


# -- rates ---------------------------------------------------------------------------------------


def test_rates_quote_each_mail_class_and_skip_the_ineligible_one() -> None:
    answers = {
        "USPS_GROUND_ADVANTAGE": ok(load("usps", "rates_ground_advantage.json")),
        "PRIORITY_MAIL": ok(load("usps", "rates_priority.json")),
        "PRIORITY_MAIL_EXPRESS": ok(load("usps", "error_rates_ineligible.json"), 400),
    }
    api = (
        FakeApi()
        .add("POST", TOKEN, token("usps-tok"))
        .add("POST", RATES, lambda request: answers[body_of(request)["mailClass"]])
    )
    carrier, _ = usps(api)

    rates = carrier.rates(RateRequest(SHIP_FROM, SHIP_TO, PACKAGE))

    assert [(r.service, r.amount, r.transit_days, r.rate_id) for r in rates] == [
        ("USPS_GROUND_ADVANTAGE", Money(Decimal("7.12"), "USD"), 5, "DUXP0XXXXC06020"),
        ("PRIORITY_MAIL", Money(Decimal("9.35"), "USD"), 3, "DPXR0XXXXC06020"),
    ]
    assert all(r.carrier == "usps" for r in rates)
    assert rates[0].billable_weight.to(WeightUnit.LB).value == Decimal(2)  # 1.8 lb bills as 2 lb
    sent = body_of(api.calls("POST", RATES)[0])
    assert sent["originZIPCode"] == "89502" and sent["destinationZIPCode"] == "63118"
    assert sent["weight"] == 1.8 and sent["length"] == 10.0 and sent["priceType"] == "COMMERCIAL"
    assert sent["accountType"] == "EPS" and sent["accountNumber"] == "1000405525"
    assert sent["mailingDate"] == "2026-01-05"
    assert api.calls("POST", RATES)[0].headers["Authorization"] == "Bearer usps-tok"
    form = parse_qs(api.calls("POST", TOKEN)[0].content.decode())
    assert form["grant_type"] == ["client_credentials"] and form["client_id"] == ["cid"]
    assert "labels" in form["scope"][0]
    assert len(api.calls("POST", TOKEN)) == 1  # the token is cached across the three quotes


def test_rates_when_every_class_is_refused_say_why_with_the_usps_code() -> None:
    api = FakeApi().add("POST", TOKEN, token()).add("POST", RATES, ok(load("usps", "error_rates_ineligible.json"), 400))
    carrier, _ = usps(api)
    with pytest.raises(CarrierError) as caught:
        carrier.rates(RateRequest(SHIP_FROM, SHIP_TO, PACKAGE))
    assert "No rates found" in str(caught.value)
    assert caught.value.code == "010018"


def test_rates_abroad_are_empty_without_calling_usps() -> None:
    api = FakeApi()
    carrier, _ = usps(api)
    abroad = PostalAddress("Anna", "V Parku 2308/10", "Prague", "14800", "CZ")
    assert carrier.rates(RateRequest(SHIP_FROM, abroad, PACKAGE)) == []
    assert api.requests == []


def test_rates_refuse_a_parcel_over_70_lb() -> None:
    carrier, _ = usps(FakeApi())
    with pytest.raises(OverWeightLimit):
        carrier.rates(RateRequest(SHIP_FROM, SHIP_TO, Package(Weight.of(71, WeightUnit.LB))))


def test_billable_weight_uses_166_divisor_only_over_one_cubic_foot() -> None:
    small = RateRequest(SHIP_FROM, SHIP_TO, Package(Weight.of(3, WeightUnit.OZ)))
    assert usps_billable_weight(small).to(WeightUnit.OZ).value.quantize(Decimal(1)) == Decimal(3)
    # 14 x 14 x 14 in = 2744 in³ > 1728: 2744 / 166 = 16.53 -> 17 lb, above the 5 lb actual.
    cube = Dimensions(Decimal(14), Decimal(14), Decimal(14), LengthUnit.IN)
    big = RateRequest(SHIP_FROM, SHIP_TO, Package(Weight.of(5, WeightUnit.LB), cube))
    assert usps_billable_weight(big).value.quantize(Decimal("0.001")) == Decimal(17)
    # 12 x 12 x 12 in is exactly one cubic foot: no dimensional weight, 5 lb stays 5 lb.
    foot = Dimensions(Decimal(12), Decimal(12), Decimal(12), LengthUnit.IN)
    exact = RateRequest(SHIP_FROM, SHIP_TO, Package(Weight.of(5, WeightUnit.LB), foot))
    assert usps_billable_weight(exact).value.quantize(Decimal("0.001")) == Decimal(5)


# -- labels --------------------------------------------------------------------------------------


def test_buy_label_pays_from_eps_and_decodes_the_multipart_label() -> None:
    api = (
        FakeApi()
        .add("POST", TOKEN, token("usps-tok"))
        .add("POST", PAYMENT, ok(load("usps", "payment_authorization.json")))
        .add("POST", LABEL, multipart())
    )
    carrier, _ = usps(api)

    label = carrier.buy_label(label_request())

    assert label.tracking_number == "9205590109769900012613"
    assert label.label == raw("usps", "label_expected.zpl")
    assert label.label_format is LabelFormat.ZPL
    assert label.cost == Money(Decimal("9.35"), "USD")
    assert label.service == "Priority Mail"
    assert label.estimated_delivery == datetime(2026, 1, 7, 23, 59, tzinfo=UTC)
    assert label.tracking_url.endswith("tLabels=9205590109769900012613")
    sent = api.calls("POST", LABEL)[0]
    assert sent.headers["X-Payment-Authorization-Token"] == "eyJhbGciOiJSUzI1NiJ9.payment-token-1"
    assert sent.headers["Authorization"] == "Bearer usps-tok"
    body = body_of(sent)
    assert body["imageInfo"]["imageType"] == "ZPL203DPI" and body["imageInfo"]["labelType"] == "4X6LABEL"
    assert [r["referenceNumber"] for r in body["packageDescription"]["customerReference"]] == ["SO-1001-P1", "SO-1001"]
    assert body["packageDescription"]["mailClass"] == "PRIORITY_MAIL"
    assert body["toAddress"] == {
        "firstName": "Joe",
        "lastName": "Doe",
        "streetAddress": "1100 Wyoming St",
        "secondaryAddress": "Ste 150",
        "city": "Saint Louis",
        "state": "MO",
        "ZIPCode": "63118",
        "ZIPPlus4": "2628",
    }
    roles = body_of(api.calls("POST", PAYMENT)[0])["roles"]
    assert [r["roleName"] for r in roles] == ["PAYER", "LABEL_OWNER"]
    assert roles[0] | {"roleName": ""} == {
        "roleName": "",
        "CRID": "56982563",
        "MID": "904128936",
        "manifestMID": "904128936",
        "accountType": "EPS",
        "accountNumber": "1000405525",
    }


def test_buy_label_pdf_asks_for_a_pdf_and_reuses_the_payment_token() -> None:
    api = (
        FakeApi()
        .add("POST", TOKEN, token())
        .add("POST", PAYMENT, ok(load("usps", "payment_authorization.json")))
        .add("POST", LABEL, multipart())
    )
    carrier, _ = usps(api)
    carrier.buy_label(label_request(LabelFormat.PDF))
    carrier.buy_label(label_request(LabelFormat.PDF))
    assert body_of(api.calls("POST", LABEL)[0])["imageInfo"]["imageType"] == "PDF"
    assert carrier.payment.fetches == 1


def test_a_401_on_a_label_renews_the_payment_token_once() -> None:
    second = {"paymentAuthorizationToken": "payment-token-2", "roles": []}
    api = (
        FakeApi()
        .add("POST", TOKEN, token())
        .add("POST", PAYMENT, ok(load("usps", "payment_authorization.json")), ok(second))
        .add("POST", LABEL, ok(load("usps", "track_error_unauthorized.json"), 401), multipart())
    )
    carrier, _ = usps(api)
    label = carrier.buy_label(label_request())
    assert label.tracking_number == "9205590109769900012613"
    assert carrier.payment.fetches == 2
    assert carrier.oauth.fetches == 1
    assert api.calls("POST", LABEL)[1].headers["X-Payment-Authorization-Token"] == "payment-token-2"


def test_label_errors_keep_the_usps_code() -> None:
    api = (
        FakeApi()
        .add("POST", TOKEN, token())
        .add("POST", PAYMENT, ok(load("usps", "payment_authorization.json")))
        .add("POST", LABEL, ok(load("usps", "error_address_not_found.json"), 400))
    )
    carrier, _ = usps(api)
    with pytest.raises(CarrierError) as caught:
        carrier.buy_label(label_request())
    assert str(caught.value) == "USPS: Address Not Found."
    assert caught.value.code == "010005"


def test_labels_need_crid_mid_and_the_eps_account() -> None:
    carrier, _ = usps(FakeApi(), secrets={"client_id": "cid", "client_secret": "s"})
    with pytest.raises(CarrierError, match="crid") as caught:
        carrier.buy_label(label_request())
    assert caught.value.code == "credentials"
    carrier, _ = usps(FakeApi().add("POST", TOKEN, token()), account="")
    with pytest.raises(CarrierError, match="EPS account number"):
        carrier.buy_label(label_request())


def test_missing_client_id_is_named() -> None:
    carrier, _ = usps(FakeApi(), secrets={})
    with pytest.raises(CarrierError, match="client id"):
        carrier.track(DELIVERED)


def test_void_deletes_the_label_with_the_payment_token() -> None:
    number = "9205590109769900012613"
    api = (
        FakeApi()
        .add("POST", TOKEN, token())
        .add("POST", PAYMENT, ok(load("usps", "payment_authorization.json")))
        .add("DELETE", f"{LABEL}/{number}", ok({"trackingNumber": number, "status": "CANCELED"}))
    )
    carrier, _ = usps(api)
    carrier.void(number)
    sent = api.calls("DELETE", f"{LABEL}/{number}")
    assert len(sent) == 1 and sent[0].headers["X-Payment-Authorization-Token"].endswith("payment-token-1")
    assert carrier.capabilities.can_void and not carrier.capabilities.can_find_by_reference
    assert carrier.find_label("SO-1001-P1") is None


def test_multipart_parser_accepts_json_and_refuses_a_label_without_image() -> None:
    body = json.dumps({"labelMetadata": {"trackingNumber": "9400"}, "labelImage": "XlhBXlha"}).encode()
    answer = parse_label_answer(body)
    assert answer.metadata["trackingNumber"] == "9400" and answer.image == b"^XA^XZ"
    broken = raw("usps", "label_response_zpl.multipart").split(
        b'--726UYUDSQB6JWJXFDY\r\nContent-Disposition: form-data; name="labelImage"'
    )[0]
    with pytest.raises(CarrierError, match="without a label image"):
        parse_label_answer(broken + b"--726UYUDSQB6JWJXFDY--\r\n")
    with pytest.raises(CarrierError) as caught:
        parse_label_answer(b"<html>gateway error</html>")
    assert caught.value.code == "malformed"


# -- tracking ------------------------------------------------------------------------------------


def test_track_delivered_known_answer() -> None:
    api = (
        FakeApi()
        .add("POST", TOKEN, token())
        .add("GET", track_path(DELIVERED), ok(load("usps", "track_delivered.json")))
    )
    carrier, _ = usps(api)

    result = carrier.track(DELIVERED)

    assert result.status is ShipmentStatus.DELIVERED
    assert result.delivered_at == datetime(2026, 1, 8, 20, 14, tzinfo=UTC)
    assert result.signed_by == "M SMITH"
    assert result.service == "USPS Ground Advantage"
    assert result.estimated_delivery == datetime(2026, 1, 9, 20, 0, tzinfo=UTC)
    assert [e.code for e in result.events] == ["01", "OF", "10", "03", "GX"]
    assert result.events[-1].status is ShipmentStatus.LABEL_CREATED
    assert result.events[0].location == "CEDAR RAPIDS, IA, 52404"
    assert api.calls("GET", track_path(DELIVERED))[0].url.params["expand"] == "DETAIL"


def test_local_times_take_the_gmt_offset_not_the_z() -> None:
    result = parse_body(raw("usps", "track_in_transit_address_issue.json"))
    newest = result.events[0]
    assert newest.code == "25" and newest.exception is ExceptionType.ADDRESS_ISSUE
    assert newest.time.astimezone(UTC) == datetime(2026, 1, 7, 16, 5, tzinfo=UTC)  # 10:05 at -06:00
    assert result.status is ShipmentStatus.OUT_FOR_DELIVERY
    assert result.estimated_delivery == datetime(2026, 1, 8, 23, 59, tzinfo=UTC)
    assert result.events[2].code == "T1" and result.events[2].status is ShipmentStatus.IN_TRANSIT  # unknown code


@pytest.mark.parametrize(
    ("name", "status", "events"),
    [
        ("track_delivered.json", ShipmentStatus.DELIVERED, 5),
        ("track_in_transit_address_issue.json", ShipmentStatus.OUT_FOR_DELIVERY, 4),
        ("track_pre_shipment.json", ShipmentStatus.LABEL_CREATED, 1),
    ],
)
def test_every_sample_body_normalizes(name: str, status: ShipmentStatus, events: int) -> None:
    result = parse_body(raw("usps", name))
    assert result.status is status
    assert len(result.events) == events
    assert all(e.time.tzinfo is not None for e in result.events)
    assert [e.time for e in result.events] == sorted((e.time for e in result.events), reverse=True)


def test_error_bodies_raise_one_line() -> None:
    with pytest.raises(CarrierError) as caught:
        parse_body(raw("usps", "track_error_not_found.json"))
    assert caught.value.code == NOT_FOUND and "could not locate" in str(caught.value)
    with pytest.raises(CarrierError) as caught:
        parse_body(raw("usps", "track_error_unauthorized.json"))
    assert caught.value.code == "UNAUTHORIZED"
    with pytest.raises(CarrierError) as caught:
        parse_body(b"{not json")
    assert caught.value.code == "malformed"
    assert sorted(p.name for p in (DATA / "usps").glob("track_error_*.json"))  # the CLI tests glob these


def test_track_many_leaves_unknown_numbers_out() -> None:
    unknown = "9400100000000000000099"
    api = (
        FakeApi()
        .add("POST", TOKEN, token())
        .add("GET", track_path(DELIVERED), ok(load("usps", "track_delivered.json")))
        .add("GET", track_path(unknown), ok(load("usps", "track_error_not_found.json"), 404))
    )
    carrier, _ = usps(api)
    found = carrier.track_many([DELIVERED, unknown])
    assert list(found) == [DELIVERED]
    with pytest.raises(CarrierError) as caught:
        carrier.track(unknown)
    assert caught.value.code == NOT_FOUND


# -- addresses -----------------------------------------------------------------------------------


def test_validate_address_confirmed_and_standardized() -> None:
    api = FakeApi().add("POST", TOKEN, token()).add("GET", ADDRESS, ok(load("usps", "address_ok.json")))
    carrier, _ = usps(api)
    check = carrier.validate_address(PostalAddress("Office", "3120 M St NW", "Washington", "20007", "US", state="DC"))
    assert check.valid and check.messages == ()
    assert check.suggestion is not None and check.suggestion.postal_code == "20007-3704"
    assert check.suggestion.line1 == "3120 M ST NW"
    params = api.calls("GET", ADDRESS)[0].url.params
    assert params["streetAddress"] == "3120 M St NW" and params["ZIPCode"] == "20007" and params["state"] == "DC"


def test_validate_address_missing_suite_and_not_found() -> None:
    api = (
        FakeApi()
        .add("POST", TOKEN, token())
        .add(
            "GET",
            ADDRESS,
            ok(load("usps", "address_missing_secondary.json")),
            ok(load("usps", "error_address_not_found.json"), 400),
        )
    )
    carrier, _ = usps(api)
    no_suite = PostalAddress("Joe", "1100 Wyoming St", "Saint Louis", "63118", "US", state="MO")
    check = carrier.validate_address(no_suite)
    assert check.valid
    assert any("apartment or suite" in m for m in check.messages)
    assert any("Default address" in m for m in check.messages)
    missing = carrier.validate_address(no_suite)
    assert not missing.valid and missing.messages == ("Address Not Found.",)
    with pytest.raises(CarrierError, match="US addresses only"):
        carrier.validate_address(PostalAddress("Anna", "V Parku 1", "Prague", "14800", "CZ"))


# -- the HTTP behaviour every adapter owes -------------------------------------------------------


def test_bad_credentials_after_one_renewal() -> None:
    denied = ok(load("usps", "track_error_unauthorized.json"), 401)
    api = FakeApi().add("POST", TOKEN, token()).add("GET", track_path(DELIVERED), denied)
    carrier, _ = usps(api)
    with pytest.raises(CarrierError, match="credentials"):
        carrier.track(DELIVERED)
    assert carrier.oauth.fetches == 2


def test_refused_token_request_names_the_credentials() -> None:
    refused = ok({"error": "invalid_client", "error_description": "Client authentication failed"}, 401)
    carrier, _ = usps(FakeApi().add("POST", TOKEN, refused))
    with pytest.raises(CarrierError, match="credentials") as caught:
        carrier.track(DELIVERED)
    assert "Client authentication failed" in str(caught.value)


def test_token_expiry_mid_session_fetches_exactly_one_new_token() -> None:
    body = load("usps", "track_delivered.json")
    denied = ok(load("usps", "track_error_unauthorized.json"), 401)
    api = (
        FakeApi()
        .add("POST", TOKEN, token("t1"), token("t2"))
        .add("GET", track_path(DELIVERED), ok(body), denied, ok(body))
    )
    carrier, _ = usps(api)
    carrier.track(DELIVERED)
    carrier.track(DELIVERED)
    assert carrier.oauth.fetches == 2
    assert [r.headers["Authorization"] for r in api.calls("GET", track_path(DELIVERED))] == [
        "Bearer t1",
        "Bearer t1",
        "Bearer t2",
    ]


def test_429_waits_as_long_as_usps_asks() -> None:
    slow = httpx.Response(
        429, json={"error": {"code": "429", "message": "Too Many Requests"}}, headers={"Retry-After": "7"}
    )
    api = (
        FakeApi()
        .add("POST", TOKEN, token())
        .add("GET", track_path(DELIVERED), slow, ok(load("usps", "track_delivered.json")))
    )
    carrier, sleeper = usps(api)
    assert carrier.track(DELIVERED).status is ShipmentStatus.DELIVERED
    assert 7.0 in sleeper.delays


def test_500_then_success() -> None:
    api = (
        FakeApi()
        .add("POST", TOKEN, token())
        .add("GET", track_path(DELIVERED), httpx.Response(500, text="oops"), ok(load("usps", "track_delivered.json")))
    )
    carrier, _ = usps(api)
    assert carrier.track(DELIVERED).status is ShipmentStatus.DELIVERED
    assert len(api.calls("GET", track_path(DELIVERED))) == 2


def test_malformed_json_is_one_clear_error() -> None:
    api = FakeApi().add("POST", TOKEN, token()).add("GET", track_path(DELIVERED), httpx.Response(200, text="<html>"))
    carrier, _ = usps(api)
    with pytest.raises(CarrierError, match="not valid JSON") as caught:
        carrier.track(DELIVERED)
    assert caught.value.code == "malformed"


def test_timeout_gives_up_after_the_retries() -> None:
    api = FakeApi().add("POST", TOKEN, token()).add("GET", track_path(DELIVERED), httpx.ReadTimeout("slow"))
    carrier, _ = usps(api)
    with pytest.raises(CarrierError, match="did not answer in time") as caught:
        carrier.track(DELIVERED)
    assert caught.value.code == "timeout"
    assert len(api.calls("GET", track_path(DELIVERED))) == 4


def test_info_describes_usps() -> None:
    assert INFO.code == "usps" and INFO.secret_fields == ("client_id", "client_secret", "crid", "mid")
    assert INFO.tracking_url(" 9400100000000000000011 ") == (
        "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400100000000000000011"
    )
