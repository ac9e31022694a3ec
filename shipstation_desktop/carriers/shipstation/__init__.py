"""ShipStation API (ShipEngine): rates, labels, voids, tracking and address checks for every carrier
connected to one API key."""

from shipstation_desktop.carriers.context import CarrierContext
from shipstation_desktop.carriers.port import CarrierPort
from shipstation_desktop.carriers.registry import CarrierInfo

from .adapter import ShipStationAdapter
from .adapter import tracking_url as _tracking_url
from .tracking import parse_tracking


def build(ctx: CarrierContext) -> CarrierPort:
    return ShipStationAdapter(ctx)


def tracking_url(number: str) -> str:
    return _tracking_url(number)


INFO = CarrierInfo(
    "shipstation",
    "ShipStation",
    build,
    parse_tracking,
    tracking_url,
    secret_fields=("api_key",),
    account_label="Carrier ids (comma-separated; empty = all)",
)

__all__ = ["INFO", "ShipStationAdapter"]
