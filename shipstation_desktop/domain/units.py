"""Weight, length and money: Decimal everywhere, grams and millimetres as the stored base units."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum


class WeightUnit(StrEnum):
    G = "g"
    KG = "kg"
    LB = "lb"
    OZ = "oz"


class LengthUnit(StrEnum):
    MM = "mm"
    CM = "cm"
    IN = "in"


# Exact by definition (international avoirdupois pound, 1959).
GRAMS_PER: dict[WeightUnit, Decimal] = {
    WeightUnit.G: Decimal(1),
    WeightUnit.KG: Decimal(1000),
    WeightUnit.LB: Decimal("453.59237"),
    WeightUnit.OZ: Decimal("28.349523125"),
}
MM_PER: dict[LengthUnit, Decimal] = {
    LengthUnit.MM: Decimal(1),
    LengthUnit.CM: Decimal(10),
    LengthUnit.IN: Decimal("25.4"),
}


@dataclass(frozen=True, slots=True)
class Weight:
    """A weight as the scale (or person) reported it; `grams` is the exact canonical value."""

    value: Decimal
    unit: WeightUnit

    @classmethod
    def of(cls, value: Decimal | int | str | float, unit: WeightUnit | str) -> Weight:
        return cls(Decimal(str(value)), WeightUnit(unit))

    @classmethod
    def from_grams(cls, grams: Decimal | int | str, unit: WeightUnit = WeightUnit.G) -> Weight:
        g = Decimal(str(grams))
        return cls(g / GRAMS_PER[unit], unit)

    @property
    def grams(self) -> Decimal:
        return self.value * GRAMS_PER[self.unit]

    def to(self, unit: WeightUnit) -> Weight:
        return Weight(self.grams / GRAMS_PER[unit], unit)

    def rounded(self, places: int = 2) -> Decimal:
        return self.value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)

    def display(self, unit: WeightUnit | None = None, places: int = 2) -> str:
        w = self.to(unit) if unit else self
        return f"{w.rounded(places)} {w.unit.value}"


def lb_oz(weight: Weight) -> tuple[int, Decimal]:
    """Whole pounds and the remaining ounces (to 0.1 oz), as US benches show weight."""
    total_oz = weight.grams / GRAMS_PER[WeightUnit.OZ]
    pounds = int(total_oz // 16)
    ounces = (total_oz - pounds * 16).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if ounces >= 16:
        pounds, ounces = pounds + 1, ounces - 16
    return pounds, ounces


@dataclass(frozen=True, slots=True)
class Dimensions:
    length: Decimal
    width: Decimal
    height: Decimal
    unit: LengthUnit = LengthUnit.CM

    def mm(self) -> tuple[Decimal, Decimal, Decimal]:
        f = MM_PER[self.unit]
        return (self.length * f, self.width * f, self.height * f)

    def volume_cm3(self) -> Decimal:
        length, width, height = self.mm()
        return length * width * height / 1000


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str = "USD"

    def __post_init__(self) -> None:
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise ValueError(f"currency must be an ISO 4217 code, got {self.currency!r}")

    def __str__(self) -> str:
        return f"{self.amount.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)} {self.currency}"
