"""How values look on screen: weights in the bench's unit, times in local time, money."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from shipstation_desktop.domain.units import Money, Weight, WeightUnit, lb_oz

# Display places per unit: what a shipping scale shows (whole grams, 0.1 oz, …).
_PLACES: dict[WeightUnit, int] = {WeightUnit.G: 0, WeightUnit.KG: 3, WeightUnit.OZ: 1, WeightUnit.LB: 2}


def weight(value: Weight, unit: WeightUnit) -> str:
    """US benches read pounds and ounces ("2 lb 3.4 oz"); every other unit is a plain number."""
    if unit is WeightUnit.LB:
        # lb_oz floors, so a below-zero reading is split as its magnitude and signed afterwards.
        pounds, ounces = lb_oz(Weight(abs(value.value), value.unit))
        sign = "-" if value.value < 0 else ""
        return f"{sign}{pounds} lb {ounces} oz"
    return value.display(unit, _PLACES[unit])


def grams(value: Decimal | None, unit: WeightUnit) -> str:
    if value is None:
        return "—"
    return weight(Weight.from_grams(value), unit)


def local_time(value: datetime | None, with_seconds: bool = False) -> str:
    """Stored times are UTC; the bench shows them in the computer's local zone."""
    if value is None:
        return ""
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M")


def money(value: Money | None) -> str:
    return "" if value is None else str(value)


def title(code: str) -> str:
    """An enum value as a person reads it: OUT_FOR_DELIVERY -> "Out for delivery"."""
    return code.replace("_", " ").capitalize()
