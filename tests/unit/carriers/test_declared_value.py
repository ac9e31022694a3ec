"""Insurance asked for at the bench reaches the carrier: the quote and the label both carry it."""

from __future__ import annotations

from decimal import Decimal

from shipstation_desktop.carriers.fedex import payloads as fedex
from shipstation_desktop.carriers.ups import payloads as ups
from shipstation_desktop.domain.models import Package
from shipstation_desktop.domain.units import Money, Weight


def test_ups_and_fedex_send_the_insured_amount_as_declared_value() -> None:
    insured = Package(Weight.of(2, "kg"), insurance=Money(Decimal("400"), "USD"))
    plain = Package(Weight.of(2, "kg"))
    assert ups.package(insured, False, packaging_key="Packaging")["PackageServiceOptions"] == {
        "DeclaredValue": {"CurrencyCode": "USD", "MonetaryValue": "400.00"}
    }
    assert "PackageServiceOptions" not in ups.package(plain, False, packaging_key="Packaging")
    assert fedex.line_item(insured, False)["declaredValue"] == {"amount": 400.0, "currency": "USD"}
    assert "declaredValue" not in fedex.line_item(plain, False)
