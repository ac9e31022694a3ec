"""Booking a carrier pickup at the warehouse (seed 004's PickupRequest), for the GUI and the CLI.

The carrier comes from the bench's wired ports when it is there, else it is built from its account
in settings with the keyring's credentials (a supervisor can book a pickup for a carrier the bench
does not ship with today).
"""

from __future__ import annotations

import importlib
import re
from datetime import date, timedelta

from shipstation_desktop.carriers.context import CarrierContext
from shipstation_desktop.carriers.pickups import TIME_SLOTS, PickupCapable, PickupConfirmation
from shipstation_desktop.carriers.port import CarrierPort, close_adapter
from shipstation_desktop.carriers.registry import CarrierInfo
from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.settings.secrets import secret_key

from .bench import Bench
from .packing import ship_from

MAX_PACKAGES = 500
_CODE = re.compile(r"[a-z][a-z0-9_]*")


def schedule_pickup(
    bench: Bench,
    carrier_code: str,
    day: date,
    slot: str = "morning",
    packages: int = 1,
    instructions: str = "",
) -> PickupConfirmation:
    """Asks the carrier to collect `packages` parcels from the bench's ship-from address on `day`."""
    code = carrier_code.strip().lower()
    if slot not in TIME_SLOTS:
        raise UserError(f"{slot!r} is not a pickup slot; choose {' or '.join(TIME_SLOTS)}")
    if not 1 <= packages <= MAX_PACKAGES:
        raise UserError(f"a pickup is for 1 to {MAX_PACKAGES} packages, not {packages}")
    tomorrow = bench.clock.now().date() + timedelta(days=1)
    if day < tomorrow:
        raise UserError(f"a pickup can be booked for {tomorrow.isoformat()} or later, not {day.isoformat()}")
    port, built = _carrier(bench, code)
    try:
        if not isinstance(port, PickupCapable) or not port.capabilities.can_pickup:
            raise UserError(f"{port.name} does not take pickup requests from this bench")
        return port.request_pickup(ship_from(bench), day, slot, packages, instructions.strip())
    finally:
        if built:
            close_client(port)


def _carrier(bench: Bench, code: str) -> tuple[CarrierPort, bool]:
    """The carrier port and whether it was built here (and must be closed here)."""
    wired = bench.carriers.get(code)
    if wired is not None:
        return wired, False
    account = next((a for a in bench.settings.carriers if a.code == code and a.enabled), None)
    if account is None:
        raise UserError(f"carrier {code!r} is not set up on this bench; add it in Preferences → Carriers")
    info = _info(code)
    if info.build is None:
        raise UserError(f"{info.name} is tracking-only on this bench: it takes no pickup requests")
    context = CarrierContext(
        account=account, secret=lambda name: bench.secrets.get(secret_key(code, name)), clock=bench.clock
    )
    return info.build(context), True


def _info(code: str) -> CarrierInfo:
    # Only this carrier's package is imported (not every carrier the registry lists).
    if not _CODE.fullmatch(code):
        raise UserError(f"unknown carrier {code!r}")
    try:
        module = importlib.import_module(f"shipstation_desktop.carriers.{code}")
    except ModuleNotFoundError:
        raise UserError(f"unknown carrier {code!r}") from None
    info = getattr(module, "INFO", None)
    if not isinstance(info, CarrierInfo):
        raise UserError(f"unknown carrier {code!r}")
    return info


def close_client(port: CarrierPort) -> None:
    """Closes an adapter's HTTP client, if it has one (kept for callers; see carriers.port.close_adapter)."""
    close_adapter(port)
