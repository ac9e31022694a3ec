"""Rates, dimensional weight and the rule that preselects the best rate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, Decimal

from .enums import RateRule
from .errors import OverWeightLimit
from .models import Package, PostalAddress
from .units import Dimensions, Money, Weight, WeightUnit


@dataclass(frozen=True, slots=True)
class RateRequest:
    ship_from: PostalAddress
    ship_to: PostalAddress
    package: Package
    reference: str = ""


@dataclass(frozen=True, slots=True)
class Rate:
    carrier: str
    service: str
    service_name: str
    amount: Money
    transit_days: int
    billable_weight: Weight
    rate_id: str = ""
    # Filled by the carrier when it says, else by services/rate_shopping from domain/carrier_billing.
    dimensional_weight: Weight | None = None
    estimated_delivery: datetime | None = None
    insurance_cost: Money | None = None  # the part of `amount` that pays for insurance

    @property
    def label(self) -> str:
        days = "1 day" if self.transit_days == 1 else f"{self.transit_days} days"
        return f"{self.service_name} — {self.amount} ({days})"


def dimensional_weight(dimensions: Dimensions, divisor_cm3_per_kg: Decimal) -> Weight:
    """(L x W x H) / divisor in cm³ per kg: 5000 for DHL and LSO; UPS/FedEx 139 in³/lb is about 5022."""
    kg = dimensions.volume_cm3() / divisor_cm3_per_kg
    return Weight(kg, WeightUnit.KG)


def billable_weight(
    actual: Weight, dimensions: Dimensions | None, divisor_cm3_per_kg: Decimal, step_grams: Decimal
) -> Weight:
    """The greater of actual and dimensional weight, rounded up to the carrier's billing step."""
    grams = actual.grams
    if dimensions is not None:
        grams = max(grams, dimensional_weight(dimensions, divisor_cm3_per_kg).grams)
    steps = (grams / step_grams).to_integral_value(rounding=ROUND_CEILING)
    return Weight.from_grams(max(steps, Decimal(1)) * step_grams)


def cheapest_key(rate: Rate) -> tuple[Decimal, int, str, str, str]:
    """Lowest price, then fewest days; service, carrier and rate id make every tie deterministic."""
    return (rate.amount.amount, rate.transit_days, rate.service, rate.carrier, rate.rate_id)


def fastest_key(rate: Rate) -> tuple[int, Decimal, str, str, str]:
    return (rate.transit_days, rate.amount.amount, rate.service, rate.carrier, rate.rate_id)


def select_rate(rates: Sequence[Rate], rule: RateRule, within_days: int = 3) -> Rate | None:
    """Cheapest: lowest price, then fewest days. Fastest: fewest days, then lowest price.
    Cheapest within N days: the cheapest arriving in N days or fewer, else the fastest.
    (domain/rate_rules.choose_rate adds preferred carriers, exclusions and the reason.)"""
    if not rates:
        return None
    if rule is RateRule.FASTEST:
        return min(rates, key=fastest_key)
    if rule is RateRule.CHEAPEST_WITHIN_DAYS:
        in_time = [r for r in rates if r.transit_days <= within_days]
        return min(in_time, key=cheapest_key) if in_time else min(rates, key=fastest_key)
    return min(rates, key=cheapest_key)


@dataclass(frozen=True, slots=True)
class WeightCheck:
    measured: Weight
    expected: Weight | None
    tolerance_pct: Decimal
    difference_grams: Decimal

    @property
    def ok(self) -> bool:
        return self.expected is None or abs(self.difference_grams) <= self.allowed_grams

    @property
    def allowed_grams(self) -> Decimal:
        if self.expected is None:
            return Decimal(0)
        return self.expected.grams * self.tolerance_pct / 100

    def message(self) -> str:
        if self.expected is None:
            return "No expected weight on this order."
        if self.ok:
            return "Weight matches the order."
        sign = "heavier" if self.difference_grams > 0 else "lighter"
        pct = abs(self.difference_grams) / self.expected.grams * 100 if self.expected.grams else Decimal(0)
        return (
            f"Parcel is {abs(self.difference_grams).quantize(Decimal(1))} g {sign} than expected "
            f"({self.expected.grams.quantize(Decimal(1))} g, {pct.quantize(Decimal('0.1'))} % off; "
            f"tolerance {self.tolerance_pct} %)."
        )


def check_weight(measured: Weight, expected: Weight | None, tolerance_pct: Decimal) -> WeightCheck:
    diff = measured.grams - expected.grams if expected is not None else Decimal(0)
    return WeightCheck(measured, expected, tolerance_pct, diff)


def require_within_limit(weight: Weight, max_grams: Decimal, carrier_name: str) -> None:
    if weight.grams > max_grams:
        limit = Weight.from_grams(max_grams, WeightUnit.KG)
        raise OverWeightLimit(
            f"{weight.display(WeightUnit.KG)} is over {carrier_name}'s limit of "
            f"{limit.display(WeightUnit.KG, 1)} per parcel; split the shipment or use freight."
        )
    if weight.grams <= 0:
        raise OverWeightLimit("The scale shows no weight; put the parcel on the scale.")
