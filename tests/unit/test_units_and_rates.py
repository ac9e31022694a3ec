from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shipstation_desktop.domain.enums import RateRule
from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.domain.ids import uuid7
from shipstation_desktop.domain.rates import (
    Rate,
    billable_weight,
    check_weight,
    dimensional_weight,
    require_within_limit,
    select_rate,
)
from shipstation_desktop.domain.units import Dimensions, LengthUnit, Money, Weight, WeightUnit, lb_oz


def test_conversions_are_exact() -> None:
    assert Weight.of(1, "lb").grams == Decimal("453.59237")
    assert Weight.of(1, "oz").grams == Decimal("28.349523125")
    assert Weight.of(16, "oz").grams == Weight.of(1, "lb").grams
    assert Weight.of("2.5", "kg").to(WeightUnit.G).value == Decimal(2500)


@given(st.decimals(min_value=Decimal("0.001"), max_value=Decimal(100000), places=3))
def test_round_trip_through_every_unit_keeps_grams(grams: Decimal) -> None:
    w = Weight.from_grams(grams)
    for unit in WeightUnit:
        assert w.to(unit).grams.quantize(Decimal("0.000001")) == grams.quantize(Decimal("0.000001"))


def test_lb_oz_display() -> None:
    assert lb_oz(Weight.of("2.5", "lb")) == (2, Decimal("8.0"))
    assert lb_oz(Weight.of("15.99", "oz")) == (1, Decimal("0.0"))  # rounds up into the next pound
    assert Weight.of("1.234", "kg").display(WeightUnit.G, 0) == "1234 g"


def test_money_requires_iso_code() -> None:
    assert str(Money(Decimal("3.456"), "EUR")) == "3.46 EUR"
    with pytest.raises(ValueError, match="ISO 4217"):
        Money(Decimal(1), "euro")


def test_dimensional_weight_and_billable_weight() -> None:
    box = Dimensions(Decimal(50), Decimal(40), Decimal(30), LengthUnit.CM)  # 60 000 cm³
    assert dimensional_weight(box, Decimal(5000)).grams == Decimal(12000)
    light = Weight.of(2, "kg")
    assert billable_weight(light, box, Decimal(5000), Decimal(500)).grams == Decimal(12000)
    assert billable_weight(Weight.of(1201, "g"), None, Decimal(5000), Decimal(500)).grams == Decimal(1500)
    inches = Dimensions(Decimal(10), Decimal(10), Decimal(10), LengthUnit.IN)
    assert inches.volume_cm3() == Decimal("16387.064")


def _rate(service: str, amount: str, days: int) -> Rate:
    return Rate("sim", service, service.title(), Money(Decimal(amount)), days, Weight.of(1, "kg"))


def test_rate_rules() -> None:
    rates = [_rate("GROUND", "8.10", 5), _rate("EXPRESS", "19.00", 2), _rate("OVERNIGHT", "41.00", 1)]
    assert select_rate(rates, RateRule.CHEAPEST).service == "GROUND"  # type: ignore[union-attr]
    assert select_rate(rates, RateRule.FASTEST).service == "OVERNIGHT"  # type: ignore[union-attr]
    tie = [_rate("B", "5.00", 3), _rate("A", "5.00", 2)]
    assert select_rate(tie, RateRule.CHEAPEST).service == "A"  # type: ignore[union-attr]
    assert select_rate([], RateRule.CHEAPEST) is None


def test_weight_check_with_tolerance() -> None:
    expected = Weight.of(1000, "g")
    assert check_weight(Weight.of(1090, "g"), expected, Decimal(10)).ok
    heavy = check_weight(Weight.of(1150, "g"), expected, Decimal(10))
    assert not heavy.ok
    assert "150 g heavier" in heavy.message()
    assert check_weight(Weight.of(5, "kg"), None, Decimal(10)).ok


def test_carrier_limit() -> None:
    require_within_limit(Weight.of(68, "kg"), Decimal(68000), "Sim")
    with pytest.raises(UserError, match=r"over Sim's limit of 68\.0 kg"):
        require_within_limit(Weight.of("68.1", "kg"), Decimal(68000), "Sim")
    with pytest.raises(UserError, match="no weight"):
        require_within_limit(Weight.of(0, "g"), Decimal(68000), "Sim")


def test_uuid7_layout_and_order() -> None:
    a = uuid7(1_700_000_000_000)
    b = uuid7(1_700_000_000_001)
    assert a[14] == "7" and a[19] in "89ab"
    assert a < b
    assert int(a.replace("-", "")[:12], 16) == 1_700_000_000_000
    assert datetime.fromtimestamp(1_700_000_000, UTC).year == 2023


def test_uuid7_is_monotonic_within_a_millisecond() -> None:
    ids = [uuid7() for _ in range(5000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
