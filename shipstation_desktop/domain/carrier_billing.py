"""What each carrier bills by, kept as data: dimensional-weight divisors and insurance charges.

Dimensional weight (published rules):
- UPS, FedEx: 139 in³/lb on daily rates; each side rounded to the nearest whole inch, the result and the
  actual weight raised to the next whole pound (ups.com "Determine billable weight"). 139 in³/lb is
  139 × 16.387064 cm³ / 0.45359237 kg ≈ 5021.7 cm³/kg.
- USPS: 166 in³/lb (≈ 5997.1 cm³/kg), only for parcels over 1 cubic foot (1,728 in³), sides rounded to
  the nearest inch, next whole pound (USPS DMM 123.1.4 / Notice 123).
- DHL Express: 5000 cm³/kg, billed in 0.5 kg steps.
- LSO: seed 004 computes "(Length × Width × Height) / Dimensional Factor" on cm and kg without giving the
  factor; we use the metric 5000 cm³/kg and DHL's 0.5 kg step until LSO's contract says otherwise.
- The simulated carrier: 5000 cm³/kg, 500 g steps (carriers/simulated/carrier.py).

Insurance (declared-value coverage). One shape fits the published tariffs: nothing up to a free
amount, a minimum charge covering up to a threshold, then a price per started 100 above it.
- UPS: first 100 USD free, 3.45 USD up to 300, 1.15 USD per further 100 (UPS declared value charge as
  summarised by shippingeasy.com / ups.com rate guide; check the current guide).
- FedEx Express: first 100 USD free, 3.00 USD up to 300, 1.00 USD per further 100 (FedEx Service Guide
  summary; check the current guide).
- DHL Express (US): 9.80 USD minimum for up to 700 USD, 1.40 USD per further 100
  (mydhl.express.dhl/us/en/shipment/shipment-protection-options.html).
- Simulated: first 100 free, 1.15 per started 100 above, already inside its quoted amount; it insures the
  declared value even when no insurance is asked for.
A carrier whose adapter returns Rate.insurance_cost is never estimated; a carrier with no rule here
(USPS, LSO, …) shows insurance as "not priced".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from .models import Package
from .rates import Rate
from .units import GRAMS_PER, MM_PER, Dimensions, LengthUnit, Money, Weight, WeightUnit

CM3_PER_IN3 = Decimal("16.387064")  # exact: 2.54³
KG_PER_LB = GRAMS_PER[WeightUnit.LB] / 1000
ONE_CUBIC_FOOT_CM3 = 1728 * CM3_PER_IN3
_CENT = Decimal("0.01")


def in3_per_lb_to_cm3_per_kg(divisor: Decimal) -> Decimal:
    """139 in³/lb -> ≈ 5021.69 cm³/kg: the same parcel gives the same dimensional weight either way."""
    return divisor * CM3_PER_IN3 / KG_PER_LB


@dataclass(frozen=True, slots=True)
class DimRule:
    divisor_cm3_per_kg: Decimal
    step: Weight  # billable weight (and the dimensional weight shown) is raised to a multiple of this
    round_sides_to: LengthUnit | None = None  # each side rounded to the nearest whole unit first
    applies_above_cm3: Decimal = Decimal(0)  # no dimensional weight at or below this volume

    def volume_cm3(self, dimensions: Dimensions) -> Decimal:
        if self.round_sides_to is None:
            return dimensions.volume_cm3()
        unit_mm = MM_PER[self.round_sides_to]
        sides = [(mm / unit_mm).to_integral_value(rounding=ROUND_HALF_UP) * unit_mm for mm in dimensions.mm()]
        return sides[0] * sides[1] * sides[2] / 1000


_LB = Weight(Decimal(1), WeightUnit.LB)
_HALF_KG = Weight(Decimal("0.5"), WeightUnit.KG)

DIM_RULES: dict[str, DimRule] = {
    "ups": DimRule(in3_per_lb_to_cm3_per_kg(Decimal(139)), _LB, LengthUnit.IN),
    "fedex": DimRule(in3_per_lb_to_cm3_per_kg(Decimal(139)), _LB, LengthUnit.IN),
    "usps": DimRule(in3_per_lb_to_cm3_per_kg(Decimal(166)), _LB, LengthUnit.IN, ONE_CUBIC_FOOT_CM3),
    "dhl": DimRule(Decimal(5000), _HALF_KG),
    "lso": DimRule(Decimal(5000), _HALF_KG),
    "simulated": DimRule(Decimal(5000), Weight(Decimal(500), WeightUnit.G)),
}


def dim_rule(carrier: str, fallback_divisor_cm3_per_kg: Decimal | None = None) -> DimRule | None:
    """The carrier's rule from the table; else its adapter's divisor with no billing step."""
    rule = DIM_RULES.get(carrier.strip().lower())
    if rule is None and fallback_divisor_cm3_per_kg is not None:
        rule = DimRule(fallback_divisor_cm3_per_kg, Weight(Decimal(1), WeightUnit.G))
    return rule


@dataclass(frozen=True, slots=True)
class BilledWeight:
    actual: Weight
    dimensional: Weight | None  # None: no box size, or the carrier does not charge by volume for it
    billable: Weight


def _round_up(weight: Weight, step: Weight) -> Weight:
    steps = (weight.grams / step.grams).to_integral_value(rounding=ROUND_CEILING)
    return Weight(max(steps, Decimal(1)) * step.value, step.unit)


def billed_weight(rule: DimRule, package: Package) -> BilledWeight:
    """Actual vs dimensional vs billable weight under one carrier's rule (in the rule's step unit)."""
    dimensional: Weight | None = None
    if package.dimensions is not None:
        volume = rule.volume_cm3(package.dimensions)
        if volume > rule.applies_above_cm3:
            dimensional = _round_up(Weight(volume / rule.divisor_cm3_per_kg, WeightUnit.KG), rule.step)
    heaviest = package.weight
    if dimensional is not None and dimensional.grams > heaviest.grams:
        heaviest = dimensional
    return BilledWeight(package.weight, dimensional, _round_up(heaviest, rule.step))


@dataclass(frozen=True, slots=True)
class InsuranceRule:
    free_up_to: Decimal
    minimum: Decimal
    minimum_covers_up_to: Decimal
    per_100_above: Decimal
    included_in_rate: bool = False  # the carrier's quoted amount already contains the charge
    insures_declared_value: bool = False  # charges on the declared value even without an insurance request

    def fee(self, value: Decimal) -> Decimal:
        if value <= self.free_up_to:
            return Decimal(0)
        fee = self.minimum
        if value > self.minimum_covers_up_to:
            hundreds = ((value - self.minimum_covers_up_to) / 100).to_integral_value(rounding=ROUND_CEILING)
            fee += hundreds * self.per_100_above
        return fee.quantize(_CENT)


INSURANCE_RULES: dict[str, InsuranceRule] = {
    # The UPS and FedEx adapters send the insured amount as declared value, so their quotes hold it.
    "ups": InsuranceRule(Decimal(100), Decimal("3.45"), Decimal(300), Decimal("1.15"), included_in_rate=True),
    "fedex": InsuranceRule(Decimal(100), Decimal("3.00"), Decimal(300), Decimal("1.00"), included_in_rate=True),
    "dhl": InsuranceRule(Decimal(0), Decimal("9.80"), Decimal(700), Decimal("1.40")),
    "simulated": InsuranceRule(
        Decimal(100),
        Decimal("1.15"),
        Decimal(200),
        Decimal("1.15"),
        included_in_rate=True,
        insures_declared_value=True,
    ),
}


def insured_value(rule: InsuranceRule, package: Package) -> Money | None:
    """What the carrier charges insurance on: the insurance asked for (or the declared value, for a
    carrier that insures it anyway). None: nothing to insure."""
    values = [package.insurance]
    if rule.insures_declared_value:
        values.append(package.declared_value)
    present = [m for m in values if m is not None]
    return max(present, key=lambda m: m.amount) if present else None


def with_billing(rate: Rate, package: Package, fallback_divisor_cm3_per_kg: Decimal | None = None) -> Rate:
    """The rate with its dimensional weight and insurance cost filled in where the carrier left them out.

    An estimated insurance charge is added to the amount unless the carrier's rule says its quote already
    holds it, so `amount` is always what the packer pays.
    """
    out = rate
    rule = dim_rule(rate.carrier, fallback_divisor_cm3_per_kg)
    if out.dimensional_weight is None and rule is not None:
        dimensional = billed_weight(rule, package).dimensional
        if dimensional is not None:
            out = replace(out, dimensional_weight=dimensional)
    insurance = INSURANCE_RULES.get(rate.carrier.strip().lower())
    if out.insurance_cost is None and insurance is not None:
        value = insured_value(insurance, package)
        # Face values only: a bench has no exchange rates, so another currency is left unpriced.
        if value is not None and value.currency == rate.amount.currency:
            fee = insurance.fee(value.amount)
            amount = rate.amount
            if not insurance.included_in_rate:
                amount = Money(rate.amount.amount + fee, rate.amount.currency)
            out = replace(out, amount=amount, insurance_cost=Money(fee, rate.amount.currency))
    return out
