"""Every carrier the bench knows: how to build its adapter, parse its tracking bodies, link to it.

Each carrier package exposes `INFO: CarrierInfo`; this module only lists the packages, imports them
when first asked (start-up stays fast) and answers by code.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from shipstation_desktop.domain.errors import UserError

from .context import CarrierContext
from .port import CarrierPort, TrackingResult

Builder = Callable[[CarrierContext], CarrierPort]
TrackingParser = Callable[[bytes], TrackingResult]

# Package names under shipstation_desktop.carriers, in the order Preferences lists them.
_PACKAGES = ("ups", "fedex", "usps", "dhl", "shipstation", "lso", "china_post", "correos")


@dataclass(frozen=True, slots=True)
class CarrierInfo:
    code: str
    name: str
    build: Builder | None  # None: tracking only (no rates or labels through this bench)
    parse_tracking: TrackingParser | None  # the carrier's raw tracking response body -> result
    tracking_url: Callable[[str], str]
    secret_fields: tuple[str, ...] = ()  # keyring fields Preferences asks for, e.g. ("client_id", "client_secret")
    account_label: str = "Account number"


_loaded: dict[str, CarrierInfo] = {}


def _load(package: str) -> CarrierInfo:
    if package not in _loaded:
        _loaded[package] = importlib.import_module(f"{__package__}.{package}").INFO
    return _loaded[package]


def carriers() -> dict[str, CarrierInfo]:
    """Every carrier, by code (imports them all: for lists, not for one look-up)."""
    return {info.code: info for info in map(_load, _PACKAGES)}


def get(code: str) -> CarrierInfo:
    """One carrier by code; only its package is imported (package names are the codes)."""
    wanted = code.strip().lower()
    if wanted not in _PACKAGES:
        raise UserError(f"unknown carrier {code!r}; known carriers: {', '.join(sorted(_PACKAGES))}")
    return _load(wanted)


def build(context: CarrierContext) -> CarrierPort:
    info = get(context.code)
    if info.build is None:
        raise UserError(f"{info.name} is tracking-only on this bench: it cannot quote or buy labels")
    return info.build(context)
