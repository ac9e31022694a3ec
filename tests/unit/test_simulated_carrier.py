"""The simulated carrier: prices, purchases, voids and a tracking story that unfolds as time moves."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from shipstation_desktop.carriers.port import CarrierPort, LabelRequest, PurchasedLabel
from shipstation_desktop.carriers.simulated import SimulatedCarrier
from shipstation_desktop.carriers.tracking_numbers import is_valid_ups
from shipstation_desktop.domain.clock import FakeClock
from shipstation_desktop.domain.enums import ExceptionType, LabelFormat, RateRule, ShipmentStatus
from shipstation_desktop.domain.errors import CarrierError, UserError
from shipstation_desktop.domain.models import Package, PostalAddress
from shipstation_desktop.domain.rates import Rate, RateRequest, select_rate
from shipstation_desktop.domain.units import Dimensions, Money, Weight, WeightUnit

HOUR = 3600
DAY = 24 * HOUR

AUSTIN = PostalAddress(
    name="Bench 1", line1="500 Congress Ave", city="Austin", state="TX", postal_code="78701", country="US"
)
AUSTIN_2 = PostalAddress(
    name="Ann Lee", line1="12 Elm St", city="Austin", state="TX", postal_code="78702", country="US"
)
BOSTON = PostalAddress(
    name="Bo Chen", line1="1 Beacon St", city="Boston", state="MA", postal_code="02108", country="US"
)
MUNICH = PostalAddress(name="Max Maier", line1="Marienplatz 1", city="München", postal_code="80331", country="DE")

_ORDER = [
    ShipmentStatus.LABEL_CREATED,
    ShipmentStatus.PICKED_UP,
    ShipmentStatus.IN_TRANSIT,
    ShipmentStatus.OUT_FOR_DELIVERY,
    ShipmentStatus.DELIVERED,
]


def cm(length: int, width: int, height: int) -> Dimensions:
    return Dimensions(Decimal(length), Decimal(width), Decimal(height))


def request(
    kg: str = "2",
    dims: Dimensions | None = None,
    to: PostalAddress = BOSTON,
    reference: str = "SO-1001",
    declared: Money | None = None,
) -> RateRequest:
    return RateRequest(AUSTIN, to, Package(Weight.of(kg, WeightUnit.KG), dims, declared_value=declared), reference)


def by_service(rates: Sequence[Rate]) -> dict[str, Rate]:
    return {r.service: r for r in rates}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def carrier(clock: FakeClock) -> SimulatedCarrier:
    return SimulatedCarrier(clock, seed=7, exception_rate=0.0)


def buy(
    carrier: SimulatedCarrier, service: str = "GROUND", reference: str = "SO-1001", to: PostalAddress = BOSTON
) -> PurchasedLabel:
    req = request(to=to, reference=reference)
    rate = by_service(carrier.rates(req))[service]
    return carrier.buy_label(LabelRequest(rate, req, reference))


# -- identity ---------------------------------------------------------------------------------


def test_is_a_carrier_port(carrier: SimulatedCarrier) -> None:
    port: CarrierPort = carrier
    assert (port.code, port.name) == ("simulated", "Simulated Carrier")
    caps = port.capabilities
    assert caps.max_weight_grams == Decimal(68000)
    assert caps.label_formats == (LabelFormat.ZPL, LabelFormat.PDF)
    assert caps.dim_divisor_cm3_per_kg == Decimal(5000)
    assert caps.can_find_by_reference


def test_tracking_url_never_resolves(carrier: SimulatedCarrier) -> None:
    assert carrier.tracking_url("1ZSIM1230312345670") == "https://simulated-carrier.invalid/track/1ZSIM1230312345670"


# -- rates ------------------------------------------------------------------------------------


def test_domestic_services_prices_and_ids(carrier: SimulatedCarrier) -> None:
    rates = by_service(carrier.rates(request()))
    assert list(rates) == ["GROUND", "EXPRESS", "OVERNIGHT"]
    assert [r.transit_days for r in rates.values()] == [5, 2, 1]
    for rate in rates.values():
        assert rate.carrier == "simulated"
        assert rate.amount.currency == "USD"
        assert rate.amount.amount == rate.amount.amount.quantize(Decimal("0.01"))
        assert rate.rate_id.startswith("sim_")
    assert rates["GROUND"].amount.amount < rates["EXPRESS"].amount.amount < rates["OVERNIGHT"].amount.amount
    # Same request, same ids; a different parcel, different ids.
    assert [r.rate_id for r in carrier.rates(request())] == [r.rate_id for r in rates.values()]
    assert by_service(carrier.rates(request(kg="3")))["GROUND"].rate_id != rates["GROUND"].rate_id


def test_big_light_box_pays_for_its_volume(carrier: SimulatedCarrier) -> None:
    # 60x40x40 cm = 96 000 cm³ / 5000 = 19.2 kg dimensional, billed in 500 g steps -> 19.5 kg.
    big = by_service(carrier.rates(request(kg="1", dims=cm(60, 40, 40))))["GROUND"]
    # 20x15x10 cm = 3000 cm³ / 5000 = 0.6 kg, so the actual 1 kg counts.
    small = by_service(carrier.rates(request(kg="1", dims=cm(20, 15, 10))))["GROUND"]
    assert big.billable_weight.grams == Decimal(19500)
    assert small.billable_weight.grams == Decimal(1000)
    assert big.amount.amount > small.amount.amount * 2


def test_cheapest_and_fastest(carrier: SimulatedCarrier) -> None:
    rates = carrier.rates(request())
    cheapest = select_rate(rates, RateRule.CHEAPEST)
    fastest = select_rate(rates, RateRule.FASTEST)
    assert cheapest is not None and cheapest.service == "GROUND"
    assert fastest is not None and fastest.service == "OVERNIGHT"


def test_nearby_is_cheaper_than_across_the_country(carrier: SimulatedCarrier) -> None:
    local = by_service(carrier.rates(request(to=AUSTIN_2)))["GROUND"]
    far = by_service(carrier.rates(request(to=BOSTON)))["GROUND"]
    assert local.amount.amount < far.amount.amount


def test_international_costs_more_and_has_no_overnight(carrier: SimulatedCarrier) -> None:
    abroad = by_service(carrier.rates(request(to=MUNICH)))
    home = by_service(carrier.rates(request(to=BOSTON)))
    assert list(abroad) == ["GROUND", "EXPRESS"]
    assert abroad["GROUND"].transit_days > home["GROUND"].transit_days
    assert abroad["GROUND"].amount.amount > home["GROUND"].amount.amount * 2
    fastest = select_rate(tuple(abroad.values()), RateRule.FASTEST)
    assert fastest is not None and fastest.service == "EXPRESS"


def test_declared_value_adds_a_fee(carrier: SimulatedCarrier) -> None:
    plain = by_service(carrier.rates(request()))["GROUND"].amount.amount
    covered = by_service(carrier.rates(request(declared=Money(Decimal(100)))))["GROUND"].amount.amount
    # 450 USD: the first 100 is covered, the other 350 starts 4 blocks of 100 at 1.15 USD.
    insured = by_service(carrier.rates(request(declared=Money(Decimal(450)))))["GROUND"].amount.amount
    assert covered == plain
    assert insured - plain == Decimal("4.60")


def test_over_the_weight_limit_is_refused_with_the_reason(carrier: SimulatedCarrier) -> None:
    with pytest.raises(UserError, match=re.escape("over Simulated Carrier's limit of 68.0 kg")):
        carrier.rates(request(kg="68.5"))
    assert carrier.rates(request(kg="68"))  # exactly at the limit is fine


# -- buying -----------------------------------------------------------------------------------


def test_purchases_get_unique_valid_tracking_numbers(carrier: SimulatedCarrier) -> None:
    labels = [buy(carrier, reference=f"SO-{i}") for i in range(40)]
    numbers = [label.tracking_number for label in labels]
    assert len(set(numbers)) == len(numbers)
    for label in labels:
        assert is_valid_ups(label.tracking_number)
        assert label.tracking_number.startswith("1ZSIM")
        assert label.tracking_number[8:10] == "03"  # the ground service code inside the number
        assert label.tracking_url == carrier.tracking_url(label.tracking_number)
    assert carrier.purchases == tuple(labels)


def test_label_matches_the_rate_and_has_a_zpl_barcode(carrier: SimulatedCarrier, clock: FakeClock) -> None:
    label = buy(carrier, "EXPRESS")
    assert label.service == "EXPRESS"
    assert label.cost == by_service(carrier.rates(request()))["EXPRESS"].amount
    assert label.label_format is LabelFormat.ZPL
    zpl = label.label.decode()
    assert zpl.startswith("^XA") and zpl.rstrip().endswith("^XZ")
    assert f"^BCN,200,Y,N,N^FD{label.tracking_number}^FS" in zpl
    assert "Bo Chen" in zpl and "SO-1001" in zpl
    assert label.estimated_delivery == datetime(2026, 3, 4, 23, 59, tzinfo=UTC)  # 2 days after 2 March


def test_zpl_field_data_cannot_inject_commands(carrier: SimulatedCarrier) -> None:
    req = RateRequest(
        AUSTIN, PostalAddress("Evil ^XZ~JR", "1 St", "Boston", "02108", "US"), Package(Weight.of(1, "kg"))
    )
    rate = carrier.rates(req)[0]
    zpl = carrier.buy_label(LabelRequest(rate, req, "SO-9")).label.decode()
    assert zpl.count("^XZ") == 1 and "~JR" not in zpl


def test_an_injected_renderer_makes_the_label(clock: FakeClock) -> None:
    calls: list[tuple[str, str, LabelFormat]] = []

    def render(label_request: LabelRequest, number: str, fmt: LabelFormat) -> bytes:
        calls.append((label_request.reference, number, fmt))
        return b"%PDF-1.4 fake"

    carrier = SimulatedCarrier(clock, seed=1, label_renderer=render, label_format=LabelFormat.PDF)
    label = buy(carrier)
    assert calls == [("SO-1001", label.tracking_number, LabelFormat.PDF)]
    assert label.label == b"%PDF-1.4 fake"
    assert label.label_format is LabelFormat.PDF


def test_pdf_without_a_renderer_is_a_setup_error(clock: FakeClock) -> None:
    with pytest.raises(ValueError, match="label_renderer"):
        SimulatedCarrier(clock, label_format=LabelFormat.PDF)


def test_a_rate_for_another_parcel_is_refused(carrier: SimulatedCarrier) -> None:
    stale = by_service(carrier.rates(request(kg="2")))["GROUND"]
    with pytest.raises(CarrierError, match="get rates again") as err:
        carrier.buy_label(LabelRequest(stale, request(kg="5"), "SO-1001"))
    assert err.value.code == "RATE_MISMATCH"
    assert carrier.purchases == ()


def test_fail_next_purchase_buys_nothing_then_clears(carrier: SimulatedCarrier) -> None:
    carrier.fail_next_purchase = "Carrier is down for maintenance"
    with pytest.raises(CarrierError, match="down for maintenance"):
        buy(carrier)
    assert carrier.purchases == ()
    assert carrier.find_label("SO-1001") is None
    assert buy(carrier).tracking_number  # one-shot: the retry goes through


def test_lost_response_still_bought_and_found_by_reference(clock: FakeClock) -> None:
    carrier = SimulatedCarrier(clock, seed=3, fail_after_purchase=True)
    with pytest.raises(TimeoutError):
        buy(carrier, reference="SO-2002")
    found = carrier.find_label("SO-2002")
    assert found is not None and is_valid_ups(found.tracking_number)
    assert carrier.purchases == (found,)
    assert carrier.find_label("SO-0000") is None
    assert not carrier.fail_after_purchase  # one-shot


# -- voiding ----------------------------------------------------------------------------------


def test_void_before_pickup(carrier: SimulatedCarrier, clock: FakeClock) -> None:
    label = buy(carrier)
    clock.advance(HOUR)
    carrier.void(label.tracking_number)
    result = carrier.track(label.tracking_number)
    assert result.status is ShipmentStatus.CANCELLED
    assert [e.status for e in result.events] == [ShipmentStatus.CANCELLED, ShipmentStatus.LABEL_CREATED]
    assert carrier.find_label("SO-1001") is None
    with pytest.raises(CarrierError) as err:
        carrier.void(label.tracking_number)
    assert err.value.code == "ALREADY_VOIDED"


def test_no_void_once_picked_up(carrier: SimulatedCarrier, clock: FakeClock) -> None:
    label = buy(carrier)
    clock.advance(7 * HOUR)  # pickup happens 3-6 h after the label
    assert carrier.track(label.tracking_number).status is ShipmentStatus.PICKED_UP
    with pytest.raises(CarrierError, match="picked up") as err:
        carrier.void(label.tracking_number)
    assert err.value.code == "VOID_NOT_ALLOWED"


def test_unknown_and_foreign_numbers(carrier: SimulatedCarrier) -> None:
    with pytest.raises(CarrierError, match=r"(?i)unknown tracking number") as err:
        carrier.void("1ZSIM1230312345670")  # well formed, never sold
    assert err.value.code == "UNKNOWN_TRACKING_NUMBER"
    with pytest.raises(CarrierError) as err:
        carrier.track("1Z999AA10123456784")  # a real UPS shape, not ours
    assert err.value.code == "INVALID_TRACKING_NUMBER"


# -- tracking ---------------------------------------------------------------------------------


@pytest.mark.parametrize("service", ["GROUND", "EXPRESS", "OVERNIGHT"])
def test_timeline_progresses_with_the_clock(carrier: SimulatedCarrier, clock: FakeClock, service: str) -> None:
    label = buy(carrier, service)
    number = label.tracking_number
    first = carrier.track(number)
    assert first.status is ShipmentStatus.LABEL_CREATED
    assert len(first.events) == 1 and first.delivered_at is None
    assert first.estimated_delivery == label.estimated_delivery

    seen: list[ShipmentStatus] = [first.status]
    previous_count = 1
    for _ in range(10 * 24):
        clock.advance(HOUR)
        result = carrier.track(number)
        times = [e.time for e in result.events]
        assert times == sorted(times, reverse=True)  # newest first
        assert all(t <= clock.now() for t in times)
        assert len(result.events) >= previous_count
        previous_count = len(result.events)
        assert result.status is result.events[0].status
        if seen[-1] is not result.status:
            seen.append(result.status)
    assert seen == _ORDER
    assert result.delivered_at == result.events[0].time
    assert result.estimated_delivery is not None
    assert all(e.location for e in result.events)
    # A parcel may run a day late even without an exception event, never more.
    assert result.delivered_at is not None and label.estimated_delivery is not None
    assert result.delivered_at.date() <= label.estimated_delivery.date() + timedelta(days=1)


def test_same_number_same_story(clock: FakeClock) -> None:
    start = clock.now()
    first = SimulatedCarrier(clock, seed=11)
    label = buy(first)
    clock.advance(4 * DAY)
    # After a restart the carrier knows only what the database tells it.
    restarted = SimulatedCarrier(
        clock, seed=99, created_at_lookup=lambda n: start if n == label.tracking_number else None
    )
    assert restarted.track(label.tracking_number) == first.track(label.tracking_number)
    with pytest.raises(CarrierError):
        restarted.track(buy(first, reference="SO-2").tracking_number)
    # The same seed sells the same numbers.
    again = SimulatedCarrier(FakeClock(start), seed=11)
    assert buy(again).tracking_number == label.tracking_number


def test_every_parcel_gets_an_exception_at_rate_one(clock: FakeClock) -> None:
    carrier = SimulatedCarrier(clock, seed=5, exception_rate=1.0)
    labels = [buy(carrier, reference=f"SO-{i}") for i in range(24)]
    clock.advance(12 * DAY)
    kinds: set[ExceptionType] = set()
    for label in labels:
        result = carrier.track(label.tracking_number)
        assert result.status is ShipmentStatus.DELIVERED
        exceptions = [e for e in result.events if e.exception is not None]
        assert len(exceptions) == 1
        event = exceptions[0]
        assert event.status in (ShipmentStatus.IN_TRANSIT, ShipmentStatus.OUT_FOR_DELIVERY)
        assert event.exception is not None
        kinds.add(event.exception)
        if event.exception is ExceptionType.DELIVERY_FAILED:
            outs = [e for e in result.events if e.code == "OD"]
            assert len(outs) == 2  # a second attempt the next day
            assert result.delivered_at is not None and result.delivered_at - event.time == timedelta(days=1)
        # The estimate moves to the day it really arrived once the trouble is known.
        assert result.delivered_at is not None and result.estimated_delivery is not None
        assert result.estimated_delivery.date() == result.delivered_at.date()
    assert kinds == {  # seed 5 happens to show all four kinds
        ExceptionType.WEATHER_DELAY,
        ExceptionType.DELIVERY_FAILED,
        ExceptionType.ADDRESS_ISSUE,
        ExceptionType.DAMAGED_IN_TRANSIT,
    }


def test_exception_choice_is_stable_per_number(clock: FakeClock) -> None:
    carrier = SimulatedCarrier(clock, seed=8, exception_rate=1.0)
    label = buy(carrier)
    clock.advance(12 * DAY)
    assert carrier.track(label.tracking_number) == carrier.track(label.tracking_number)
    carrier.exception_rate = 0.0
    assert not any(e.exception for e in carrier.track(label.tracking_number).events)


def test_international_route_clears_customs(clock: FakeClock) -> None:
    carrier = SimulatedCarrier(clock, seed=2, exception_rate=0.0)
    label = buy(carrier, "EXPRESS", to=MUNICH)
    assert label.tracking_number[8:10] == "07"
    clock.advance(10 * DAY)
    descriptions = [e.description for e in carrier.track(label.tracking_number).events]
    assert "Import scan; cleared customs" in descriptions


# -- addresses --------------------------------------------------------------------------------


def test_a_good_address_passes(carrier: SimulatedCarrier) -> None:
    check = carrier.validate_address(BOSTON)
    assert check.valid and check.messages == () and check.suggestion is None


def test_missing_fields_and_bad_codes_are_named(carrier: SimulatedCarrier) -> None:
    check = carrier.validate_address(PostalAddress("X", "", "", "", "USA"))
    assert not check.valid
    assert any("line 1" in m for m in check.messages)
    assert any("City" in m for m in check.messages)
    assert any("Postal code" in m for m in check.messages)
    assert any("two-letter" in m for m in check.messages)
    assert not carrier.validate_address(PostalAddress("X", "1 St", "Nowhere", "1", "XX")).valid


@pytest.mark.parametrize("zip_code", ["1234", "123456", "12345-67", "ABCDE"])
def test_us_zip_shape(carrier: SimulatedCarrier, zip_code: str) -> None:
    check = carrier.validate_address(PostalAddress("X", "1 Main St", "Austin", zip_code, "US"))
    assert not check.valid
    assert any("ZIP" in m for m in check.messages)


def test_fixable_address_comes_back_as_a_suggestion(carrier: SimulatedCarrier) -> None:
    check = carrier.validate_address(PostalAddress("X", " 1 Main St ", "Austin", "787011234", "us", state="tx"))
    assert check.valid
    assert check.suggestion is not None
    fixed = check.suggestion
    assert (fixed.postal_code, fixed.country, fixed.state, fixed.line1) == ("78701-1234", "US", "TX", "1 Main St")
