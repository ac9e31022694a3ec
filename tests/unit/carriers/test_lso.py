"""The LSO adapter against the local fake LSO server over real TCP (seed 004's rules on both sides)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from shipstation_desktop.carriers.context import CarrierContext
from shipstation_desktop.carriers.lso import INFO
from shipstation_desktop.carriers.lso.adapter import LsoAdapter, reference_field
from shipstation_desktop.carriers.lso.fake_server import FakeLsoServer
from shipstation_desktop.carriers.pickups import PickupCapable
from shipstation_desktop.carriers.port import LabelRequest
from shipstation_desktop.carriers.tracking_numbers import is_valid_lso
from shipstation_desktop.domain.clock import FakeClock
from shipstation_desktop.domain.enums import ExceptionType, LabelFormat, ShipmentStatus
from shipstation_desktop.domain.errors import CarrierError, OverWeightLimit, UserError
from shipstation_desktop.domain.models import Package, PostalAddress
from shipstation_desktop.domain.rates import Rate, RateRequest
from shipstation_desktop.domain.units import Dimensions, Money, Weight, WeightUnit
from shipstation_desktop.settings.model import CarrierAccount

DATA = Path(__file__).resolve().parents[2] / "data" / "carriers" / "lso"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

AUSTIN = PostalAddress(
    name="Dock Lead", company="Demo Warehouse", line1="500 Congress Ave", city="Austin", state="TX",
    postal_code="78701", country="US", phone="+15125550100",
)  # fmt: skip
DALLAS = PostalAddress(
    name="Mia Garcia", line1="1 Main St", city="Dallas", state="TX", postal_code="75201", country="US",
    phone="+12145550123",
)  # fmt: skip
BERLIN = PostalAddress(
    name="Max Maier", line1="Unter den Linden 1", city="Berlin", postal_code="10117", country="DE",
    phone="+493055501234",
)  # fmt: skip
BOX = Dimensions(Decimal(40), Decimal(30), Decimal(20))  # 24 000 cm³ / 5000 = 4.8 kg dimensional


class Sleeper:
    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        # A floor: the rate limiter's float arithmetic can ask for 1e-17 s, which would not move the clock.
        self.clock.advance(max(seconds, 1e-6))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def server(clock: FakeClock) -> Iterator[FakeLsoServer]:
    with FakeLsoServer(now=clock.now) as running:
        yield running


def make(
    server_url: str, clock: FakeClock, key: str | None = "test-key", transport: httpx.BaseTransport | None = None
) -> tuple[LsoAdapter, Sleeper]:
    sleeper = Sleeper(clock)
    secrets = {"api_key": key} if key else {}
    ctx = CarrierContext(
        account=CarrierAccount(code="lso", base_url=server_url),
        secret=secrets.get,
        clock=clock,
        transport=transport,
        sleep=sleeper,
    )
    return LsoAdapter(ctx), sleeper


@pytest.fixture
def lso(server: FakeLsoServer, clock: FakeClock) -> Iterator[tuple[LsoAdapter, Sleeper]]:
    adapter, sleeper = make(server.url, clock)
    yield adapter, sleeper
    adapter.http.close()


def rate_request(kg: str = "2", to: PostalAddress = DALLAS, insurance: Money | None = None) -> RateRequest:
    return RateRequest(AUSTIN, to, Package(Weight.of(kg, WeightUnit.KG), BOX, insurance=insurance), "SO-1001")


def buy(adapter: LsoAdapter, fmt: LabelFormat = LabelFormat.ZPL, purchase: str = "SO-1001/p1") -> Rate:
    rate = next(r for r in adapter.rates(rate_request()) if r.service == "express")
    return rate


# -- rates ----------------------------------------------------------------------------------------


def test_rates_use_dimensional_weight_and_the_tariff(lso: tuple[LsoAdapter, Sleeper]) -> None:
    adapter, _ = lso
    rates = {r.service: r for r in adapter.rates(rate_request())}
    # 4.8 kg dimensional beats 2 kg actual and bills as 5.0 kg; freight has a 20 kg minimum.
    assert {s: r.amount for s, r in rates.items()} == {
        "express": Money(Decimal("21.5"), "USD"),
        "freight": Money(Decimal("58"), "USD"),
        "special": Money(Decimal("72"), "USD"),
    }
    assert rates["express"].billable_weight.grams == 5000
    assert rates["express"].transit_days == 1 and rates["express"].carrier == "lso"
    assert rates["express"].service_name == "LSO Express"


def test_international_only_offers_international_and_insurance_is_charged(lso: tuple[LsoAdapter, Sleeper]) -> None:
    adapter, _ = lso
    rates = adapter.rates(rate_request(to=BERLIN, insurance=Money(Decimal(500), "USD")))
    assert [(r.service, r.amount.amount) for r in rates] == [("international", Decimal("56.5"))]  # 49 + 1.5 % of 500


def test_limits_are_checked_before_calling_lso(lso: tuple[LsoAdapter, Sleeper], server: FakeLsoServer) -> None:
    adapter, _ = lso
    with pytest.raises(OverWeightLimit, match="LSO's limit"):
        adapter.rates(rate_request(kg="1000.5"))
    long_box = Package(Weight.of(2, WeightUnit.KG), Dimensions(Decimal(310), Decimal(10), Decimal(10)))
    with pytest.raises(UserError, match="300 cm"):
        adapter.rates(RateRequest(AUSTIN, DALLAS, long_box))
    assert server.requests == []


def test_server_validation_errors_become_clear_messages_with_the_code(lso: tuple[LsoAdapter, Sleeper]) -> None:
    adapter, _ = lso
    no_phone = PostalAddress(name="X", line1="1 Main St", city="Dallas", postal_code="75201", country="US")
    with pytest.raises(CarrierError) as err:
        adapter.rates(RateRequest(AUSTIN, no_phone, Package(Weight.of(1, WeightUnit.KG))))
    assert "destination.phone must be an E.164 number" in str(err.value)
    assert err.value.code == "VALIDATION_ERROR"


# -- labels ---------------------------------------------------------------------------------------


def test_buy_zpl_label_sends_the_reference_and_decodes_the_label(
    lso: tuple[LsoAdapter, Sleeper], server: FakeLsoServer
) -> None:
    adapter, _ = lso
    rate = buy(adapter)
    label = adapter.buy_label(LabelRequest(rate, rate_request(), "SO-1001", purchase_reference="SO-1001/p1"))
    assert is_valid_lso(label.tracking_number)
    assert label.label.startswith(b"^XA") and label.tracking_number.encode() in label.label
    assert label.label_format is LabelFormat.ZPL
    assert label.cost == Money(Decimal("21.5"), "USD") and label.service == "express"
    assert label.carrier_shipment_id == f"shp_{label.tracking_number[3:]}"
    assert label.estimated_delivery == datetime(2026, 1, 6, 23, 59, tzinfo=UTC)
    assert label.tracking_url.endswith(label.tracking_number)
    sent = server.requests[-1][2]
    assert sent["referenceNumber"] == "SO-1001/p1" and sent["labelFormat"] == "zpl"
    assert sent["packages"][0] == {
        "length": 40.0,
        "width": 30.0,
        "height": 20.0,
        "weight": 2.0,
        "description": "SO-1001",
    }


def test_buy_pdf_label(lso: tuple[LsoAdapter, Sleeper]) -> None:
    adapter, _ = lso
    rate = buy(adapter)
    label = adapter.buy_label(LabelRequest(rate, rate_request(), "SO-1001", LabelFormat.PDF))
    assert label.label.startswith(b"%PDF-") and label.label_format is LabelFormat.PDF


def test_find_label_by_reference_even_a_long_one_and_not_after_void(lso: tuple[LsoAdapter, Sleeper]) -> None:
    adapter, _ = lso
    long_reference = "SO-1001/" + "bench-7-purchase-" * 4
    assert len(reference_field(long_reference)) <= 50
    rate = buy(adapter)
    bought = adapter.buy_label(LabelRequest(rate, rate_request(), "SO-1001", purchase_reference=long_reference))
    found = adapter.find_label(long_reference)
    assert found is not None
    assert (found.tracking_number, found.label, found.cost) == (bought.tracking_number, bought.label, bought.cost)
    assert adapter.find_label("SO-nothing") is None
    adapter.void(bought.tracking_number)
    assert adapter.find_label(long_reference) is None


def test_void_twice_and_after_pickup_are_refused(lso: tuple[LsoAdapter, Sleeper], server: FakeLsoServer) -> None:
    adapter, _ = lso
    rate = buy(adapter)
    first = adapter.buy_label(LabelRequest(rate, rate_request(), "SO-1"))
    second = adapter.buy_label(LabelRequest(rate, rate_request(), "SO-2"))
    adapter.void(first.tracking_number)
    assert server.shipments[first.tracking_number].status == "cancelled"
    with pytest.raises(CarrierError) as again:
        adapter.void(first.tracking_number)
    assert again.value.code == "ALREADY_CANCELLED"
    server.add_event(second.tracking_number, "picked_up", "Picked up", "Austin, TX")
    with pytest.raises(CarrierError, match="already picked up") as late:
        adapter.void(second.tracking_number)
    assert late.value.code == "CANNOT_CANCEL"
    assert adapter.track(first.tracking_number).status is ShipmentStatus.CANCELLED


# -- tracking -------------------------------------------------------------------------------------


def test_track_follows_the_parcel_to_delivery_with_proof(
    lso: tuple[LsoAdapter, Sleeper], server: FakeLsoServer, clock: FakeClock
) -> None:
    adapter, _ = lso
    number = adapter.buy_label(LabelRequest(buy(adapter), rate_request(), "SO-1")).tracking_number
    assert adapter.track(number).status is ShipmentStatus.LABEL_CREATED
    server.add_event(number, "picked_up", "Picked up by LSO driver", "Austin, TX", START + timedelta(hours=3))
    server.add_event(number, "out_for_delivery", "Out for delivery", "Dallas, TX", START + timedelta(hours=20))
    server.add_event(
        number, "exception", "Delivery attempted; business closed", "Dallas, TX", START + timedelta(hours=25)
    )
    late = adapter.track(number)
    assert late.status is ShipmentStatus.OUT_FOR_DELIVERY
    assert late.events[0].exception is ExceptionType.DELIVERY_FAILED and late.events[0].code == "exception"
    delivered_at = START + timedelta(days=2)
    server.deliver(number, "M. GARCIA", at=delivered_at, photo="https://pod.example/1.jpg")
    done = adapter.track(number)
    assert done.status is ShipmentStatus.DELIVERED
    assert (done.delivered_at, done.signed_by, done.proof_url) == (
        delivered_at,
        "M. GARCIA",
        "https://pod.example/1.jpg",
    )
    assert [e.status for e in done.events][:2] == [ShipmentStatus.DELIVERED, ShipmentStatus.OUT_FOR_DELIVERY]


def test_track_unknown_and_invalid_numbers(lso: tuple[LsoAdapter, Sleeper], server: FakeLsoServer) -> None:
    adapter, _ = lso
    with pytest.raises(CarrierError) as unknown:
        adapter.track("LSO00000000000")
    assert unknown.value.code == "not_found"
    with pytest.raises(CarrierError) as invalid:
        adapter.track("LSO00000000001")  # wrong Luhn digit: never sent
    assert invalid.value.code == "invalid_number"
    assert [path for _, path, _ in server.requests] == ["/api/tracking/LSO00000000000"]


def test_track_many_is_one_batch_and_leaves_unknown_numbers_out(
    lso: tuple[LsoAdapter, Sleeper], server: FakeLsoServer
) -> None:
    adapter, _ = lso
    rate = buy(adapter)
    a = adapter.buy_label(LabelRequest(rate, rate_request(), "SO-1")).tracking_number
    b = adapter.buy_label(LabelRequest(rate, rate_request(), "SO-2")).tracking_number
    before = len(server.requests)
    results = adapter.track_many([a, b.lower(), "LSO00000000000", "garbage"])
    assert set(results) == {a, b.lower()}
    assert results[b.lower()].tracking_number == b
    assert [path for _, path, _ in server.requests[before:]] == ["/api/tracking/batch"]


# -- addresses and pickups ------------------------------------------------------------------------


def test_validate_address(lso: tuple[LsoAdapter, Sleeper]) -> None:
    adapter, _ = lso
    lower = PostalAddress(name="Mia", line1=" 1 Main St", city="Dallas", state="tx", postal_code="75201", country="us",
                          phone="+12145550123")  # fmt: skip
    check = adapter.validate_address(lower)
    assert check.valid and check.suggestion is not None
    assert (check.suggestion.country, check.suggestion.state, check.suggestion.line1) == ("US", "TX", "1 Main St")
    bad = adapter.validate_address(PostalAddress(name="", line1="x", city="Dallas", postal_code="1", country="US"))
    assert not bad.valid
    assert any("address.name" in m for m in bad.messages) and any("phone" in m for m in bad.messages)


def test_pickup_request(lso: tuple[LsoAdapter, Sleeper], server: FakeLsoServer) -> None:
    adapter, _ = lso
    assert isinstance(adapter, PickupCapable) and adapter.capabilities.can_pickup
    confirmation = adapter.request_pickup(AUSTIN, date(2026, 1, 6), "afternoon", 3, "Dock 4")
    assert confirmation.confirmation in server.pickups
    assert (confirmation.carrier, confirmation.date, confirmation.time_slot) == ("lso", date(2026, 1, 6), "afternoon")
    assert confirmation.status == "scheduled" and confirmation.packages == 3
    assert server.pickups[confirmation.confirmation]["specialInstructions"] == "Dock 4"
    with pytest.raises(CarrierError, match="tomorrow or later") as early:
        adapter.request_pickup(AUSTIN, date(2026, 1, 5), "morning", 1)
    assert early.value.code == "PICKUP_DATE_TOO_EARLY"
    with pytest.raises(UserError, match="not a pickup slot"):
        adapter.request_pickup(AUSTIN, date(2026, 1, 6), "evening", 1)
    with pytest.raises(UserError, match="1 to 50"):
        adapter.request_pickup(AUSTIN, date(2026, 1, 6), "morning", 51)


# -- HTTP behaviour -------------------------------------------------------------------------------


def test_missing_key_names_the_field(server: FakeLsoServer, clock: FakeClock) -> None:
    with pytest.raises(CarrierError, match="no api key saved") as err:
        make(server.url, clock, key=None)
    assert err.value.code == "credentials"


def test_bad_key_is_a_credentials_message(server: FakeLsoServer, clock: FakeClock) -> None:
    adapter, _ = make(server.url, clock, key="wrong")
    with adapter.http._client, pytest.raises(CarrierError, match="refused the credentials") as err:
        adapter.rates(rate_request())
    assert err.value.code == "UNAUTHORIZED"
    assert len(server.requests) == 2  # tried once more, then gave up


def test_one_401_then_success(lso: tuple[LsoAdapter, Sleeper], server: FakeLsoServer) -> None:
    adapter, _ = lso
    server.fail_next(401, body=b'{"error": {"code": "UNAUTHORIZED", "message": "expired"}}')
    assert len(adapter.rates(rate_request())) == 3


def test_429_honours_retry_after(lso: tuple[LsoAdapter, Sleeper], server: FakeLsoServer) -> None:
    adapter, sleeper = lso
    server.fail_next(429, headers={"Retry-After": "7"})
    assert len(adapter.rates(rate_request())) == 3
    assert 7.0 in sleeper.delays


def test_500_then_success(lso: tuple[LsoAdapter, Sleeper], server: FakeLsoServer) -> None:
    adapter, sleeper = lso
    server.fail_next(500, times=2)
    assert len(adapter.rates(rate_request())) == 3
    assert [d for d in sleeper.delays if d >= 1] == [1.0, 5.0]


def test_malformed_json(lso: tuple[LsoAdapter, Sleeper], server: FakeLsoServer) -> None:
    adapter, _ = lso
    server.fail_next(200, body=b"<html>maintenance</html>")
    with pytest.raises(CarrierError, match="not valid JSON") as err:
        adapter.rates(rate_request())
    assert err.value.code == "malformed"


def test_timeout_is_retried_then_reported(clock: FakeClock) -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    adapter, sleeper = make("http://lso.invalid", clock, transport=httpx.MockTransport(hang))
    with adapter.http._client, pytest.raises(CarrierError, match="did not answer in time") as err:
        adapter.track("LSO12345678903")
    assert err.value.code == "timeout"
    assert [d for d in sleeper.delays if d >= 1] == [1.0, 5.0, 15.0]


# -- known answers --------------------------------------------------------------------------------


def test_sample_delivered_body() -> None:
    assert INFO.parse_tracking is not None
    result = INFO.parse_tracking((DATA / "track_delivered.json").read_bytes())
    assert result.tracking_number == "LSO12345678903" and is_valid_lso(result.tracking_number)
    assert result.status is ShipmentStatus.DELIVERED
    assert result.delivered_at == datetime(2026, 1, 7, 15, 42, tzinfo=UTC)
    assert (result.signed_by, result.proof_url) == ("M. GARCIA", "https://services.lso.com/pod/LSO12345678903.jpg")
    assert [e.status for e in result.events] == [
        ShipmentStatus.DELIVERED,
        ShipmentStatus.OUT_FOR_DELIVERY,
        ShipmentStatus.PICKED_UP,
        ShipmentStatus.LABEL_CREATED,
    ]
    assert result.events[2].time == datetime(2026, 1, 6, 23, 5, tzinfo=UTC)  # -06:00 kept, then compared in UTC
    assert result.service == "express"


def test_sample_exception_body() -> None:
    assert INFO.parse_tracking is not None
    result = INFO.parse_tracking((DATA / "track_exception_weather.json").read_bytes())
    assert result.status is ShipmentStatus.IN_TRANSIT
    assert result.events[0].exception is ExceptionType.WEATHER_DELAY
    assert result.estimated_delivery == datetime(2026, 1, 9, 23, 59, tzinfo=UTC)


def test_sample_error_body_and_garbage() -> None:
    assert INFO.parse_tracking is not None
    with pytest.raises(CarrierError, match="no shipment with tracking number") as err:
        INFO.parse_tracking((DATA / "track_error_not_found.json").read_bytes())
    assert err.value.code == "not_found"
    with pytest.raises(CarrierError) as garbage:
        INFO.parse_tracking(b"{not json")
    assert garbage.value.code == "malformed"


def test_info_and_tracking_url() -> None:
    assert (INFO.code, INFO.secret_fields) == ("lso", ("api_key",))
    assert INFO.tracking_url("lso12345678903") == "https://www.lso.com/en/track?trackingNumber=LSO12345678903"
