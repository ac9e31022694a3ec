"""China Post / EMS: tracking only, with UPU S10 number validation."""

from shipstation_desktop.carriers.context import CarrierContext
from shipstation_desktop.carriers.port import CarrierPort
from shipstation_desktop.carriers.registry import CarrierInfo

from .adapter import ChinaPostAdapter, tracking_url
from .tracking import parse_tracking


def build(ctx: CarrierContext) -> CarrierPort:
    return ChinaPostAdapter(ctx)


INFO = CarrierInfo("china_post", "China Post", build, parse_tracking, tracking_url, secret_fields=())

__all__ = ["INFO", "ChinaPostAdapter"]
