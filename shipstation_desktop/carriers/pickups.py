"""Pickup requests: asking a carrier to collect parcels from the warehouse on a given day.

Not every carrier takes pickup requests through its API, so this is a separate, optional port:
an adapter that can do it implements `PickupCapable` and says `capabilities.can_pickup=True`.
Seed 004 names the pieces (PickupRequest: address, pickupDate, timeSlot, specialInstructions, status).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol, runtime_checkable

from shipstation_desktop.domain.models import PostalAddress

# The slots benches offer; carriers with finer windows map these onto their own.
TIME_SLOTS: tuple[str, ...] = ("morning", "afternoon")


@dataclass(frozen=True, slots=True)
class PickupConfirmation:
    confirmation: str  # the carrier's pickup id, quoted when calling the carrier about it
    carrier: str
    date: date
    time_slot: str
    status: str = "scheduled"  # seed 004 PickupStatus, lower case
    packages: int = 1


@runtime_checkable
class PickupCapable(Protocol):
    def request_pickup(
        self, address: PostalAddress, day: date, time_slot: str, packages: int, instructions: str = ""
    ) -> PickupConfirmation: ...
