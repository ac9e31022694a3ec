"""How often the tracking poller asks a carrier about a parcel, by where the parcel is.

Seed 000 asks for a tracking lag under 30 minutes on average: a parcel on the move is polled every
30 minutes (15 minutes' average lag), one out for delivery every 10 (the customer is waiting at the
door), while a label nobody has scanned yet is only checked hourly. Terminal parcels are never
polled again. Failures back off so a carrier outage does not turn into a storm of retries.
"""

from __future__ import annotations

from datetime import timedelta

from .enums import ShipmentStatus
from .states import SHIPMENT_TERMINAL

INTERVALS: dict[ShipmentStatus, timedelta] = {
    ShipmentStatus.PENDING: timedelta(hours=1),
    ShipmentStatus.LABEL_CREATED: timedelta(hours=1),
    ShipmentStatus.PICKED_UP: timedelta(minutes=30),
    ShipmentStatus.IN_TRANSIT: timedelta(minutes=30),
    ShipmentStatus.OUT_FOR_DELIVERY: timedelta(minutes=10),
}
NOT_FOUND_INTERVAL = timedelta(hours=1)  # carriers often know a label only after the first scan
FAILURE_BASE = timedelta(minutes=5)
FAILURE_CAP = timedelta(hours=6)


def next_interval(status: ShipmentStatus) -> timedelta | None:
    """None: stop polling (delivered, returned, lost, damaged, cancelled)."""
    if status in SHIPMENT_TERMINAL:
        return None
    return INTERVALS.get(status, timedelta(minutes=30))


def failure_backoff(failures: int) -> timedelta:
    """5 min, 10, 20, 40 … capped at 6 h, after the n-th consecutive failure (n ≥ 1)."""
    backoff: timedelta = FAILURE_BASE * (2 ** max(0, failures - 1))
    return min(FAILURE_CAP, backoff)
