"""Correos (Spain): tracking only."""

from shipstation_desktop.carriers.context import CarrierContext
from shipstation_desktop.carriers.port import CarrierPort
from shipstation_desktop.carriers.registry import CarrierInfo

from .adapter import CorreosAdapter, tracking_url
from .tracking import parse_tracking


def build(ctx: CarrierContext) -> CarrierPort:
    return CorreosAdapter(ctx)


INFO = CarrierInfo("correos", "Correos", build, parse_tracking, tracking_url, secret_fields=())

__all__ = ["INFO", "CorreosAdapter"]
