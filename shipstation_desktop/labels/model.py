"""What goes on the bench's own 4x6 in shipping label (carrier-supplied labels are printed as-is)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from shipstation_desktop.domain.models import PostalAddress, Shipment
from shipstation_desktop.domain.units import Weight, WeightUnit, lb_oz

# Carrier tracking numbers are letters, digits and the odd separator. Anything else would need
# Code 128 control handling (and ZPL escaping inside a barcode), so it is refused up front.
_TRACKING = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ./-]{0,47}")


@dataclass(frozen=True, slots=True)
class LabelData:
    carrier: str
    service: str
    tracking_number: str
    reference: str  # the order number
    weight: Weight
    ship_from: PostalAddress
    ship_to: PostalAddress
    date: datetime
    tracking_url: str = ""

    def __post_init__(self) -> None:
        if not _TRACKING.fullmatch(self.tracking_number):
            raise ValueError(f"tracking number {self.tracking_number!r} cannot be put in a Code 128 barcode")

    @classmethod
    def from_shipment(cls, shipment: Shipment) -> LabelData:
        return cls(
            carrier=shipment.carrier,
            service=shipment.service,
            tracking_number=shipment.tracking_number,
            reference=shipment.order_number,
            weight=shipment.weight,
            ship_from=shipment.ship_from,
            ship_to=shipment.ship_to,
            date=shipment.label_created_at or shipment.created_at,
            tracking_url=shipment.tracking_url,
        )


def weight_text(weight: Weight) -> str:
    """The weight as carriers print it: lb + oz for imperial scales, kg (or g) for metric."""
    if weight.unit in (WeightUnit.LB, WeightUnit.OZ):
        pounds, ounces = lb_oz(weight)
        return f"{pounds} lb {ounces} oz"
    if weight.unit is WeightUnit.G:
        return weight.display(places=0)
    return weight.to(WeightUnit.KG).display(places=2)


def date_text(value: datetime) -> str:
    return value.strftime("%Y-%m-%d")
