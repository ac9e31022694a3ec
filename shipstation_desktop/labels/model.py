"""What goes on the bench's own 4x6 in shipping label (carrier-supplied labels are printed as-is)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from shipstation_desktop.domain.models import PostalAddress, Shipment
from shipstation_desktop.domain.units import Weight, WeightUnit, lb_oz
from shipstation_desktop.labels import impb
from shipstation_desktop.labels.code128 import Symbol

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
    preview: bool = False  # an on-screen sample before purchase: marked so it is never mistaken for a label

    def __post_init__(self) -> None:
        if not _TRACKING.fullmatch(self.tracking_number):
            raise ValueError(f"tracking number {self.tracking_number!r} cannot be put in a Code 128 barcode")
        if self.is_usps:
            # A USPS label without its IMpb is refused at the counter: fail here, not at the post office.
            self.impb()

    @property
    def is_usps(self) -> bool:
        return impb.is_usps(self.carrier)

    def impb(self) -> Symbol | None:
        """The USPS IMpb symbol (None for other carriers and for USPS parcels going abroad)."""
        if not self.is_usps:
            return None
        return impb.impb_symbol(self.tracking_number, self.ship_to)

    @property
    def barcode_data(self) -> str:
        """What the Code 128 tracking barcode carries (USPS: the digits without spaces)."""
        if self.is_usps:
            return impb.package_code(self.tracking_number)
        return self.tracking_number

    @property
    def tracking_text(self) -> str:
        """The tracking number as printed under its barcode (USPS groups digits by four)."""
        if self.is_usps:
            return impb.human_readable(self.tracking_number)
        return self.tracking_number

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
