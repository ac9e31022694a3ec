"""Reconciliation rules with known answers: what a billed line means against what was shipped."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shipstation_desktop.domain import costs
from shipstation_desktop.domain.costs import AdjustmentKind, InvoiceLine, Outcome, Shipped, Surcharge
from shipstation_desktop.domain.enums import ExceptionSeverity
from shipstation_desktop.domain.units import Dimensions, LengthUnit, Money, Weight, WeightUnit
from shipstation_desktop.services.invoice_csv import header_key, parse_amount

BOX = Dimensions(Decimal(300), Decimal(220), Decimal(100), LengthUnit.MM)
SHIPPED = Shipped("ZL1", Money(Decimal("9.95")), Weight.of("2.0", "kg"), BOX)


def line(total: str, **kw: object) -> InvoiceLine:
    return InvoiceLine(row_number=2, invoice_number="INV-1", total=Money(Decimal(total)), tracking_number="ZL1", **kw)  # type: ignore[arg-type]


def test_same_price_within_a_cent_is_matched() -> None:
    for total in ("9.95", "9.96", "9.94"):
        rec = costs.reconcile(line(total), SHIPPED)
        assert rec.outcome is Outcome.MATCHED and not rec.needs_supervisor
    assert costs.reconcile(line("9.97"), SHIPPED).outcome is Outcome.ADJUSTED


def test_weight_correction_names_both_weights_and_the_difference() -> None:
    rec = costs.reconcile(line("12.40", weight=Weight.of("3.5", "kg")), SHIPPED)
    assert rec.outcome is Outcome.ADJUSTED
    assert rec.difference == Decimal("2.45")
    assert [a.kind for a in rec.adjustments] == [AdjustmentKind.WEIGHT_CORRECTION]
    assert rec.describe() == "billed 12.40 USD, quoted 9.95 USD (+2.45): weight corrected 2.0 kg → 3.5 kg"
    assert rec.severity is ExceptionSeverity.MEDIUM


@pytest.mark.parametrize(
    ("shipped", "billed", "corrected"),
    [
        (Weight.of("2.0", "kg"), Weight.of(5, "lb"), False),  # 4.41 lb rounds up to 5: carrier rounding
        (Weight.of("2.0", "kg"), Weight.of(6, "lb"), True),
        (Weight.of("2.0", "kg"), Weight.of("2.0", "kg"), False),
        (Weight.of("1.2", "kg"), Weight.of("2.0", "kg"), False),  # rounded up to the whole kilo
        (Weight.of("1.2", "kg"), Weight.of("2.5", "kg"), True),
        (Weight.of(16, "oz"), Weight.of(1, "lb"), False),
    ],
)
def test_only_more_than_the_carrier_rounding_is_a_weight_correction(
    shipped: Weight, billed: Weight, corrected: bool
) -> None:
    assert costs.weight_corrected(shipped, billed) is corrected


def test_dimension_correction_in_the_carriers_unit() -> None:
    billed_box = Dimensions(Decimal(40), Decimal(30), Decimal(20), LengthUnit.CM)
    rec = costs.reconcile(line("15.95", dimensions=billed_box, dim_weight=Weight.of("4.8", "kg")), SHIPPED)
    assert rec.reasons() == "dimensions corrected 30×22×10 cm → 40×30×20 cm (dimensional weight 4.8 kg)"
    # The same box measured in another order or within a centimetre is not a correction.
    same = Dimensions(Decimal("10.4"), Decimal("30.5"), Decimal("21.8"), LengthUnit.CM)
    assert costs.dimension_change(BOX, same) == ""
    inches = Dimensions(Decimal(16), Decimal(12), Decimal(8), LengthUnit.IN)
    assert costs.dimension_change(BOX, inches) == "dimensions corrected 11.8×8.7×3.9 in → 16×12×8 in"
    assert costs.dimension_change(None, billed_box) == "billed dimensions 40×30×20 cm (none recorded at packing)"


def test_fuel_is_expected_other_surcharges_are_reasons() -> None:
    fuel = Surcharge("FUEL", "Fuel surcharge", Decimal("1.00"))
    residential = Surcharge("RESIDENTIAL", "Residential surcharge", Decimal("4.50"))
    rec = costs.reconcile(line("14.45", surcharges=(fuel, residential)), SHIPPED)
    assert [a.kind for a in rec.adjustments] == [AdjustmentKind.SURCHARGE]
    assert rec.reasons() == "surcharges Residential surcharge +4.50"
    only_fuel = costs.reconcile(line("10.95", surcharges=(fuel,)), SHIPPED)
    assert [a.kind for a in only_fuel.adjustments] == [AdjustmentKind.PRICE_DIFFERENCE]


def test_a_credit_is_an_adjustment_of_low_severity() -> None:
    rec = costs.reconcile(line("8.00"), SHIPPED)
    assert rec.outcome is Outcome.ADJUSTED and rec.difference == Decimal("-1.95")
    assert rec.describe() == "billed 8.00 USD, quoted 9.95 USD (-1.95): price differs from the quote"
    assert rec.severity is ExceptionSeverity.LOW


def test_severity_grows_with_the_money_at_stake() -> None:
    assert costs.severity_for(Decimal("0.50")) is ExceptionSeverity.MEDIUM
    assert costs.severity_for(Decimal("10.00")) is ExceptionSeverity.MEDIUM
    assert costs.severity_for(Decimal("10.01")) is ExceptionSeverity.HIGH
    assert costs.severity_for(Decimal("75")) is ExceptionSeverity.CRITICAL
    assert costs.severity_for(None) is ExceptionSeverity.MEDIUM


def test_unmatched_duplicate_and_voided() -> None:
    assert costs.reconcile(line("7.50"), None).outcome is Outcome.UNMATCHED
    twice = costs.reconcile(line("9.95"), SHIPPED, seen_in_file=True)
    assert twice.outcome is Outcome.DUPLICATE and twice.difference == Decimal("9.95") and twice.needs_supervisor
    earlier = Shipped("ZL1", SHIPPED.quoted, SHIPPED.weight, already_billed=Money(Decimal("9.95")))
    assert "already billed 9.95 USD" in costs.reconcile(line("9.95"), earlier).reasons()
    voided = Shipped("ZL1", SHIPPED.quoted, SHIPPED.weight, cancelled=True)
    rec = costs.reconcile(line("9.95"), voided)
    assert rec.outcome is Outcome.ADJUSTED and rec.difference == Decimal("9.95")
    assert rec.adjustments[0].kind is AdjustmentKind.VOIDED_LABEL_BILLED


def test_another_currency_cannot_be_compared() -> None:
    eur = InvoiceLine(row_number=2, invoice_number="I", total=Money(Decimal("9.95"), "EUR"), tracking_number="ZL1")
    rec = costs.reconcile(eur, SHIPPED)
    assert rec.outcome is Outcome.ADJUSTED and rec.difference is None
    assert rec.reasons() == "billed in EUR, quoted in USD"


def test_cost_summary_for_the_shipment_detail() -> None:
    quote = Money(Decimal("9.95"))
    assert costs.CostSummary(quote, None).describe() == "not billed yet"
    assert costs.CostSummary(quote, Money(Decimal("9.95"))).describe() == "9.95 USD"
    assert costs.CostSummary(quote, Money(Decimal("12.4"))).describe() == "12.40 USD (+2.45 against the quote)"
    assert costs.CostSummary(quote, Money(Decimal("12.4"))).difference == Decimal("2.45")


@pytest.mark.parametrize(
    ("text", "decimal_comma", "expected"),
    [
        ("12.40", False, Decimal("12.40")),
        ("$1,234.50", False, Decimal("1234.50")),
        ("1.234,50", True, Decimal("1234.50")),
        ("12,40", False, Decimal("12.40")),
        ("1,250", True, Decimal("1.250")),  # a semicolon file's decimal comma
        ("1,250", False, Decimal("1250")),  # a comma file's thousands
        ("(2.00)", False, Decimal("-2.00")),
        ("-2.00 USD", False, Decimal("-2.00")),
        ("  ", False, None),
    ],
)
def test_amounts_as_billing_exports_write_them(text: str, decimal_comma: bool, expected: Decimal | None) -> None:
    assert parse_amount(text, decimal_comma) == expected


def test_bad_amounts_and_header_keys() -> None:
    for bad in ("abc", "NaN", "Infinity", "1.2.3"):
        with pytest.raises(ValueError):
            parse_amount(bad)
    assert header_key("Weight (kg)") == header_key("weightKg") == "weightkg"
    assert costs.normalize_tracking(" 'zl 0000-0001 ") == "ZL00000001"
    assert Weight.of(5, WeightUnit.LB).display(places=1) == "5.0 lb"
