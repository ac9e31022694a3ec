"""FedEx: rates, labels, cancels, batch tracking and address checks through FedEx's REST APIs (OAuth)."""

from __future__ import annotations

from ..context import CarrierContext
from ..port import CarrierPort
from ..registry import CarrierInfo
from .adapter import FedExCarrier
from .tracking import CARRIER_NAME, TRACKING_URL, parse_body


def build(ctx: CarrierContext) -> CarrierPort:
    return FedExCarrier(ctx)


def tracking_url(number: str) -> str:
    return TRACKING_URL.format(number=number.strip())


INFO = CarrierInfo(
    code="fedex",
    name=CARRIER_NAME,
    build=build,
    parse_tracking=parse_body,
    tracking_url=tracking_url,
    secret_fields=("client_id", "client_secret"),
    account_label="Account number",
)

__all__ = ["INFO", "FedExCarrier"]
