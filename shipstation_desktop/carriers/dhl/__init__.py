"""DHL Express: rates, labels, tracking (ten waybills a call) and delivery-area checks through the
MyDHL API (Basic auth)."""

from __future__ import annotations

from ..context import CarrierContext
from ..port import CarrierPort
from ..registry import CarrierInfo
from .adapter import DhlCarrier
from .tracking import CARRIER_NAME, TRACKING_URL, parse_body


def build(ctx: CarrierContext) -> CarrierPort:
    return DhlCarrier(ctx)


def tracking_url(number: str) -> str:
    return TRACKING_URL.format(number=number.strip().upper())


INFO = CarrierInfo(
    code="dhl",
    name=CARRIER_NAME,
    build=build,
    parse_tracking=parse_body,
    tracking_url=tracking_url,
    secret_fields=("api_key", "api_secret"),
    account_label="DHL Express account number",
)

__all__ = ["INFO", "DhlCarrier"]
