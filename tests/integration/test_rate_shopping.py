"""packing.quote through services/rate_shopping: rules from settings, the order's customer, failures."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pytest

from shipstation_desktop.carriers.simulated import SimulatedCarrier
from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.domain.models import Package
from shipstation_desktop.domain.rates import Rate, RateRequest
from shipstation_desktop.domain.units import Money, Weight
from shipstation_desktop.services import packing
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.settings.model import CarrierAccount
from shipstation_desktop.settings.rate_shopping import PreferredCarrierRule
from tests.fakes.orders import add_order


class BrokenCarrier(SimulatedCarrier):
    """An adapter with a bug: its rates call blows up with something that is not a UserError."""

    code = "broken"
    name = "Broken Carrier"

    def rates(self, request: RateRequest) -> Sequence[Rate]:
        raise RuntimeError("adapter bug")


def test_preferred_carrier_for_the_orders_customer(bench: Bench) -> None:
    add_order(bench, "SO-31")
    ticket = packing.scan(bench, "SO-31")
    package = packing.package_for(ticket, Weight.of(1, "kg"))
    assert packing.quote(bench, ticket, package).reason == "cheapest rate"
    # The customer's email lives on the customer row, not the order: quote reads it.
    bench.settings.preferred_carriers = [
        PreferredCarrierRule(carrier="simulated", service="OVERNIGHT", customer="SO-31@example.com")
    ]
    quote = packing.quote(bench, ticket, package)
    assert quote.selected is not None and quote.selected.service == "OVERNIGHT"
    assert quote.reason == "preferred service simulated/OVERNIGHT for customer Emily Chen"
    # Every rate shows its dimensional weight: 300 x 220 x 100 mm / 5000 = 1.32 kg -> 1.5 kg.
    assert {r.dimensional_weight for r in quote.rates} == {Weight.of(1500, "g")}


def test_destination_rule_and_within_days(bench: Bench) -> None:
    add_order(bench, "SO-32")
    ticket = packing.scan(bench, "SO-32")
    package = packing.package_for(ticket, Weight.of(1, "kg"))
    bench.settings.rate_rule = bench.settings.rate_rule.CHEAPEST_WITHIN_DAYS
    bench.settings.rate_within_days = 2
    quote = packing.quote(bench, ticket, package)
    assert quote.selected is not None and quote.selected.service == "EXPRESS"
    assert quote.reason == "cheapest within 2 days"
    bench.settings.preferred_carriers = [PreferredCarrierRule(carrier="ups", state="CA")]
    quote = packing.quote(bench, ticket, package)
    assert quote.reason == "cheapest within 2 days; preferred carrier ups for destination CA has no rate"


def test_a_broken_carrier_does_not_hide_the_others(bench: Bench) -> None:
    add_order(bench, "SO-33")
    bench.carriers = {**bench.carriers, "broken": BrokenCarrier(bench.clock, seed=1)}
    bench.settings.carriers = [*bench.settings.carriers, CarrierAccount(code="broken")]
    ticket = packing.scan(bench, "SO-33")
    quote = packing.quote(bench, ticket, packing.package_for(ticket, Weight.of(1, "kg")))
    assert {r.carrier for r in quote.rates} == {"simulated"}
    assert quote.errors == ("Broken Carrier: RuntimeError: adapter bug",)


def test_every_rate_excluded_is_a_clear_message(bench: Bench) -> None:
    add_order(bench, "SO-34")
    bench.settings.excluded_services = ["simulated"]
    ticket = packing.scan(bench, "SO-34")
    with pytest.raises(UserError, match="all 3 rates are excluded in this bench's settings"):
        packing.quote(bench, ticket, packing.package_for(ticket, Weight.of(1, "kg")))


def test_international_orders_declare_their_total(bench: Bench) -> None:
    add_order(bench, "SO-35", country="DE")
    ticket = packing.scan(bench, "SO-35")
    package = packing.package_for(ticket, Weight.of(1, "kg"))
    assert package.declared_value == Money(Decimal("59.80"))
    quote = packing.quote(bench, ticket, package)
    assert {r.service_name for r in quote.rates} == {"Ground International", "Express International"}
    assert all(r.insurance_cost == Money(Decimal("0.00")) for r in quote.rates)  # under the free 100 USD
    with pytest.raises(UserError, match="declared value is required"):
        packing.quote(bench, ticket, Package(Weight.of(1, "kg")))
