"""LSO: rates, labels, tracking, address checks and pickups (API designed from seed 004)."""

from shipstation_desktop.carriers.context import CarrierContext
from shipstation_desktop.carriers.port import CarrierPort
from shipstation_desktop.carriers.registry import CarrierInfo

from .adapter import LsoAdapter, tracking_url
from .tracking import parse_tracking


def build(ctx: CarrierContext) -> CarrierPort:
    return LsoAdapter(ctx)


INFO = CarrierInfo("lso", "LSO", build, parse_tracking, tracking_url, secret_fields=("api_key",))

__all__ = ["INFO", "LsoAdapter"]
