"""USPS: domestic rates, labels (paid from an EPS account), voids, tracking and address checks
through USPS APIs v3 (OAuth 2.0 + payment authorization)."""

from __future__ import annotations

from ..context import CarrierContext
from ..port import CarrierPort
from ..registry import CarrierInfo
from .adapter import UspsCarrier
from .tracking import CARRIER_NAME, TRACKING_URL, parse_body


def build(ctx: CarrierContext) -> CarrierPort:
    return UspsCarrier(ctx)


def tracking_url(number: str) -> str:
    return TRACKING_URL.format(number=number.strip().upper())


INFO = CarrierInfo(
    code="usps",
    name=CARRIER_NAME,
    build=build,
    parse_tracking=parse_body,
    tracking_url=tracking_url,
    # CRID and MID come from the Business Customer Gateway; the account number is the EPS account.
    secret_fields=("client_id", "client_secret", "crid", "mid"),
    account_label="EPS account number",
)

__all__ = ["INFO", "UspsCarrier"]
