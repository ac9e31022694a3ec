"""Rate shopping rules, dimensional weight per carrier and insurance: known answers."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from pathlib import Path

import pytest

from shipstation_desktop.domain.carrier_billing import (
    DIM_RULES,
    INSURANCE_RULES,
    billed_weight,
    dim_rule,
    in3_per_lb_to_cm3_per_kg,
    with_billing,
)
from shipstation_desktop.domain.enums import RateRule
from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.domain.models import Package, PostalAddress
from shipstation_desktop.domain.rate_rules import (
    PreferredCarrier,
    RateContext,
    RatePolicy,
    choose_rate,
    is_excluded,
    require_declared_value,
)
from shipstation_desktop.domain.rates import Rate, select_rate
from shipstation_desktop.domain.units import Dimensions, LengthUnit, Money, Weight, WeightUnit
from shipstation_desktop.settings import model as settings_model

KG = Weight(Decimal(1), WeightUnit.KG)


def rate(carrier: str, service: str, amount: str, days: int, currency: str = "USD", **kw: object) -> Rate:
    return Rate(carrier, service, service.title(), Money(Decimal(amount), currency), days, KG, **kw)  # type: ignore[arg-type]


RATES = (
    rate("simulated", "GROUND", "10.00", 5),
    rate("simulated", "EXPRESS", "20.00", 2),
    rate("ups", "GROUND", "9.00", 4),
    rate("ups", "NEXT_DAY", "30.00", 1),
    rate("fedex", "2DAY", "15.00", 2),
)
TEXAS = PostalAddress("Ana Silva", "1 Main St", "Austin", "78701-1234", "US", state="TX", email="Ana@Example.com")
BERLIN = PostalAddress("Jonas", "Unter den Linden 1", "Berlin", "10117", "DE")
RENO = PostalAddress("Warehouse", "500 Industrial Way", "Reno", "89502", "US", state="NV")


def pick(policy: RatePolicy, ctx: RateContext | None = None) -> tuple[str, str, str]:
    choice = choose_rate(RATES, policy, ctx)
    assert choice.rate is not None
    return choice.rate.carrier, choice.rate.service, choice.reason


# ------------------------------------------------------------------------------------ base rules


def test_cheapest_and_fastest() -> None:
    assert pick(RatePolicy(RateRule.CHEAPEST)) == ("ups", "GROUND", "cheapest rate")
    assert pick(RatePolicy(RateRule.FASTEST)) == ("ups", "NEXT_DAY", "fastest rate")


def test_cheapest_within_days() -> None:
    assert pick(RatePolicy(RateRule.CHEAPEST_WITHIN_DAYS, 3)) == ("fedex", "2DAY", "cheapest within 3 days")
    assert pick(RatePolicy(RateRule.CHEAPEST_WITHIN_DAYS, 4)) == ("ups", "GROUND", "cheapest within 4 days")
    assert pick(RatePolicy(RateRule.CHEAPEST_WITHIN_DAYS, 1)) == ("ups", "NEXT_DAY", "cheapest within 1 day")


def test_cheapest_within_days_falls_back_to_fastest_and_says_so() -> None:
    slow = [rate("simulated", "GROUND", "10.00", 5), rate("simulated", "EXPRESS", "20.00", 4)]
    choice = choose_rate(slow, RatePolicy(RateRule.CHEAPEST_WITHIN_DAYS, 3))
    assert choice.rate == slow[1]
    assert choice.reason == "fastest: nothing arrives within 3 days"
    assert select_rate(slow, RateRule.CHEAPEST_WITHIN_DAYS, 3) == slow[1]
    assert select_rate(RATES, RateRule.CHEAPEST_WITHIN_DAYS, 3) == RATES[4]


def test_ties_break_the_same_way_whatever_the_order() -> None:
    tied = [
        rate("ups", "B", "10.00", 2, rate_id="u2"),
        rate("fedex", "B", "10.00", 2, rate_id="f1"),
        rate("dhl", "A", "10.00", 3),
        rate("ups", "A", "10.00", 2, rate_id="u1"),
    ]
    shuffled = random.Random(7)
    for _ in range(10):
        shuffled.shuffle(tied)
        assert choose_rate(tied, RatePolicy(RateRule.CHEAPEST)).rate == rate("ups", "A", "10.00", 2, rate_id="u1")
        assert choose_rate(tied[1:], RatePolicy(RateRule.CHEAPEST)).rate is not None
    same_service = [rate("ups", "B", "10.00", 2), rate("fedex", "B", "10.00", 2)]
    assert choose_rate(same_service, RatePolicy(RateRule.FASTEST)).rate == same_service[1]  # carrier code order


def test_no_rates_gives_no_choice() -> None:
    choice = choose_rate([], RatePolicy())
    assert choice.rate is None and choice.reason == "no rates"


# ---------------------------------------------------------------------------- preferred carriers


def test_preferred_carrier_for_a_customer_by_email_or_external_id() -> None:
    by_email = PreferredCarrier("simulated", customer="ana@example.com")
    ctx = RateContext(TEXAS, "Ana@Example.com", "SHOP-77", "Ana Silva")
    assert pick(RatePolicy(preferred=(by_email,)), ctx) == (
        "simulated",
        "GROUND",
        "preferred carrier simulated for customer Ana Silva (cheapest rate)",
    )
    by_id = PreferredCarrier("fedex", customer="shop-77")
    by_id_choice = pick(RatePolicy(preferred=(by_id,)), ctx)
    assert by_id_choice == ("fedex", "2DAY", "preferred carrier fedex for customer Ana Silva")
    stranger = RateContext(TEXAS, "bob@example.com")
    assert pick(RatePolicy(preferred=(by_email,)), stranger)[:2] == ("ups", "GROUND")


def test_preferred_carrier_uses_the_base_rule_among_its_own_rates() -> None:
    ups = PreferredCarrier("ups", country="US")
    # Within 3 days UPS only has NEXT_DAY: the preferred carrier still wins over the cheaper FedEx 2DAY.
    assert pick(RatePolicy(RateRule.CHEAPEST_WITHIN_DAYS, 3, preferred=(ups,)), RateContext(TEXAS)) == (
        "ups",
        "NEXT_DAY",
        "preferred carrier ups for destination US (cheapest within 3 days)",
    )
    assert pick(RatePolicy(RateRule.CHEAPEST_WITHIN_DAYS, 0, preferred=(ups,)), RateContext(TEXAS)) == (
        "ups",
        "NEXT_DAY",
        "preferred carrier ups for destination US (fastest: nothing arrives within 0 days)",
    )


def test_preferred_service() -> None:
    rule = PreferredCarrier("simulated", service="express", country="US")
    assert pick(RatePolicy(preferred=(rule,)), RateContext(TEXAS)) == (
        "simulated",
        "EXPRESS",
        "preferred service simulated/express for destination US",
    )


def test_most_specific_destination_rule_wins() -> None:
    rules = (
        PreferredCarrier("fedex", country="US"),
        PreferredCarrier("simulated", state="tx", country="US"),
        PreferredCarrier("ups", service="NEXT_DAY", postal_prefix="787"),
        PreferredCarrier("ups", service="GROUND", postal_prefix="7870 1"),  # spaces ignored; longer prefix
    )
    ctx = RateContext(TEXAS)
    assert pick(RatePolicy(preferred=rules), ctx) == (
        "ups",
        "GROUND",
        "preferred service ups/GROUND for postal codes 7870 1…",
    )
    assert pick(RatePolicy(preferred=rules[:3]), ctx)[:2] == ("ups", "NEXT_DAY")
    assert pick(RatePolicy(preferred=rules[:2]), ctx)[:2] == ("simulated", "GROUND")
    assert pick(RatePolicy(preferred=rules[:1]), ctx)[:2] == ("fedex", "2DAY")
    assert pick(RatePolicy(preferred=rules), RateContext(BERLIN))[:2] == ("ups", "GROUND")  # none matches
    everyone = PreferredCarrier("simulated")
    assert pick(RatePolicy(preferred=(everyone,)))[2] == "preferred carrier simulated for every parcel (cheapest rate)"


def test_customer_rule_beats_destination_rule_and_listing_order_breaks_ties() -> None:
    rules = (
        PreferredCarrier("fedex", postal_prefix="78701"),
        PreferredCarrier("simulated", customer="ana@example.com"),
    )
    ctx = RateContext(TEXAS, "ana@example.com", customer_name="Ana Silva")
    assert pick(RatePolicy(preferred=rules), ctx)[0] == "simulated"
    twins = (PreferredCarrier("fedex", country="US"), PreferredCarrier("simulated", country="US"))
    assert pick(RatePolicy(preferred=twins), ctx)[0] == "fedex"


def test_preferred_carrier_without_a_rate_falls_back_to_the_base_rule() -> None:
    dhl = PreferredCarrier("dhl", country="US")
    fedex = PreferredCarrier("fedex")
    assert pick(RatePolicy(RateRule.FASTEST, preferred=(dhl,)), RateContext(TEXAS)) == (
        "ups",
        "NEXT_DAY",
        "fastest rate; preferred carrier dhl for destination US has no rate",
    )
    # The next matching rule gets its turn before the base rule.
    assert pick(RatePolicy(preferred=(dhl, fedex)), RateContext(TEXAS))[0] == "fedex"


# ------------------------------------------------------------------------------------- exclusions


def test_exclusions() -> None:
    assert is_excluded(RATES[2], ["UPS"]) and is_excluded(RATES[3], ["ups"])
    assert is_excluded(RATES[2], ["ups/ground"]) and not is_excluded(RATES[3], ["ups/GROUND"])
    assert is_excluded(RATES[0], ["*/GROUND"]) and is_excluded(RATES[4], ["fedex:2DAY"])
    choice = choose_rate(RATES, RatePolicy(excluded=("ups", "*/GROUND")))
    assert [(r.carrier, r.service) for r in choice.offered] == [("simulated", "EXPRESS"), ("fedex", "2DAY")]
    assert choice.rate == RATES[4]
    # An excluded preferred service is never chosen.
    policy = RatePolicy(preferred=(PreferredCarrier("ups", service="GROUND"),), excluded=("ups/GROUND",))
    assert pick(policy)[:2] == ("simulated", "GROUND")
    nothing = choose_rate(RATES, RatePolicy(excluded=("ups", "fedex", "simulated")))
    assert nothing.rate is None and nothing.offered == ()
    assert "excluded" in nothing.reason


# ----------------------------------------------------------------------------- dimensional weight


def test_divisor_conversion() -> None:
    assert in3_per_lb_to_cm3_per_kg(Decimal(139)).quantize(Decimal("0.01")) == Decimal("5021.69")
    assert in3_per_lb_to_cm3_per_kg(Decimal(166)).quantize(Decimal("0.01")) == Decimal("5997.13")
    assert DIM_RULES["dhl"].divisor_cm3_per_kg == Decimal(5000)
    assert DIM_RULES["lso"].divisor_cm3_per_kg == Decimal(5000)
    assert DIM_RULES["simulated"].divisor_cm3_per_kg == Decimal(5000)


BIG_BOX = Dimensions(Decimal(50), Decimal(40), Decimal(30), LengthUnit.CM)  # 20 x 16 x 12 in = 3840 in³
SMALL_BOX = Dimensions(Decimal(30), Decimal(20), Decimal(10), LengthUnit.CM)  # 12 x 8 x 4 in = 384 in³


@pytest.mark.parametrize(
    ("carrier", "dimensional", "billable"),
    [
        ("ups", Weight(Decimal(28), WeightUnit.LB), Weight(Decimal(28), WeightUnit.LB)),  # 3840/139 = 27.6
        ("fedex", Weight(Decimal(28), WeightUnit.LB), Weight(Decimal(28), WeightUnit.LB)),
        ("usps", Weight(Decimal(24), WeightUnit.LB), Weight(Decimal(24), WeightUnit.LB)),  # 3840/166 = 23.1
        ("dhl", Weight(Decimal(12), WeightUnit.KG), Weight(Decimal(12), WeightUnit.KG)),  # 60000/5000
        ("lso", Weight(Decimal(12), WeightUnit.KG), Weight(Decimal(12), WeightUnit.KG)),
        ("simulated", Weight(Decimal(12000), WeightUnit.G), Weight(Decimal(12000), WeightUnit.G)),
    ],
)
def test_dimensional_weight_per_carrier(carrier: str, dimensional: Weight, billable: Weight) -> None:
    rule = dim_rule(carrier)
    assert rule is not None
    billed = billed_weight(rule, Package(Weight.of(2, "kg"), BIG_BOX))
    assert billed.actual == Weight.of(2, "kg")
    assert billed.dimensional == dimensional
    assert billed.billable == billable


def test_small_box_rounds_sides_to_inches_and_usps_ignores_it() -> None:
    package = Package(Weight.of("1.1", "lb"), SMALL_BOX)
    ups = billed_weight(DIM_RULES["ups"], package)
    assert ups.dimensional == Weight(Decimal(3), WeightUnit.LB)  # 384 / 139 = 2.76 -> 3 lb
    assert ups.billable.grams == Decimal("1360.77711")
    usps = billed_weight(DIM_RULES["usps"], package)
    assert usps.dimensional is None  # 384 in³ is under 1 ft³
    assert usps.billable == Weight(Decimal(2), WeightUnit.LB)  # 1.1 lb raised to the next pound
    dhl = billed_weight(DIM_RULES["dhl"], package)
    assert dhl.dimensional == Weight(Decimal("1.5"), WeightUnit.KG)  # 6000/5000 = 1.2 -> 1.5 kg
    # 11.4 x 8 x 4 in: 11.4 rounds to 11, 11.5 would round up to 12.
    assert DIM_RULES["ups"].volume_cm3(Dimensions(Decimal("11.4"), Decimal(8), Decimal(4), LengthUnit.IN)) == (
        352 * Decimal("16.387064")
    )
    assert DIM_RULES["ups"].volume_cm3(Dimensions(Decimal("11.5"), Decimal(8), Decimal(4), LengthUnit.IN)) == (
        384 * Decimal("16.387064")
    )


def test_heavy_parcel_bills_actual_weight_and_unknown_carrier_uses_its_adapter_divisor() -> None:
    heavy = billed_weight(DIM_RULES["dhl"], Package(Weight.of("13.2", "kg"), BIG_BOX))
    assert heavy.billable == Weight(Decimal("13.5"), WeightUnit.KG)
    assert dim_rule("correos") is None
    fallback = dim_rule("correos", Decimal(6000))
    assert fallback is not None
    assert billed_weight(fallback, Package(Weight.of(1, "kg"), BIG_BOX)).billable.grams == Decimal(10000)
    assert billed_weight(fallback, Package(Weight.of(1, "kg"))).dimensional is None


# -------------------------------------------------------------------------------------- insurance


@pytest.mark.parametrize(
    ("carrier", "value", "fee"),
    [
        ("ups", "100", "0"),
        ("ups", "100.01", "3.45"),
        ("ups", "300", "3.45"),
        ("ups", "301", "4.60"),
        ("ups", "1000", "11.50"),
        ("fedex", "450", "5.00"),
        ("dhl", "50", "9.80"),
        ("dhl", "800", "11.20"),
        ("simulated", "250", "2.30"),
    ],
)
def test_insurance_fee_tables(carrier: str, value: str, fee: str) -> None:
    assert INSURANCE_RULES[carrier].fee(Decimal(value)) == Decimal(fee)


def test_rate_carries_insurance_cost_and_dimensional_weight() -> None:
    package = Package(Weight.of(2, "kg"), BIG_BOX, insurance=Money(Decimal(400)))
    # UPS prices the declared value the adapter sends into its quote: shown, not added again.
    ups = with_billing(rate("ups", "GROUND", "24.60", 4), package)
    assert ups.amount == Money(Decimal("24.60")) and ups.insurance_cost == Money(Decimal("4.60"))
    assert ups.dimensional_weight == Weight(Decimal(28), WeightUnit.LB)
    # DHL's protection is not in its quote: the estimate is added so the packer sees what it costs.
    dhl = with_billing(rate("dhl", "P", "20.00", 2), package)
    assert dhl.amount == Money(Decimal("29.80")) and dhl.insurance_cost == Money(Decimal("9.80"))
    # The simulated carrier's quote already holds its fee (it insures the declared value too).
    sim = with_billing(rate("simulated", "GROUND", "20.00", 5), Package(KG, declared_value=Money(Decimal(250))))
    assert sim.amount == Money(Decimal("20.00")) and sim.insurance_cost == Money(Decimal("2.30"))
    # A carrier that priced it itself is trusted; no rule, other currency or no insurance: not priced.
    priced = rate("ups", "GROUND", "20.00", 4, insurance_cost=Money(Decimal("1.00")))
    assert with_billing(priced, package).insurance_cost == Money(Decimal("1.00"))
    assert with_billing(rate("usps", "PRIORITY", "9.00", 2), package).insurance_cost is None
    euros = Package(KG, insurance=Money(Decimal(400), "EUR"))
    assert with_billing(rate("ups", "GROUND", "20.00", 4), euros).insurance_cost is None
    assert with_billing(rate("ups", "GROUND", "20.00", 4), Package(KG)) == rate("ups", "GROUND", "20.00", 4)


def test_declared_value_required_abroad() -> None:
    with pytest.raises(UserError, match=r"declared value is required for international shipments \(US → DE\)"):
        require_declared_value(RENO, BERLIN, Package(KG))
    require_declared_value(RENO, BERLIN, Package(KG, declared_value=Money(Decimal(50))))
    require_declared_value(RENO, TEXAS, Package(KG))


# --------------------------------------------------------------------------------------- settings


def test_settings_round_trip_the_rate_rules(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(
        json.dumps(
            {
                "rate_rule": "cheapest_within_days",
                "rate_within_days": 2,
                "preferred_carriers": [{"carrier": "UPS", "customer": "ana@example.com", "country": "us"}],
                "excluded_services": ["fedex/2DAY"],
            }
        )
    )
    loaded = settings_model.load(path)
    assert loaded.rate_rule is RateRule.CHEAPEST_WITHIN_DAYS and loaded.rate_within_days == 2
    assert loaded.preferred_carriers[0].domain() == PreferredCarrier("ups", customer="ana@example.com", country="US")
    settings_model.save(path, loaded)
    assert settings_model.load(path) == loaded
    path.write_text(json.dumps({"preferred_carriers": [{"country": "US"}]}))
    with pytest.raises(UserError, match=r"preferred_carriers\.0\.carrier"):
        settings_model.load(path)
