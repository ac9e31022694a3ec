"""The supervisor queue's rules, as data: how bad each exception is, when it escalates, how old is too old,
and which open problem a new report duplicates.

Every raiser asks `severity_for`; services/exceptions.py applies it when a problem is raised or raised again.
Pure: no I/O, no clock of its own (callers pass `now`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from . import costs
from .enums import ExceptionSeverity as S
from .enums import ExceptionType as T

# The level a problem starts at. Carrier news follows what it costs the customer: weather is nobody's
# fault and resolves itself; a lost parcel needs a replacement today.
BASE_SEVERITY: Mapping[T, S] = MappingProxyType(
    {
        T.WEATHER_DELAY: S.LOW,
        T.CUSTOMS_DELAY: S.MEDIUM,
        T.DELIVERY_FAILED: S.MEDIUM,
        T.ADDRESS_ISSUE: S.HIGH,
        T.REFUSED_BY_RECIPIENT: S.HIGH,
        T.DAMAGED_IN_TRANSIT: S.HIGH,
        T.LOST_IN_TRANSIT: S.CRITICAL,
        T.WEIGHT_MISMATCH: S.MEDIUM,
        T.LOW_STOCK: S.MEDIUM,
        # Invoice reconciliation: the base level; a cost adjustment follows its amount (AMOUNT_RULES).
        T.COST_ADJUSTMENT: S.MEDIUM,
        T.UNMATCHED_INVOICE_LINE: S.MEDIUM,
        # Money may have left the account for a label nobody has: look before the next purchase.
        T.LABEL_PURCHASE_UNCONFIRMED: S.HIGH,
        T.PRINT_FAILED: S.LOW,  # the label is bought and stored; reprinting fixes it
        T.DUPLICATE_LABEL: S.HIGH,
        T.SYNC_REJECTED: S.HIGH,
    }
)

# (from this attempt on, severity), checked top down. Carriers try about three times before returning
# the parcel to the sender, so the second failure is the last chance to fix the address or call.
ATTEMPT_RULES: Mapping[T, tuple[tuple[int, S], ...]] = MappingProxyType(
    {
        T.DELIVERY_FAILED: ((3, S.CRITICAL), (2, S.HIGH)),
    }
)

# Types whose severity follows the money at stake (domain/costs.py's steps, kept there).
AMOUNT_RULES: Mapping[T, tuple[tuple[Decimal, S], ...]] = MappingProxyType(
    {
        T.COST_ADJUSTMENT: costs.SEVERITY_STEPS,
    }
)

# Named conditions a raiser may report, e.g. a SKU that is out rather than merely low.
CONDITION_RULES: Mapping[tuple[T, str], S] = MappingProxyType(
    {
        (T.LOW_STOCK, "out_of_stock"): S.HIGH,
    }
)

RANK: Mapping[S, int] = MappingProxyType({s: i for i, s in enumerate(S)})  # LOW=0 … CRITICAL=3


def worse(a: S, b: S) -> S:
    return a if RANK[a] >= RANK[b] else b


def severity_for(
    type: T,
    *,
    attempts: int = 1,
    amount: Decimal | None = None,
    condition: str | None = None,
) -> S:
    """How bad this problem is now. Escalation only ever raises the base level."""
    level = BASE_SEVERITY.get(type, S.MEDIUM)
    for from_attempt, severity in ATTEMPT_RULES.get(type, ()):
        if attempts >= from_attempt:
            level = worse(level, severity)
            break
    steps = AMOUNT_RULES.get(type)
    if steps is not None and amount is not None:
        level = S.LOW  # money decides alone: a credit is not worth a supervisor's morning
        for above, severity in steps:
            if amount > above:
                level = severity
                break
    if condition is not None:
        level = worse(level, CONDITION_RULES.get((type, condition), level))
    return level


# --- dedup -----------------------------------------------------------------------------------------


def dedup_key(type: T, shipment_id: str | None, order_id: str | None, subject: str | None = None) -> str:
    """The identity of an open problem: one type about one thing. Empty when there is nothing to key on
    (such a problem is never merged with another)."""
    about = subject or shipment_id or order_id
    return f"{type.value}:{about}" if about else ""


# --- ageing ----------------------------------------------------------------------------------------


class AgeBand(StrEnum):
    FRESH = "fresh"
    AMBER = "amber"
    RED = "red"


# (older than, band), checked top down: a day-old open problem is overdue, four hours is worth a look.
AGE_BANDS: tuple[tuple[timedelta, AgeBand], ...] = (
    (timedelta(hours=24), AgeBand.RED),
    (timedelta(hours=4), AgeBand.AMBER),
)


def age_band(created_at: datetime, now: datetime) -> AgeBand:
    age = now - created_at
    for older_than, band in AGE_BANDS:
        if age > older_than:
            return band
    return AgeBand.FRESH


@dataclass(frozen=True, slots=True)
class Age:
    hours: float
    band: AgeBand


def age_of(created_at: datetime, now: datetime) -> Age:
    return Age((now - created_at).total_seconds() / 3600, age_band(created_at, now))
