"""UPS: rates, labels, voids, tracking and address checks through UPS's REST APIs (OAuth)."""

from __future__ import annotations

from ..context import CarrierContext
from ..port import CarrierPort
from ..registry import CarrierInfo
from .adapter import UpsCarrier
from .tracking import CARRIER_NAME, TRACKING_URL, parse_body


def build(ctx: CarrierContext) -> CarrierPort:
    return UpsCarrier(ctx)


def tracking_url(number: str) -> str:
    return TRACKING_URL.format(number=number.strip().upper())


INFO = CarrierInfo(
    code="ups",
    name=CARRIER_NAME,
    build=build,
    parse_tracking=parse_body,
    tracking_url=tracking_url,
    secret_fields=("client_id", "client_secret"),
    account_label="Shipper number",
)

__all__ = ["INFO", "UpsCarrier"]
