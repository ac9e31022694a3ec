"""LSO's shipping rules from seed 004 (validators, RateService), kept as data.

The adapter checks parcels against these limits before calling LSO (a clear message at the bench
instead of a round trip), and the fake server enforces the same rules, so both agree by construction.

Seed 004 names the rate steps (dimensional weight = L x W x H / factor, the greater of actual and
dimensional weight, a base rate per service type, additional-service charges) but not the numbers;
the tariff below is this bench's stand-in until LSO's contract prices are loaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

# packageSchema / shipmentSchema limits (seed 004, "Validation Layer").
MAX_PACKAGES = 50
MAX_SIDE_CM = Decimal(300)
MIN_WEIGHT_KG = Decimal("0.1")
MAX_WEIGHT_KG = Decimal(1000)
MAX_REFERENCE = 50
MAX_INSTRUCTIONS = 500
MAX_DESCRIPTION = 200
E164 = re.compile(r"^\+?[1-9]\d{1,14}$")
TRACKING_PATTERN = re.compile(r"^LSO\d{10}[0-9]$")

SERVICE_TYPES = ("express", "freight", "international", "special")
DIM_DIVISOR_CM3_PER_KG = Decimal(5000)  # the "Dimensional Factor" for cm and kg
BILLING_STEP_KG = Decimal("0.5")
CURRENCY = "USD"
_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Tariff:
    service_type: str
    name: str
    base: Decimal  # per shipment
    per_kg: Decimal  # per billable kg
    transit_days: int
    international: bool
    min_billable_kg: Decimal = Decimal(0)


TARIFFS: tuple[Tariff, ...] = (
    Tariff("express", "LSO Express", Decimal("12.50"), Decimal("1.80"), 1, False),
    Tariff("freight", "LSO Freight", Decimal("45.00"), Decimal("0.65"), 4, False, Decimal(20)),
    Tariff("special", "LSO Special Handling", Decimal("60.00"), Decimal("2.40"), 2, False),
    Tariff("international", "LSO International", Decimal("28.00"), Decimal("4.20"), 6, True),
)

# Additional services: a flat fee, except insurance (a share of the declared value, with a floor).
FLAT_FEES = {"signature": Decimal("3.50"), "saturday": Decimal("15.00")}
INSURANCE_RATE = Decimal("0.015")
INSURANCE_MINIMUM = Decimal("2.00")
ADDITIONAL_SERVICES = (*FLAT_FEES, "insurance")

PICKUP_SLOTS = {"morning": "09:00-12:00", "afternoon": "13:00-17:00"}


def dimensional_weight_kg(length: Decimal, width: Decimal, height: Decimal) -> Decimal:
    return length * width * height / DIM_DIVISOR_CM3_PER_KG


def billable_kg(packages: list[tuple[Decimal, Decimal, Decimal, Decimal]]) -> Decimal:
    """Per package the greater of actual and dimensional weight, summed, rounded up to 0.5 kg.

    Each package is (length, width, height, weight) in cm and kg."""
    total = sum((max(w, dimensional_weight_kg(length, width, h)) for length, width, h, w in packages), Decimal(0))
    steps = (total / BILLING_STEP_KG).to_integral_value(rounding=ROUND_CEILING)
    return max(steps, Decimal(1)) * BILLING_STEP_KG


def additional_charges(services: list[str], declared_value: Decimal) -> Decimal:
    total = Decimal(0)
    for service in services:
        if service == "insurance":
            total += max(INSURANCE_MINIMUM, declared_value * INSURANCE_RATE)
        else:
            total += FLAT_FEES[service]
    return total.quantize(_CENT, rounding=ROUND_HALF_UP)


def base_rate(tariff: Tariff, billable: Decimal) -> Decimal:
    kg = max(billable, tariff.min_billable_kg)
    return (tariff.base + tariff.per_kg * kg).quantize(_CENT, rounding=ROUND_HALF_UP)


def tariffs_for(origin_country: str, destination_country: str) -> tuple[Tariff, ...]:
    international = origin_country.strip().upper() != destination_country.strip().upper()
    return tuple(t for t in TARIFFS if t.international == international)
